//! The sandbox speaks the API as the vendor documents it (SPEC §10, API.md §3–§5): null tests,
//! POSIX `regexp`, ended sessions, hour windows, error shapes on demand, CallGear's operator set and
//! agency-sized user lists. Most tests talk raw JSON-RPC to the sandbox (`sandbox/`), so they pin the
//! double itself, whatever the client does; the last ones drive `funnels` through the new switches
//! to show that the answers the real server most likely gives take the paths of SPEC §4 and §7.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use serde_json::{Value, json};

use crate::common::*;
use crate::sandbox::Sandbox;

/// POSTs `body` to the sandbox on a connection of its own and returns the JSON answer.
fn post(endpoint: &str, body: &Value) -> Value {
    let address = endpoint.strip_prefix("http://").and_then(|rest| rest.split('/').next()).unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    let body = body.to_string();
    write!(
        stream,
        "POST /v2.0 HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json; charset=UTF-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    serde_json::from_str(body).unwrap()
}

/// `method` with `params`, request id 7.
fn call(sandbox: &Sandbox, method: &str, params: &Value) -> Value {
    post(&sandbox.endpoint, &json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params}))
}

/// `get.sales_funnel` for the client token `demo` with `filter`, ext_ids and names only.
fn funnels_where(sandbox: &Sandbox, filter: &Value) -> Value {
    call(
        sandbox,
        "get.sales_funnel",
        &json!({"access_token": "demo", "fields": ["ext_id", "name"], "limit": 10_000, "filter": filter}),
    )
}

/// The ext_ids of a successful answer; any other answer fails the test, shown whole.
fn ext_ids(answer: &Value) -> Vec<String> {
    let data = answer["result"]["data"].as_array().unwrap_or_else(|| panic!("not a result: {answer}"));
    data.iter().map(|f| f["ext_id"].as_str().unwrap().to_owned()).collect()
}

/// The `data` of an error answer, after checking its code and mnemonic.
fn error_data(answer: &Value, code: i64, mnemonic: &str) -> Value {
    let error = &answer["error"];
    assert_eq!((error["code"].as_i64(), error["data"]["mnemonic"].as_str()), (Some(code), Some(mnemonic)), "{answer}");
    error["data"].clone()
}

fn all_ids(n: u64) -> Vec<String> {
    (1..=n).map(|i| i.to_string()).collect()
}

#[test]
fn equals_null_and_not_equals_null_are_the_documented_null_tests() {
    let sandbox = Sandbox::start(20);
    let null_name = |operator: &str| json!({"field": "name", "operator": operator, "value": null});
    assert_eq!(ext_ids(&funnels_where(&sandbox, &null_name("="))), Vec::<String>::new(), "no funnel lacks a name");
    assert_eq!(ext_ids(&funnels_where(&sandbox, &null_name("!="))), all_ids(20));
    // "An absent value counts as empty" (API.md §4).
    assert_eq!(ext_ids(&funnels_where(&sandbox, &json!({"field": "name", "operator": "="}))), Vec::<String>::new());
    assert_eq!(ext_ids(&funnels_where(&sandbox, &json!({"field": "ext_id", "operator": "!="}))), all_ids(20));
    // Inside a tree, beside an ordinary comparison.
    let tree =
        json!({"filters": [null_name("!="), {"field": "ext_id", "operator": "=", "value": "7"}], "condition": "and"});
    assert_eq!(ext_ids(&funnels_where(&sandbox, &tree)), ["7"]);
    // The CoMagic/UIS extras stay accepted outside CallGear mode.
    assert_eq!(
        ext_ids(&funnels_where(&sandbox, &json!({"field": "name", "operator": "is_null"}))),
        Vec::<String>::new()
    );
    assert_eq!(ext_ids(&funnels_where(&sandbox, &json!({"field": "name", "operator": "is_not_null"}))), all_ids(20));
    // Numbers too: the users' `id`.
    let users = call(
        &sandbox,
        "get.customer_users",
        &json!({"access_token": "demo-agent", "filter": {"field": "id", "operator": "!=", "value": null}}),
    );
    assert_eq!(users["result"]["metadata"]["total_items"], 4, "{users}");
    // Ordering operators still need a value.
    let answer = funnels_where(&sandbox, &json!({"field": "name", "operator": "<", "value": null}));
    assert_eq!(error_data(&answer, -32602, "required_parameter_missed")["field"], "filter.value");
}

