//! The requests `list --all-users` makes of the users list (issue 13: the ids-only query that
//! replaced a hand-filled `QueryArgs`): ids only, every page, the users' default sort.

use serde_json::{Value, json};

use crate::common::*;

const USERS_SORT: &str = r#"[{"field": "customer_id", "order": "asc"}, {"field": "name", "order": "asc"}]"#;

#[test]
fn all_users_dry_run_prints_the_ids_only_users_request() {
    let (mut cmd, _home) = funnels("http://127.0.0.1:9/v2.0");
    let out = cmd.args(["list", "--all-users", "--page-size", "50", "--dry-run"]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    let body: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(body["method"], "get.customer_users");
    let sort: Value = serde_json::from_str(USERS_SORT).unwrap();
    // The users list ignores the funnel query's --page-size: the profile's or the API's largest.
    assert_eq!(
        body["params"],
        json!({"access_token": "***", "limit": 10000, "offset": 0, "fields": ["id"], "sort": sort})
    );
}

#[test]
fn all_users_asks_the_users_list_for_ids_only_in_the_default_order() {
    let mut server = mockito::Server::new();
    let sort: Value = serde_json::from_str(USERS_SORT).unwrap();
    let users = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.customer_users",
            "params": {"fields": ["id"], "offset": 0, "limit": 10000, "sort": sort}})))
        .with_body_from_request(reply(result(&[json!({"id": 12})], 1)))
        .expect(1)
        .create();
    let funnels_mock = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.sales_funnel", "params": {"user_id": 12}})))
        .with_body_from_request(reply(result(&[funnel(1, 1)], 1)))
        .expect(1)
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "--all-users", "--fields", "ext_id", "-o", "csv"]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "user_id,ext_id\r\n12,1\r\n");
    users.assert();
    funnels_mock.assert();
}
