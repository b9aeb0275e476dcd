//! Agent accounts: `users` and `list --all-users` with `--keep-going` (SPEC §4).

use serde_json::{Value, json};

use crate::common::*;
use crate::sandbox::Sandbox;

#[test]
fn users_sends_the_default_sort_and_lists_users() {
    let mut server = mockito::Server::new();
    let users = [json!({"id": 12, "login": "shop", "name": "Магазин", "description": null, "customer_id": 1})];
    let mock = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.customer_users", "params": {
            "sort": [{"field": "customer_id", "order": "asc"}, {"field": "name", "order": "asc"}]}})))
        .match_request(|r| {
            let body: Value = serde_json::from_slice(r.body().unwrap()).unwrap();
            body["params"].get("user_id").is_none()
        })
        .with_body_from_request(reply(result(&users, 1)))
        .expect(1)
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["users", "-o", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", texts(&out).1);
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, json!(users));
    mock.assert();
}

#[test]
fn all_users_makes_one_request_per_user_with_its_id() {
    let mut server = mockito::Server::new();
    let users = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.customer_users"})))
        .with_body_from_request(reply(result(&[json!({"id": 12}), json!({"id": 13})], 2)))
        .expect(1)
        .create();
    let per_user: Vec<_> = [(12, vec![funnel(1, 1), funnel(2, 1)]), (13, vec![funnel(1, 1)])]
        .into_iter()
        .map(|(id, data)| {
            let n = data.len() as u64;
            server
                .mock("POST", "/v2.0")
                .match_body(body_has(json!({"method": "get.sales_funnel", "params": {"user_id": id}})))
                .with_body_from_request(reply(result(&data, n)))
                .expect(1)
                .create()
        })
        .collect();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "--all-users", "--fields", "ext_id,name", "-o", "csv"]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "user_id,ext_id,name\r\n12,1,Воронка 1\r\n12,2,Воронка 2\r\n13,1,Воронка 1\r\n");
    users.assert();
    for mock in per_user {
        mock.assert();
    }
}

#[test]
fn a_failing_user_fails_the_run_unless_keep_going() {
    let sandbox = Sandbox::start(20);
    let (mut cmd, _home) = sandbox.funnels("demo-agent");
    let out = cmd.args(["list", "--all-users", "--all", "-o", "csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", texts(&out).1);
    assert!(out.stdout.is_empty());

    let (mut cmd, _home) = sandbox.funnels("demo-agent");
    let out = cmd.args(["list", "--all-users", "--all", "--keep-going", "-o", "csv", "-v"]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(9), "{stderr}");
    assert!(stderr.contains("warning: skipped user 99"), "{stderr}");
    assert!(stderr.contains("4 users; 5 calls to the API; points left"), "-v sums up the calls: {stderr}");
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    assert_eq!(reader.headers().unwrap().get(0), Some("user_id"));
    let users: std::collections::BTreeSet<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(users.into_iter().collect::<Vec<_>>(), ["12", "13", "14"]);
}

#[test]
fn users_on_a_client_token_is_exit_5() {
    let sandbox = Sandbox::start(5);
    let (mut cmd, _home) = sandbox.funnels("demo");
    let out = cmd.args(["users"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", texts(&out).1);
    let (mut cmd, _home) = sandbox.funnels("demo-agent");
    let out = cmd.args(["users", "-o", "json"]).output().unwrap();
    assert!(out.status.success());
    let users: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(users.len(), 4);
}