#[test]
fn regexp_is_posix_and_only_a_malformed_pattern_is_refused() {
    let sandbox = Sandbox::start(20);
    let regexp =
        |pattern: &str| funnels_where(&sandbox, &json!({"field": "name", "operator": "regexp", "value": pattern}));
    // Funnels 2, 10 and 18 of 20 are "Main funnel i"; 8 and 16 are "Sales pipeline i".
    assert_eq!(ext_ids(&regexp("^Main funnel")), ["2", "10", "18"]);
    assert_eq!(ext_ids(&regexp("^(Main|Sales) [a-z]+ [[:digit:]]{2}$")), ["10", "16", "18"]);
    assert_eq!(ext_ids(&regexp("funnel 1")), ["10", "18"], "anywhere in the value");
    assert_eq!(ext_ids(&regexp("^main funnel")), Vec::<String>::new(), "case-sensitive");
    // Cyrillic: funnel 5 is "Ёлки и игрушки — оптовые продажи 5"; `.` is one character, not one byte.
    assert_eq!(ext_ids(&regexp("^Ё.ки и")), ["5", "13"]);

    for pattern in ["(ab", "[z-a]", "a{3,1}", "*x"] {
        let answer = regexp(pattern);
        let data = error_data(&answer, -32602, "invalid_parameter_value");
        assert_eq!((data["field"].as_str(), data["value"].as_str()), (Some("filter.value"), Some(pattern)), "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains("invalid regular expression") && !message.contains('\n'), "{message}");
    }
    // A pattern must be a string, and `regexp` is for text.
    let answer = funnels_where(&sandbox, &json!({"field": "name", "operator": "regexp", "value": 5}));
    assert_eq!(error_data(&answer, -32602, "data_type_error")["field"], "filter.value");
    let users = call(
        &sandbox,
        "get.customer_users",
        &json!({"access_token": "demo-agent", "filter": {"field": "id", "operator": "regexp", "value": "1"}}),
    );
    assert_eq!(error_data(&users, -32602, "invalid_parameter_value")["field"], "filter.operator");
}

#[test]
fn an_ended_session_is_answered_access_token_invalid() {
    let sandbox = Sandbox::start(5);
    let login = |name: &str| {
        let answer = call(&sandbox, "login.user", &json!({"login": name, "password": "demo"}));
        answer["result"]["data"]["access_token"].as_str().unwrap_or_else(|| panic!("{answer}")).to_owned()
    };
    let list = |key: &str| call(&sandbox, "get.sales_funnel", &json!({"access_token": key, "limit": 1}));

    // Expired: the docs keep `access_token_expired` for permanent keys.
    let expired = login("expired");
    let data = error_data(&list(&expired), -32001, "access_token_invalid");
    assert_eq!(data["field"], "access_token");

    // Logged out.
    let key = login("demo");
    assert_eq!(list(&key)["result"]["metadata"]["total_items"], 5);
    assert_eq!(call(&sandbox, "logout.user", &json!({"access_token": key}))["result"], json!({"data": {}}));
    error_data(&list(&key), -32001, "access_token_invalid");
}

/// The keys of `limits`, in the order the sandbox wrote them.
fn window_keys(answer: &Value) -> Vec<String> {
    let metadata = if answer.get("result").is_some() {
        &answer["result"]["metadata"]
    } else {
        &answer["error"]["data"]["metadata"]
    };
    metadata["limits"].as_object().unwrap_or_else(|| panic!("no limits: {answer}")).keys().cloned().collect()
}

fn keys_of(windows: &[&str]) -> Vec<String> {
    windows.iter().flat_map(|w| ["limit", "remaining", "reset"].map(|k| format!("{w}_{k}"))).collect()
}

#[test]
fn hour_limit_adds_an_hour_window_that_is_reported_and_enforced() {
    let sandbox = Sandbox::start_with(&["--funnels", "3", "--hour-limit", "2"], Stdio::null());
    let list = || call(&sandbox, "get.sales_funnel", &json!({"access_token": "demo", "limit": 1}));
    let first = list();
    assert_eq!(window_keys(&first), keys_of(&["day", "hour", "minute"]), "{first}");
    let limits = &first["result"]["metadata"]["limits"];
    assert_eq!((&limits["hour_limit"], &limits["hour_remaining"]), (&json!(2), &json!(1)), "{first}");
    assert!((3590..=3600).contains(&limits["hour_reset"].as_u64().unwrap()), "{first}");
    assert_eq!(list()["result"]["metadata"]["limits"]["hour_remaining"], 0);

    let spent = list();
    let data = error_data(&spent, -32029, "limit_exceeded");
    assert_eq!(data["params"], json!({"limit_type": "hour", "limit_max_value": 2}), "{spent}");
    assert_eq!(data["metadata"]["limits"]["hour_remaining"], 0, "{spent}");
    assert_eq!(data["metadata"]["limits"]["minute_remaining"], 198, "the refused call cost nothing: {spent}");
    assert!(spent["error"]["message"].as_str().unwrap().contains("per hour"), "{spent}");
}

#[test]
fn windows_choose_which_limits_are_sent_and_enforced() {
    let list = |sandbox: &Sandbox| call(sandbox, "get.sales_funnel", &json!({"access_token": "demo", "limit": 1}));

    let default = Sandbox::start(3);
    assert_eq!(window_keys(&list(&default)), keys_of(&["day", "minute"]), "the default is unchanged");

    // Only an hour window, as real responses of other methods carry.
    let hourly = Sandbox::start_with(
        &["--funnels", "3", "--windows", "hour", "--hour-limit", "1", "--minute-limit", "1"],
        Stdio::null(),
    );
    let first = list(&hourly);
    assert_eq!(window_keys(&first), keys_of(&["hour"]), "{first}");
    let spent = list(&hourly);
    assert_eq!(error_data(&spent, -32029, "limit_exceeded")["params"]["limit_type"], "hour", "{spent}");
    assert_eq!(window_keys(&spent), keys_of(&["hour"]));

    // A window not in force is not enforced: a minute budget of 1 does not stop the second call.
    let daily = Sandbox::start_with(&["--funnels", "3", "--windows", "day", "--minute-limit", "1"], Stdio::null());
    list(&daily);
    assert_eq!(window_keys(&list(&daily)), keys_of(&["day"]));

    let none = Sandbox::start_with(&["--funnels", "3", "--windows", "none"], Stdio::null());
    assert_eq!(list(&none)["result"]["metadata"]["limits"], json!({}));
}

#[test]
fn errors_come_with_null_ids_and_without_metadata_on_demand() {
    let bad_key = json!({"access_token": "no-such-key"});
    let quota = ["--funnels", "3", "--minute-limit", "1"];

    // Control: by default errors echo the id and carry metadata.
    let plain = Sandbox::start_with(&quota, Stdio::null());
    let answer = call(&plain, "get.sales_funnel", &bad_key);
    assert_eq!((&answer["id"], answer["error"]["data"].get("metadata").is_some()), (&json!(7), true), "{answer}");

    let mut args = quota.to_vec();
    args.extend(["--null-error-ids", "--bare-errors"]);
    let shaped = Sandbox::start_with(&args, Stdio::null());
    let check = |answer: &Value, code: i64, mnemonic: &str| {
        let data = error_data(answer, code, mnemonic);
        assert!(answer["id"].is_null() && answer.get("id").is_some(), "{answer}");
        assert!(data.get("metadata").is_none(), "{answer}");
        data
    };
    check(&call(&shaped, "get.sales_funnel", &bad_key), -32001, "access_token_invalid");
    let list = json!({"access_token": "demo", "limit": 1});
    assert_eq!(call(&shaped, "get.sales_funnel", &list)["id"], 7, "successes still echo the id");
    let data = check(&call(&shaped, "get.sales_funnel", &list), -32029, "limit_exceeded");
    assert_eq!(data["params"]["limit_type"], "minute");

    let failing = Sandbox::start_with(
        &["--funnels", "3", "--fail-every", "1", "--null-error-ids", "--bare-errors"],
        Stdio::null(),
    );
    check(&call(&failing, "get.sales_funnel", &list), -32603, "internal_error");
    check(&call(&failing, "get.customer_users", &json!({"access_token": "demo-agent"})), -32603, "internal_error");
}

#[test]
fn fail_every_n_fails_every_nth_paid_call_at_no_cost() {
    let sandbox = Sandbox::start_with(&["--funnels", "3", "--fail-every", "3"], Stdio::null());
    let list = || call(&sandbox, "get.sales_funnel", &json!({"access_token": "demo", "limit": 1}));
    let remaining = |answer: &Value| answer["result"]["metadata"]["limits"]["minute_remaining"].as_u64();
    assert_eq!((remaining(&list()), remaining(&list())), (Some(199), Some(198)));
    // A call the server refuses before its work is not a paid call and does not count.
    let refused = call(&sandbox, "get.sales_funnel", &json!({"access_token": "demo", "limit": 0}));
    error_data(&refused, -32602, "invalid_parameter_value");
    let failed = list();
    let data = error_data(&failed, -32603, "internal_error");
    assert_eq!(failed["id"], 7);
    assert_eq!(data["metadata"]["limits"]["minute_remaining"], 198, "a failed call costs nothing: {failed}");
    assert_eq!((remaining(&list()), remaining(&list())), (Some(197), Some(196)));
    error_data(&list(), -32603, "internal_error");
}

#[test]
fn callgear_mode_refuses_the_operators_callgear_does_not_list() {
    let sandbox = Sandbox::start_with(&["--funnels", "20", "--platform", "callgear"], Stdio::null());
    for operator in ["ilike", "not_like", "not_ilike", "not_in", "is_null", "is_not_null", "overlap", "not_overlap"] {
        let answer = funnels_where(&sandbox, &json!({"field": "name", "operator": operator, "value": ["x"]}));
        let data = error_data(&answer, -32602, "invalid_parameter_value");
        assert_eq!(
            (data["field"].as_str(), data["value"].as_str()),
            (Some("filter.operator"), Some(operator)),
            "{answer}"
        );
    }
    let users = call(
        &sandbox,
        "get.customer_users",
        &json!({"access_token": "demo-agent", "filter": {"field": "id", "operator": "not_in", "value": [12]}}),
    );
    assert_eq!(error_data(&users, -32602, "invalid_parameter_value")["field"], "filter.operator");

    // What CallGear lists works, null tests in the portable form included.
    let everything = all_ids(20);
    let listed: [(Value, Vec<&str>); 7] = [
        (json!({"field": "ext_id", "operator": "=", "value": "3"}), vec!["3"]),
        (json!({"field": "ext_id", "operator": "!=", "value": null}), everything.iter().map(String::as_str).collect()),
        (json!({"field": "name", "operator": "=", "value": null}), vec![]),
        (json!({"field": "ext_id", "operator": ">=", "value": "8"}), vec!["8", "9"]),
        (json!({"field": "name", "operator": "like", "value": "Main%"}), vec!["2", "10", "18"]),
        (json!({"field": "name", "operator": "regexp", "value": "^Main"}), vec!["2", "10", "18"]),
        (json!({"field": "ext_id", "operator": "in", "value": ["1", "12"]}), vec!["1", "12"]),
    ];
    for (filter, expected) in listed {
        assert_eq!(ext_ids(&funnels_where(&sandbox, &filter)), expected, "{filter}");
    }

    // The same operators are fine on CoMagic/UIS.
    let comagic = Sandbox::start_with(&["--funnels", "20", "--platform", "comagic"], Stdio::null());
    let answer = funnels_where(&comagic, &json!({"field": "ext_id", "operator": "not_in", "value": ["1"]}));
    assert_eq!(ext_ids(&answer).len(), 19, "{answer}");
}

#[cfg(unix)]
#[test]
fn the_platform_is_announced_to_the_client() {
    // The client is told which brand it talks to, in the banner and under --exec.
    let out = std::process::Command::new(crate::sandbox::sandbox_bin())
        .args(["--funnels", "1", "--platform", "callgear", "--exec", "sh", "-c", r#"printf %s "$FUNNELS_PLATFORM""#])
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "callgear");
    assert!(stderr.lines().any(|l| l == "export FUNNELS_PLATFORM=callgear"), "{stderr}");
}

#[test]
fn users_n_gives_the_agent_more_clients_with_ten_funnels_each() {
    let users = |sandbox: &Sandbox| {
        let answer = call(sandbox, "get.customer_users", &json!({"access_token": "demo-agent", "limit": 10_000}));
        answer["result"]["data"].as_array().unwrap_or_else(|| panic!("{answer}")).clone()
    };
    let funnels_of = |sandbox: &Sandbox, user: i64| {
        call(sandbox, "get.sales_funnel", &json!({"access_token": "demo-agent", "user_id": user, "limit": 10_000}))
    };
    let plain = Sandbox::start(30);
    let agency = Sandbox::start_with(&["--funnels", "30", "--users", "40"], Stdio::null());

    let (before, after) = (users(&plain), users(&agency));
    assert_eq!(after.len(), 44);
    assert_eq!(after[..4], before[..], "users 12, 13, 14 and 99 unchanged");
    for user in [12, 13, 14, 99] {
        assert_eq!(funnels_of(&agency, user)["result"]["data"], funnels_of(&plain, user)["result"]["data"]);
    }

    let extra = &after[4..];
    let ids: Vec<i64> = extra.iter().map(|u| u["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, (1000..1040).collect::<Vec<_>>());
    let mut customers: Vec<i64> = after.iter().skip(3).map(|u| u["customer_id"].as_i64().unwrap()).collect();
    customers.sort_unstable();
    customers.dedup();
    assert_eq!(customers.len(), 41, "customer ids distinct from each other and from 99's: {after:?}");
    let names: std::collections::HashSet<&str> = extra.iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 40, "every client has a name of its own");
    assert!(names.iter().any(|n| n.chars().any(|c| ('а'..='я').contains(&c))), "Cyrillic names: {names:?}");
    assert!(names.iter().any(|n| n.is_ascii()), "Latin names: {names:?}");

    for user in [1000, 1039] {
        let answer = funnels_of(&agency, user);
        assert_eq!(answer["result"]["metadata"]["total_items"], 10, "{answer}");
        assert_eq!(ext_ids(&answer), all_ids(10));
        for funnel in answer["result"]["data"].as_array().unwrap() {
            let statuses: Vec<&str> =
                funnel["stages"].as_array().unwrap().iter().map(|s| s["stage_status"].as_str().unwrap()).collect();
            let count = |status: &str| statuses.iter().filter(|s| **s == status).count();
            assert_eq!((count("success"), count("failed")), (1, 1), "{funnel}");
            assert!((1..=10).contains(&count("in_process")), "{funnel}");
        }
    }
    assert_ne!(funnels_of(&agency, 1000)["result"]["data"], funnels_of(&agency, 1001)["result"]["data"], "names vary");
    assert_eq!(error_data(&funnels_of(&agency, 1040), -32602, "invalid_parameter_value")["field"], "user_id");
    assert_eq!(error_data(&funnels_of(&plain, 1000), -32602, "invalid_parameter_value")["field"], "user_id");
}

// ---------------------------------------------------------------------------------------------
// The client against these answers

/// `funnels login` as `name` against `sandbox`; returns the HOME holding the session.
fn login(sandbox: &Sandbox, name: &str) -> tempfile::TempDir {
    let (mut cmd, home) = sandbox.funnels("unused");
    let out = cmd
        .env_remove("FUNNELS_TOKEN")
        .args(["login", "--login", name, "--password-stdin"])
        .write_stdin("demo\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", texts(&out).1);
    home
}

fn session_file(home: &tempfile::TempDir) -> std::path::PathBuf {
    home.path().join(".local/state/funnels/default.json")
}

/// `funnels list` with the stored session of `home`.
fn list_with_session(sandbox: &Sandbox, home: &tempfile::TempDir) -> std::process::Output {
    let (mut cmd, _h) = sandbox.funnels("unused");
    cmd.env("HOME", home.path()).env_remove("FUNNELS_TOKEN").arg("list").output().unwrap()
}

#[test]
fn an_ended_session_answered_access_token_invalid_says_run_funnels_login() {
    let sandbox = Sandbox::start(5);

    // Logged out behind the client's back (another terminal, the web UI).
    let home = login(&sandbox, "demo");
    let session: Value = serde_json::from_slice(&std::fs::read(session_file(&home)).unwrap()).unwrap();
    let logout = call(&sandbox, "logout.user", &json!({"access_token": session["access_token"]}));
    assert_eq!(logout["result"], json!({"data": {}}));
    let out = list_with_session(&sandbox, &home);
    let stderr = texts(&out).1;
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("access_token_invalid") && stderr.contains("hint: run funnels login"), "{stderr}");

    // Expired while the client still believed in it (a clock behind the server's).
    let home = login(&sandbox, "expired");
    let mut session: Value = serde_json::from_slice(&std::fs::read(session_file(&home)).unwrap()).unwrap();
    session["expire_at"] = json!(4_102_444_800_u64); // 2100-01-01
    std::fs::write(session_file(&home), session.to_string()).unwrap();
    let out = list_with_session(&sandbox, &home);
    let stderr = texts(&out).1;
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("access_token_invalid") && stderr.contains("hint: run funnels login"), "{stderr}");
}

#[test]
fn id_null_auth_errors_take_the_path_of_echoed_ones() {
    let plain = Sandbox::start(5);
    let shaped = Sandbox::start_with(&["--funnels", "5", "--null-error-ids", "--bare-errors"], Stdio::null());
    let run = |sandbox: &Sandbox| {
        let (mut cmd, _home) = sandbox.funnels("no-such-key");
        let out = cmd.arg("list").output().unwrap();
        (out.status.code(), texts(&out).1)
    };
    let (echoed, null) = (run(&plain), run(&shaped));
    assert_eq!(null.0, Some(4), "{}", null.1);
    assert!(null.1.contains("access_token_invalid") && null.1.contains("hint: check the key"), "{}", null.1);
    assert_eq!(null, echoed, "the same exit and message with and without an id");

    // A session key: the session hint.
    let home = login(&shaped, "demo");
    let session: Value = serde_json::from_slice(&std::fs::read(session_file(&home)).unwrap()).unwrap();
    call(&shaped, "logout.user", &json!({"access_token": session["access_token"]}));
    let out = list_with_session(&shaped, &home);
    assert_eq!(out.status.code(), Some(4));
    assert!(texts(&out).1.contains("hint: run funnels login"), "{}", texts(&out).1);
}

/// A sandbox whose `--verbose` log goes to a file, and a way to count the log's lines with `tag`.
fn logged_sandbox(args: &[&str]) -> (Sandbox, tempfile::NamedTempFile) {
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut all = args.to_vec();
    all.push("--verbose");
    let sandbox = Sandbox::start_with(&all, Stdio::from(log.reopen().unwrap()));
    (sandbox, log)
}

fn log_count(log: &tempfile::NamedTempFile, tag: &str) -> usize {
    std::fs::read_to_string(log.path()).unwrap().lines().filter(|l| l.contains(tag)).count()
}

#[test]
fn id_null_internal_errors_are_retried_then_exit_7() {
    for shape in [&[][..], &["--null-error-ids", "--bare-errors"][..]] {
        let mut args = vec!["--funnels", "20", "--fail-every", "1"];
        args.extend(shape);
        let (sandbox, log) = logged_sandbox(&args);
        let (mut cmd, _home) = sandbox.funnels("demo");
        let out = cmd.args(["list", "--retries", "2"]).output().unwrap();
        let stderr = texts(&out).1;
        assert_eq!(out.status.code(), Some(7), "{shape:?}: {stderr}");
        assert!(stderr.contains("internal_error") && stderr.contains("after 2 retries"), "{shape:?}: {stderr}");
        assert_eq!(log_count(&log, "get.sales_funnel internal_error"), 3, "{shape:?}: one request and two retries");
        assert_eq!(log_count(&log, "POST /v2.0"), 3, "{shape:?}");

        // Every second call fails: each page needs one retry, and the run completes.
        let mut args = vec!["--funnels", "20", "--fail-every", "2"];
        args.extend(shape);
        let (sandbox, log) = logged_sandbox(&args);
        let (mut cmd, _home) = sandbox.funnels("demo");
        let out = cmd
            .args(["list", "--all", "--page-size", "5", "--retries", "1", "--parallel", "1", "-o", "ndjson"])
            .output()
            .unwrap();
        let (stdout, stderr) = texts(&out);
        assert!(out.status.success(), "{shape:?}: {stderr}");
        assert_eq!(stdout.lines().count(), 20);
        assert_eq!(
            (log_count(&log, "get.sales_funnel ok"), log_count(&log, "get.sales_funnel internal_error")),
            (4, 3),
            "{shape:?}: pages 2, 3 and 4 failed once each"
        );
    }
}
