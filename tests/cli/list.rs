//! `funnels list` and `show`: the requests sent, paging, formats end to end.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::common::*;

#[test]
fn canonical_call_sends_user_id_as_number_and_sort() {
    let mut server = mockito::Server::new();
    let data = [funnel(2, 1), funnel(1, 2)];
    let mock = server
        .mock("POST", "/v2.0")
        .match_header("content-type", "application/json; charset=UTF-8")
        .match_body(body_has(json!({"jsonrpc": "2.0", "method": "get.sales_funnel", "params": {
            "access_token": CANARY, "user_id": 12, "limit": 10000, "offset": 0,
            "sort": [{"field": "name", "order": "asc"}]}})))
        .with_body_from_request(reply(result(&data, 2)))
        .expect(1)
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "--user-id", "12", "--sort", "name:asc"]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("Воронка 2") && stdout.contains("Этап 1"), "{stdout}");
    assert_eq!(stderr, "");
    mock.assert();
}

#[test]
fn default_sort_is_ext_id_ascending_and_fields_are_sent() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/v2.0")
        .match_body(body_has(
            json!({"params": {"sort": [{"field": "ext_id", "order": "asc"}], "fields": ["ext_id", "name"]}}),
        ))
        .with_body_from_request(reply(result(&[json!({"ext_id": "1", "name": "A"})], 1)))
        .expect(1)
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["list", "--fields", "ext_id,name", "-o", "csv"]).assert().success().stdout("ext_id,name\r\n1,A\r\n");
    mock.assert();
}

/// One mock per page of a 25 000-funnel account, each expected exactly once.
fn paged_server(total: u64, page: u64) -> (mockito::ServerGuard, Vec<mockito::Mock>) {
    let mut server = mockito::Server::new();
    let mut mocks = Vec::new();
    let mut offset = 0;
    while offset < total {
        let data: Vec<Value> = (offset + 1..=total.min(offset + page)).map(|i| funnel(i, 1)).collect();
        mocks.push(
            server
                .mock("POST", "/v2.0")
                .match_body(body_has(json!({"params": {"offset": offset, "limit": page}})))
                .with_body_from_request(reply(result(&data, total)))
                .expect(1)
                .create(),
        );
        offset += page;
    }
    (server, mocks)
}

#[test]
fn all_over_25000_funnels_takes_three_requests_in_every_format() {
    for format in ["json", "ndjson", "csv"] {
        let (server, mocks) = paged_server(25_000, 10_000);
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.args(["list", "--all", "-o", format]).output().unwrap();
        let (stdout, stderr) = texts(&out);
        assert!(out.status.success(), "{format}: {stderr}");
        assert_eq!(stderr, "", "{format}");
        for mock in &mocks {
            mock.assert();
        }
        let ids: Vec<String> = match format {
            "json" => serde_json::from_str::<Vec<Value>>(&stdout)
                .unwrap()
                .iter()
                .map(|f| f["ext_id"].as_str().unwrap().to_owned())
                .collect(),
            "ndjson" => stdout
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap()["ext_id"].as_str().unwrap().to_owned())
                .collect(),
            _ => {
                let mut reader = csv::Reader::from_reader(stdout.as_bytes());
                let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
                // one row per stage (3 each): keep one per funnel
                rows.iter().map(|r| r[0].to_owned()).collect::<Vec<_>>().chunks(3).map(|c| c[0].clone()).collect()
            }
        };
        assert_eq!(ids.len(), 25_000, "{format}");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 25_000, "{format}");
    }
}

#[test]
fn limit_25_with_page_size_10_asks_for_10_10_5() {
    let mut server = mockito::Server::new();
    let mocks: Vec<_> = [(0, 10), (10, 10), (20, 5)]
        .into_iter()
        .map(|(offset, limit)| {
            let data: Vec<Value> = (offset + 1..=offset + limit).map(|i| funnel(i, 1)).collect();
            server
                .mock("POST", "/v2.0")
                .match_body(body_has(json!({"params": {"offset": offset, "limit": limit}})))
                .with_body_from_request(reply(result(&data, 100)))
                .expect(1)
                .create()
        })
        .collect();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "--limit", "25", "--page-size", "10", "-o", "ndjson"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(texts(&out).0.lines().count(), 25);
    for mock in mocks {
        mock.assert();
    }
}

#[test]
fn first_page_only_says_how_many_exist() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/v2.0")
        .with_body_from_request(reply(result(&[funnel(1, 1), funnel(2, 1)], 50)))
        .expect(2)
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "-o", "ndjson"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(texts(&out).1, "funnels: showing 2 of 50 funnels; use --all\n");
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["list", "-o", "ndjson", "-q"]).assert().success().stderr("");
    mock.assert();
}

