//! The API as the vendor documents and publishes it (API.md §3, §5): its published
//! `get.sales_funnel` response replayed through every output format, and the hints of SPEC §8 for
//! the answers a real account gives.

use serde_json::{Value, json};

use crate::common::*;

// ---- the published response ----

/// The `get.sales_funnel` response of the vendor's deal-upload guide, in its shape (API.md §3):
/// in-process orders 10–40, then success 10010 and failed 10020; stage ext_ids "1"–"4", "1000",
/// "10001", one of them the funnel's own; keys in no particular order; no `version` key; the id
/// echoed with the type it was sent with.
fn published_response(request: &mockito::Request) -> Vec<u8> {
    let body: Value = serde_json::from_slice(request.body().map(Vec::as_slice).unwrap_or_default()).unwrap();
    let id = serde_json::to_string(&body["id"]).unwrap();
    format!(
        r#"{{"result":{{"metadata":{{"limits":{{"minute_reset":39,"day_limit":3500,"minute_limit":200,"day_remaining":3305,"minute_remaining":199,"day_reset":35139}},"total_items":1}},"data":[{{"stages":[{{"stage_order":10,"stage_status":"in_process","stage_name":"Новая заявка","stage_ext_id":"1"}},{{"stage_name":"Квалификация","stage_ext_id":"2","stage_order":20,"stage_status":"in_process"}},{{"stage_ext_id":"3","stage_status":"in_process","stage_order":30,"stage_name":"Коммерческое предложение"}},{{"stage_status":"in_process","stage_ext_id":"4","stage_name":"Согласование договора","stage_order":40}},{{"stage_order":10010,"stage_ext_id":"1000","stage_name":"Успешно реализовано","stage_status":"success"}},{{"stage_status":"failed","stage_order":10020,"stage_name":"Закрыто и не реализовано","stage_ext_id":"10001"}}],"name":"Воронка продаж","ext_id":"1"}}]}},"id":{id},"jsonrpc":"2.0"}}"#
    )
    .into_bytes()
}

/// Runs `args` against a server that replays the published response once; returns stdout.
fn replay(args: &[&str]) -> String {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.sales_funnel"})))
        .with_body_from_request(published_response)
        .expect(1)
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(args).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{args:?}: {stderr}");
    assert_eq!(stderr, "", "{args:?}");
    mock.assert();
    stdout
}

/// Snapshots normalise line ends: CRLF record ends are marked so that they are reviewed too.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "␍\n")
}

#[test]
fn the_published_response_prints_in_every_format() {
    for format in ["table", "json", "ndjson", "csv", "tsv"] {
        for explode in [false, true] {
            let mut args = vec!["list", "-o", format];
            args.extend(explode.then_some("--explode"));
            let name = if explode { format!("published_{format}_explode") } else { format!("published_{format}") };
            insta::assert_snapshot!(name, crlf(&replay(&args)));
        }
    }
}

#[test]
fn the_published_response_as_one_funnel_with_show() {
    for format in ["table", "json", "csv"] {
        insta::assert_snapshot!(format!("published_show_{format}"), crlf(&replay(&["show", "1", "-o", format])));
    }
}

#[test]
fn the_published_response_keeps_its_values_exactly() {
    // Beyond the snapshots: ext_ids stay strings however numeric they look, every stage is kept
    // (the one sharing its funnel's ext_id included), in stage order.
    let funnels: Value = serde_json::from_str(&replay(&["list", "-o", "json"])).unwrap();
    assert_eq!(funnels[0]["ext_id"], json!("1"));
    let stages = funnels[0]["stages"].as_array().unwrap();
    let ids: Vec<&str> = stages.iter().map(|s| s["stage_ext_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "1000", "10001"]);
    let orders: Vec<u64> = stages.iter().map(|s| s["stage_order"].as_u64().unwrap()).collect();
    assert_eq!(orders, [10, 20, 30, 40, 10010, 10020]);
    let rows = replay(&["list", "--explode", "-o", "ndjson"]);
    assert_eq!(rows.lines().count(), 6);
    assert!(rows.lines().next().unwrap().starts_with(r#"{"ext_id":"1","name":"Воронка продаж","stage_ext_id":"1","#));
}

// ---- hints that fit the case (SPEC §8, API.md §5) ----

/// Environment variables set for one run.
type Env<'a> = &'a [(&'a str, &'a str)];

/// Runs `args` against `server` and returns (exit code, stderr).
fn run(server: &mockito::Server, args: &[&str], env: Env) -> (Option<i32>, String) {
    let (mut cmd, _home) = funnels(&endpoint(server));
    let out = cmd.envs(env.iter().copied()).args(args).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(stdout.is_empty(), "{args:?}: {stdout}");
    (out.status.code(), stderr)
}

/// The `hint:` line of an error report.
fn hint_of(stderr: &str) -> &str {
    stderr.lines().find_map(|l| l.strip_prefix("hint: ")).unwrap_or_else(|| panic!("no hint: {stderr}"))
}

const WHITELIST_RU: &str = "Администратор → Аккаунт → Правила и настройки безопасности → API";
const WHITELIST_EN: &str = "Administrator → Account → Security rules and settings → API";

/// The vendor's one published error body has `"id": null`.
fn ip_not_whitelisted(_: &mockito::Request) -> Vec<u8> {
    serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32003,
        "message": "IP 203.0.113.7 is not whitelisted", "data": {"mnemonic": "ip_not_whitelisted"}}}))
    .unwrap()
}

