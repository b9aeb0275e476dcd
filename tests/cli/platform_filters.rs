//! Filters as each platform documents them (SPEC §3.1, API.md §4): null tests in the portable
//! `=`/`!=` null form, CallGear's smaller operator set refused before any request whatever source
//! settles the platform, and the warning that text fields compare as text.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common::*;

/// A server that answers every call with an empty page and keeps the raw request bodies.
fn recording_server() -> (mockito::ServerGuard, mockito::Mock, Arc<Mutex<Vec<String>>>) {
    let mut server = mockito::Server::new();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&bodies);
    let empty = reply(result(&[], 0));
    let mock = server
        .mock("POST", "/v2.0")
        .with_body_from_request(move |request| {
            seen.lock().unwrap().push(request.utf8_lossy_body().unwrap().into_owned());
            empty(request)
        })
        .create();
    (server, mock, bodies)
}

/// A server that must not be called.
fn untouchable_server() -> (mockito::ServerGuard, mockito::Mock) {
    let mut server = mockito::Server::new();
    let mock = server.mock("POST", mockito::Matcher::Any).expect(0).create();
    (server, mock)
}

#[test]
fn null_tests_reach_the_server_as_equal_or_not_equal_null() {
    let cases = [
        (["list", "--filter", "name is_null"], r#""filter":{"field":"name","operator":"=","value":null}"#),
        (["list", "--filter", "name is_not_null"], r#""filter":{"field":"name","operator":"!=","value":null}"#),
        (
            ["users", "--filter", "customer_id is_null"],
            r#""filter":{"field":"customer_id","operator":"=","value":null}"#,
        ),
        (["users", "--filter", "name IS_NOT_NULL"], r#""filter":{"field":"name","operator":"!=","value":null}"#),
    ];
    for (args, sent) in cases {
        let (server, mock, bodies) = recording_server();
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.args(args).args(["-o", "json"]).output().unwrap();
        let (stdout, stderr) = texts(&out);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert_eq!(stdout, "[]\n");
        let bodies = bodies.lock().unwrap();
        assert_eq!(bodies.len(), 1, "{args:?}");
        // The exact bytes on the wire: no `is_null` operator, and the null value spelt out.
        assert!(bodies[0].contains(sent), "{args:?}: {}", bodies[0]);
        assert!(!bodies[0].contains("is_null") && !bodies[0].contains("is_not_null"), "{}", bodies[0]);
        mock.assert();
    }
}

#[test]
fn dry_run_shows_the_null_tests_in_the_portable_form() {
    let (server, mock) = untouchable_server();
    let cases = [
        ("name is_null", json!({"field": "name", "operator": "=", "value": null})),
        ("ext_id is_not_null", json!({"field": "ext_id", "operator": "!=", "value": null})),
    ];
    for (expr, filter) in cases {
        // On CallGear too: the portable form is what CallGear documents.
        for platform in ["comagic", "callgear"] {
            let (mut cmd, _home) = funnels(&endpoint(&server));
            let out = cmd.args(["list", "--dry-run", "--platform", platform, "--filter", expr]).output().unwrap();
            let (stdout, stderr) = texts(&out);
            assert!(out.status.success(), "{expr} on {platform}: {stderr}");
            let body: Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(body["params"]["filter"], filter, "{expr} on {platform}");
            assert!(body["params"]["filter"].as_object().unwrap().contains_key("value"), "{expr}: value spelt out");
        }
    }
    mock.assert();
}

/// Each operator CallGear does not document, with the way out SPEC §3.1 gives.
const REFUSED: [(&str, &str, &str); 5] = [
    ("list", "name ilike %воронка%", "hint: use `like` (case-sensitive) or `regexp`"),
    ("list", "ext_id not_in 4,5", "hint: repeat `--filter 'F != V'` (AND-ed)"),
    ("list", "name not_like A%", "hint: no CallGear equivalent; filter the output, e.g. with jq"),
    ("list", "name not_ilike a%", "hint: no CallGear equivalent; filter the output, e.g. with jq"),
    ("users", "customer_id not_in 1", "hint: repeat `--filter 'F != V'` (AND-ed)"),
];

#[test]
fn callgear_refuses_undocumented_operators_before_any_request() {
    let (server, mock) = untouchable_server();
    for (command, expr, way_out) in REFUSED {
        let op = expr.split(' ').nth(1).unwrap();
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out =
            cmd.args([command, "--platform", "callgear", "--filter", "name=x", "--filter", expr]).output().unwrap();
        let (stdout, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(2), "{expr}: {stderr}");
        assert!(stdout.is_empty(), "{expr}");
        assert_eq!(
            stderr,
            format!("funnels: error: CallGear does not document the operator `{op}` (filter `{expr}`)\n{way_out}\n")
        );
    }
    mock.assert();
}

/// One way the platform in force comes to be CallGear: arguments, and variables set or (`None`) unset.
struct Source<'a> {
    name: &'static str,
    args: Vec<String>,
    env: Vec<(&'static str, Option<&'a str>)>,
}

#[test]
fn the_callgear_platform_is_recognised_from_every_source() {
    let dir = tempfile::tempdir().unwrap();
    let profile_platform = dir.path().join("platform.toml");
    std::fs::write(&profile_platform, "default_profile = \"cg\"\n[profiles.cg]\nplatform = \"callgear\"\n").unwrap();
    let profile_endpoint = dir.path().join("endpoint.toml");
    std::fs::write(
        &profile_endpoint,
        "default_profile = \"cg\"\n[profiles.cg]\nendpoint = \"https://DataAPI.CallGear.com/v2.0\"\n",
    )
    .unwrap();
    let (server, mock) = untouchable_server();
    let local = endpoint(&server);
    let callgear_host = "https://dataapi.callgear.com/v2.0";

    // The endpoint stays the local server unless the source is the endpoint itself. A CallGear
    // host cannot be reached from a test: there --dry-run would print the request if the check
    // were missing.
    let args = |list: &[&str]| list.iter().map(|&a| a.to_owned()).collect::<Vec<_>>();
    let platform_file = profile_platform.display().to_string();
    let endpoint_file = profile_endpoint.display().to_string();
    let sources = [
        Source { name: "--platform", args: args(&["--platform", "callgear"]), env: vec![] },
        Source { name: "FUNNELS_PLATFORM", args: vec![], env: vec![("FUNNELS_PLATFORM", Some("callgear"))] },
        Source { name: "profile platform", args: args(&["--config", &platform_file]), env: vec![] },
        Source { name: "--endpoint host", args: args(&["--endpoint", callgear_host, "--dry-run"]), env: vec![] },
        Source {
            name: "FUNNELS_ENDPOINT host",
            args: args(&["--dry-run"]),
            env: vec![("FUNNELS_ENDPOINT", Some(callgear_host))],
        },
        Source {
            name: "profile endpoint host",
            args: args(&["--config", &endpoint_file, "--dry-run"]),
            env: vec![("FUNNELS_ENDPOINT", None)],
        },
        // The host wins over a platform that names another vendor.
        Source {
            name: "--endpoint host over --platform uis",
            args: args(&["--platform", "uis", "--endpoint", callgear_host, "--dry-run"]),
            env: vec![],
        },
    ];
    for Source { name: source, args, env } in sources {
        for (command, expr, way_out) in REFUSED {
            let (mut cmd, _home) = funnels(&local);
            for (name, value) in &env {
                match value {
                    Some(value) => cmd.env(name, value),
                    None => cmd.env_remove(name),
                };
            }
            let out = cmd.arg(command).args(&args).args(["--filter", expr]).output().unwrap();
            let (stdout, stderr) = texts(&out);
            assert_eq!(out.status.code(), Some(2), "{source}, {expr}: {stderr}");
            assert!(stdout.is_empty(), "{source}, {expr}: {stdout}");
            assert!(stderr.contains("CallGear does not document") && stderr.contains(way_out), "{source}: {stderr}");
        }
    }
    mock.assert();
}

#[test]
fn other_platforms_send_the_operators_callgear_lacks() {
    for platform in ["comagic", "uis"] {
        for (command, expr, _) in REFUSED {
            let (server, mock, bodies) = recording_server();
            let (mut cmd, _home) = funnels(&endpoint(&server));
            let out = cmd.args([command, "--platform", platform, "--filter", expr, "-o", "json"]).output().unwrap();
            assert!(out.status.success(), "{expr} on {platform}: {}", texts(&out).1);
            let op = expr.split(' ').nth(1).unwrap();
            assert!(bodies.lock().unwrap()[0].contains(&format!(r#""operator":"{op}""#)), "{expr} on {platform}");
            mock.assert();
        }
    }
    // Hosts of the other vendors settle nothing: a UIS host with no --platform keeps every operator.
    let (mut cmd, _home) = funnels("https://dataapi.uiscom.ru/v2.0");
    let out = cmd.args(["list", "--dry-run", "--filter", "name ilike %a%"]).output().unwrap();
    assert!(out.status.success(), "{}", texts(&out).1);
    assert!(texts(&out).0.contains(r#""operator": "ilike""#));
}

#[test]
fn filter_json_is_the_servers_to_judge_even_on_callgear() {
    let (server, mock, bodies) = recording_server();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let raw = r#"{"field":"name","operator":"ilike","value":"%a%"}"#;
    let out = cmd.args(["list", "--platform", "callgear", "--filter-json", raw, "-o", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", texts(&out).1);
    assert!(bodies.lock().unwrap()[0].contains(&format!(r#""filter":{raw}"#)));
    mock.assert();
}

#[test]
fn ordering_text_by_a_number_warns_and_still_sends() {
    let warning = |expr: &str, field: &str| {
        format!(
            "funnels: warning: filter `{expr}` compares text, not numbers: `{field}` is a string, so \"10\" < \"9\"\n"
        )
    };
    let cases = [
        (["list", "ext_id<10"], Some("ext_id")),
        (["list", "name >= 2024"], Some("name")),
        (["users", "name > 10"], Some("name")),
        // Numbers of users compare as numbers; `=` matches exactly; a non-number orders as text.
        (["users", "id > 10"], None),
        (["users", "customer_id <= 10"], None),
        (["list", "ext_id = 10"], None),
        (["list", "name < M"], None),
    ];
    for ([command, expr], field) in cases {
        for quiet in [false, true] {
            let (server, mock, bodies) = recording_server();
            let (mut cmd, _home) = funnels(&endpoint(&server));
            let out = cmd.args([command, "--filter", expr, "-o", "json"]).args(quiet.then_some("-q")).output().unwrap();
            let (stdout, stderr) = texts(&out);
            assert!(out.status.success(), "{expr}: {stderr}");
            assert_eq!(stdout, "[]\n");
            let expected = match field {
                Some(field) if !quiet => warning(expr, field),
                _ => String::new(),
            };
            assert_eq!(stderr, expected, "{expr}, quiet {quiet}");
            // The request is sent all the same.
            assert_eq!(bodies.lock().unwrap().len(), 1, "{expr}");
            mock.assert();
        }
    }
}
