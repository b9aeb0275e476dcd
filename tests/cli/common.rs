//! Shared helpers: a hermetic `funnels` command and canned API responses.

use assert_cmd::Command;
use serde_json::{Value, json};

/// A token that must never appear in any output.
pub const CANARY: &str = "canary-token-5f1e9b";

/// The environment every test command runs in: no proxies, no colour variables, a private HOME,
/// tiny waits.
fn hermetic_env(home: &std::path::Path, endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("HOME", home.display().to_string()),
        ("FUNNELS_ENDPOINT", endpoint.to_owned()),
        ("FUNNELS_TOKEN", CANARY.to_owned()),
        ("FUNNELS_BACKOFF_BASE_MS", "1".to_owned()),
        ("FUNNELS_WAIT_UNIT_MS", "1".to_owned()),
    ]
}

/// `funnels` in a hermetic environment (see [`hermetic_env`]).
pub fn funnels(endpoint: &str) -> (Command, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::cargo_bin("funnels").unwrap();
    cmd.env_clear().envs(hermetic_env(home.path(), endpoint)).timeout(std::time::Duration::from_secs(60));
    (cmd, home)
}

/// The same as a `std::process::Command`, for tests that wire stdin or stdout themselves.
pub fn std_funnels(endpoint: &str) -> (std::process::Command, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("funnels"));
    cmd.env_clear().envs(hermetic_env(home.path(), endpoint));
    (cmd, home)
}

/// The endpoint of a mockito server.
pub fn endpoint(server: &mockito::Server) -> String {
    format!("{}/v2.0", server.url())
}

/// A funnel in the API's shape with `stages` in-process stages plus success and failure.
pub fn funnel(i: u64, stages: u64) -> Value {
    let mut list: Vec<Value> = (1..=stages)
        .map(|k| json!({"stage_ext_id": format!("{i}-{k}"), "stage_name": format!("Этап {k}"), "stage_status": "in_process", "stage_order": k}))
        .collect();
    list.push(json!({"stage_ext_id": format!("{i}-s"), "stage_name": "Успешно", "stage_status": "success", "stage_order": 10010}));
    list.push(json!({"stage_ext_id": format!("{i}-f"), "stage_name": "Закрыто", "stage_status": "failed", "stage_order": 10020}));
    json!({"ext_id": i.to_string(), "name": format!("Воронка {i}"), "stages": list})
}

/// A success body with `data`; the id is echoed from the request by [`reply`].
pub fn result(data: &[Value], total: u64) -> Value {
    json!({"data": data, "metadata": {"total_items": total, "version": null,
        "limits": {"day_limit": 3500, "day_remaining": 3305, "day_reset": 35139,
                   "minute_limit": 200, "minute_remaining": 199, "minute_reset": 39}}})
}

/// A mockito responder that echoes the request's id around `result`.
pub fn reply(result: Value) -> impl Fn(&mockito::Request) -> Vec<u8> + Send + Sync + 'static {
    move |request| {
        let body: Value = serde_json::from_slice(request.utf8_lossy_body().unwrap().as_bytes()).unwrap_or(Value::Null);
        serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": body["id"], "result": result})).unwrap()
    }
}

/// A mockito responder that echoes the request's id around an error object.
pub fn api_error(
    code: i64,
    mnemonic: &str,
    extra: &Value,
) -> impl Fn(&mockito::Request) -> Vec<u8> + Send + Sync + 'static {
    // `extra` goes into `error.data`, except a "message", which replaces the error's message.
    let mut data = json!({"mnemonic": mnemonic});
    let mut message = format!("{mnemonic} happened");
    if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
        for (key, value) in e {
            match (key.as_str(), value.as_str()) {
                ("message", Some(text)) => text.clone_into(&mut message),
                _ => {
                    d.insert(key.clone(), value.clone());
                }
            }
        }
    }
    let error = json!({"code": code, "message": message, "data": data});
    move |request| {
        let body: Value = serde_json::from_slice(request.utf8_lossy_body().unwrap().as_bytes()).unwrap_or(Value::Null);
        serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": body["id"], "error": error})).unwrap()
    }
}

/// Matches requests whose JSON body contains `partial`.
pub fn body_has(partial: Value) -> mockito::Matcher {
    mockito::Matcher::PartialJson(partial)
}

/// stdout and stderr of an output as strings.
pub fn texts(output: &std::process::Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Matches requests whose `params.KEY` equals `expected` exactly.
pub fn param_is(key: &'static str, expected: Value) -> impl Fn(&mockito::Request) -> bool + Send + Sync + 'static {
    move |request| {
        let body: Value =
            serde_json::from_slice(request.body().map(Vec::as_slice).unwrap_or_default()).unwrap_or(Value::Null);
        body["params"][key] == expected
    }
}

/// A hand-made HTTP server on loopback for failures mockito cannot stage (silence, dripping,
/// dropped connections). `serve(stream, n)` handles the n-th connection. Returns the endpoint.
pub fn raw_server(serve: impl Fn(std::net::TcpStream, usize) + Send + Sync + 'static) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let serve = std::sync::Arc::new(serve);
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { return };
            let serve = std::sync::Arc::clone(&serve);
            std::thread::spawn(move || serve(stream, n));
        }
    });
    format!("http://127.0.0.1:{port}/v2.0")
}

#[path = "../support/loopback.rs"]
mod loopback;

/// Reads one HTTP request from `stream` and returns its body as sent (`None` when the connection
/// closed before a whole request arrived).
pub fn read_request_body(stream: &mut std::net::TcpStream) -> Option<Vec<u8>> {
    loopback::read_request_body(&mut std::io::BufReader::new(stream))
}

/// Reads one HTTP request from `stream` and returns its JSON body.
pub fn read_request(stream: &mut std::net::TcpStream) -> Value {
    read_request_body(stream).and_then(|body| serde_json::from_slice(&body).ok()).unwrap_or(Value::Null)
}

/// Runs funnels against `endpoint` with `args`: exit code, stdout and stderr; fails the test if the
/// token shows in either.
pub fn run(endpoint: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let (mut cmd, _home) = funnels(endpoint);
    let out = cmd.args(args).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(!stdout.contains(CANARY) && !stderr.contains(CANARY), "the token leaked");
    (out.status.code(), stdout, stderr)
}

/// An account of 123 456 funnels (`total_items`) of which the API's offset limit lets 110 000 be
/// fetched: the 11 pages of 10 000 up to it, each expected once.
pub fn offset_ceiling_server() -> (mockito::ServerGuard, Vec<mockito::Mock>) {
    let mut server = mockito::Server::new();
    let mut mocks = Vec::new();
    for page in 0..11u64 {
        let data: Vec<Value> = (page * 10_000 + 1..=page * 10_000 + 10_000)
            .map(|i| json!({"ext_id": i.to_string(), "name": "n", "stages": []}))
            .collect();
        mocks.push(
            server
                .mock("POST", "/v2.0")
                .match_body(body_has(json!({"params": {"offset": page * 10_000}})))
                .with_body_from_request(reply(result(&data, 123_456)))
                .expect(1)
                .create(),
        );
    }
    (server, mocks)
}