#[test]
fn acting_for_a_client_the_whitelist_that_matters_is_the_clients() {
    let mut server = mockito::Server::new();
    let _funnels = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.sales_funnel"})))
        .with_body_from_request(ip_not_whitelisted)
        .create();
    let _users = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.customer_users"})))
        .with_body_from_request(reply(result(&[json!({"id": 13})], 1)))
        .create();
    let client = |id: u64| {
        format!("add this machine's IP to the API whitelist of the client's account (user {id}), not the agent's: ")
    };
    let cases: [(&[&str], Env, String); 6] = [
        (&["list", "--user-id", "12"], &[], client(12)),
        (&["list", "--count"], &[("FUNNELS_USER_ID", "12")], client(12)),
        (&["show", "1", "--user-id", "12"], &[], client(12)),
        (&["list", "--all-users"], &[], client(13)),
        (&["list"], &[], "add this machine's IP to the account's API whitelist: ".to_owned()),
        (&["show", "1"], &[], "add this machine's IP to the account's API whitelist: ".to_owned()),
    ];
    for (args, env, start) in cases {
        let (code, stderr) = run(&server, args, env);
        assert_eq!(code, Some(5), "{args:?}: {stderr}");
        assert!(stderr.starts_with("funnels: error: ") && stderr.contains("ip_not_whitelisted"), "{stderr}");
        let hint = hint_of(&stderr);
        assert!(hint.starts_with(&start), "{args:?} {env:?}: {hint}");
        assert!(hint.contains(WHITELIST_RU) && hint.contains(WHITELIST_EN), "{hint}");
    }
}

#[test]
fn the_agents_only_call_refused_says_an_agent_account_is_needed() {
    for (code, mnemonic, exit) in [(-32003, "forbidden", 5), (-32601, "method_not_found", 8)] {
        let mut server = mockito::Server::new();
        let mock = server
            .mock("POST", "/v2.0")
            .match_body(body_has(json!({"method": "get.customer_users"})))
            .with_body_from_request(api_error(code, mnemonic, &json!({})))
            .expect(3)
            .create();
        for args in [&["users"][..], &["users", "--count"], &["list", "--all-users"]] {
            let (status, stderr) = run(&server, args, &[]);
            assert_eq!(status, Some(exit), "{mnemonic} {args:?}: {stderr}");
            assert!(stderr.contains(mnemonic), "{stderr}");
            assert_eq!(
                hint_of(&stderr),
                "listing client users needs an agent (partner) account; a client account lists its own funnels \
                 with funnels list, without --user-id or --all-users",
                "{mnemonic} {args:?}"
            );
        }
        mock.assert();
    }
}

#[test]
fn the_sister_apis_component_disabled_gets_the_component_hint() {
    for mnemonic in ["component_disabled", "method_component_disabled"] {
        let mut server = mockito::Server::new();
        let _mock =
            server.mock("POST", "/v2.0").with_body_from_request(api_error(-32008, mnemonic, &json!({}))).create();
        let (code, stderr) = run(&server, &["list"], &[]);
        assert_eq!(code, Some(5), "{stderr}");
        assert_eq!(hint_of(&stderr), "the account needs the `sales_funnel` component enabled; ask its administrator");
    }
}

#[test]
fn a_user_id_that_was_given_is_called_wrong_not_missing() {
    let mut server = mockito::Server::new();
    let _missing = server
        .mock("POST", "/v2.0")
        .match_request(|r| !String::from_utf8_lossy(r.body().unwrap()).contains("\"user_id\""))
        .with_body_from_request(api_error(-32602, "required_parameter_missed", &json!({"field": "user_id"})))
        .create();
    let _unknown = server
        .mock("POST", "/v2.0")
        .match_request(|r| String::from_utf8_lossy(r.body().unwrap()).contains("\"user_id\""))
        .with_body_from_request(api_error(-32602, "invalid_parameter_value", &json!({"field": "user_id", "value": 99})))
        .create();

    let (code, stderr) = run(&server, &["list"], &[]);
    assert_eq!(code, Some(8), "{stderr}");
    assert_eq!(hint_of(&stderr), "agent accounts must pass --user-id; list them with funnels users");

    for (args, env) in [(&["list", "--user-id", "99"][..], &[][..]), (&["show", "7"], &[("FUNNELS_USER_ID", "99")])] {
        let (code, stderr) = run(&server, args, env);
        assert_eq!(code, Some(8), "{stderr}");
        assert!(!stderr.contains("must pass --user-id"), "{stderr}");
        assert_eq!(hint_of(&stderr), "user id 99 may be wrong; list the client users with funnels users");
    }
}

#[test]
fn show_not_found_repeats_the_user_it_looked_in() {
    let mut server = mockito::Server::new();
    let _mock = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[], 0))).create();
    let (code, stderr) = run(&server, &["show", "8", "--user-id", "12"], &[]);
    assert_eq!(code, Some(10), "{stderr}");
    assert_eq!(
        stderr,
        "funnels: error: no funnel with ext_id `8` for user 12\n\
         hint: list the ext_ids with funnels list --user-id 12 --fields ext_id,name --all\n"
    );
    let (code, stderr) = run(&server, &["show", "8"], &[]);
    assert_eq!(code, Some(10), "{stderr}");
    assert_eq!(
        stderr,
        "funnels: error: no funnel with ext_id `8`\nhint: list the ext_ids with funnels list --fields ext_id,name --all\n"
    );
}