#[test]
fn filters_reach_the_server_as_documented() {
    let cases: Vec<(Vec<&str>, Value)> = vec![
        (vec!["--filter", "name like %Sales%"], json!({"field": "name", "operator": "like", "value": "%Sales%"})),
        (vec!["--filter", "ext_id in 1,2,3"], json!({"field": "ext_id", "operator": "in", "value": ["1", "2", "3"]})),
        (vec!["--filter", "name is_null"], json!({"field": "name", "operator": "=", "value": null})),
        (vec!["--filter", "name is_not_null"], json!({"field": "name", "operator": "!=", "value": null})),
        (vec!["--filter", "ext_id not_in 4, 5"], json!({"field": "ext_id", "operator": "not_in", "value": ["4", "5"]})),
        (vec!["--filter", "name ilike %воронка%"], json!({"field": "name", "operator": "ilike", "value": "%воронка%"})),
        (vec!["--filter", "name not_like A%"], json!({"field": "name", "operator": "not_like", "value": "A%"})),
        (vec!["--filter", "name not_ilike a%"], json!({"field": "name", "operator": "not_ilike", "value": "a%"})),
        (
            vec!["--filter", "name regexp ^(Main|Sales) "],
            json!({"field": "name", "operator": "regexp", "value": "^(Main|Sales) "}),
        ),
        (vec!["--filter", "ext_id<10"], json!({"field": "ext_id", "operator": "<", "value": "10"})),
        (vec!["--filter", "ext_id > 10"], json!({"field": "ext_id", "operator": ">", "value": "10"})),
        (vec!["--filter", "ext_id<=10"], json!({"field": "ext_id", "operator": "<=", "value": "10"})),
        (vec!["--filter", "name=Main"], json!({"field": "name", "operator": "=", "value": "Main"})),
        (
            vec!["--filter", "name!=Тест", "--filter", "ext_id>=10"],
            json!({"filters": [{"field": "name", "operator": "!=", "value": "Тест"}, {"field": "ext_id", "operator": ">=", "value": "10"}], "condition": "and"}),
        ),
        (
            vec!["--any", "--filter", "name = Main funnel", "--filter", "name ilike %воронка%"],
            json!({"filters": [{"field": "name", "operator": "=", "value": "Main funnel"}, {"field": "name", "operator": "ilike", "value": "%воронка%"}], "condition": "or"}),
        ),
        (
            vec![
                "--filter-json",
                r#"{"filters":[{"filters":[{"field":"name","operator":"regexp","value":"^A"}],"condition":"or"}],"condition":"and"}"#,
            ],
            json!({"filters": [{"filters": [{"field": "name", "operator": "regexp", "value": "^A"}], "condition": "or"}], "condition": "and"}),
        ),
    ];
    for (args, filter) in cases {
        let mut server = mockito::Server::new();
        let mock = server
            .mock("POST", "/v2.0")
            .match_request(param_is("filter", filter))
            .with_body_from_request(reply(result(&[], 0)))
            .expect(1)
            .create();
        let (mut cmd, _home) = funnels(&endpoint(&server));
        cmd.arg("list").args(&args).args(["-o", "json"]).assert().success().stdout("[]\n");
        mock.assert();
    }
}

#[test]
fn dry_run_needs_no_token_and_sends_nothing() {
    let mut server = mockito::Server::new();
    let mock = server.mock("POST", "/v2.0").expect(0).create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out =
        cmd.env_remove("FUNNELS_TOKEN").args(["list", "--dry-run", "--user-id", "7", "--limit", "5"]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    let body: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(body["params"]["access_token"], "***");
    assert_eq!(body["method"], "get.sales_funnel");
    assert_eq!(body["params"]["user_id"], 7);
    assert_eq!(body["params"]["limit"], 5);
    assert_eq!(body["params"]["sort"], json!([{"field": "ext_id", "order": "asc"}]));
    mock.assert();
}

#[test]
fn count_prints_total_items_from_one_small_request() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"params": {"limit": 1, "fields": ["ext_id"]}})))
        .with_body_from_request(reply(result(&[json!({"ext_id": "1"})], 4321)))
        .expect(1)
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["list", "--count"]).assert().success().stdout("4321\n").stderr("");
    mock.assert();
}

#[test]
fn show_prints_one_funnel_or_exits_10() {
    let mut server = mockito::Server::new();
    let found = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"params": {"filter": {"field": "ext_id", "operator": "=", "value": "7"}}})))
        .with_body_from_request(reply(result(&[funnel(7, 2)], 1)))
        .expect(2)
        .create();
    let missing = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"params": {"filter": {"field": "ext_id", "operator": "=", "value": "8"}}})))
        .with_body_from_request(reply(result(&[], 0)))
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["show", "7", "-o", "json"]).output().unwrap();
    assert!(out.status.success());
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown, funnel(7, 2));
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["show", "7", "-o", "csv"]).output().unwrap();
    assert_eq!(texts(&out).0.lines().count(), 5, "header + 4 stage rows");
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["show", "8"]).output().unwrap();
    assert_eq!(out.status.code(), Some(10));
    assert!(out.stdout.is_empty());
    assert!(texts(&out).1.starts_with("funnels: error: no funnel with ext_id `8`"));
    found.assert();
    missing.assert();
}
