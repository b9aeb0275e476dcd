//! Proxies from the environment (SPEC §7), through the real binary: `config` settles the choice,
//! the client only uses it (issue 13). A proxy funnels cannot use stops the commands that send a
//! request, never a dry run.

use std::io::{BufRead, BufReader, Write};
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::common::*;

/// A CONNECT proxy on loopback that records each request line and refuses every tunnel.
fn refusing_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let lines = Arc::clone(&seen);
    let endpoint = raw_server(move |stream, _| {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        lines.lock().unwrap().push(line);
        // Read the rest of the CONNECT head before answering: closing on a client still writing it
        // would make its error a broken pipe instead of the refusal.
        let mut header = String::new();
        while reader.read_line(&mut header).is_ok_and(|n| n > 0) && !header.trim().is_empty() {
            header.clear();
        }
        let _ = (&stream).write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    });
    (endpoint.trim_end_matches("/v2.0").to_owned(), seen)
}

#[test]
fn list_tunnels_through_the_environments_proxy_unless_no_proxy_names_the_host() {
    let mut server = mockito::Server::new();
    let direct =
        server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[funnel(1, 1)], 1))).expect(1).create();
    let (proxy, seen) = refusing_proxy();

    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.env("HTTP_PROXY", &proxy).args(["list", "--retries", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", texts(&out).1);
    assert!(texts(&out).1.contains("the proxy refused the tunnel"), "{}", texts(&out).1);
    assert_eq!(*seen.lock().unwrap(), [format!("CONNECT {} HTTP/1.1\r\n", server.host_with_port())]);

    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.env("HTTP_PROXY", &proxy).env("NO_PROXY", "127.0.0.1").arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    assert_eq!(seen.lock().unwrap().len(), 1);
    direct.assert();
}

#[test]
fn a_proxy_funnels_cannot_use_stops_requests_but_not_a_dry_run() {
    let mut server = mockito::Server::new();
    let none = server.mock("POST", mockito::Matcher::Any).expect(0).create();
    for args in [&["list"][..], &["check"], &["login", "--login", "a", "--password-stdin"]] {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.env("ALL_PROXY", "socks5://user:secret-pw@proxy:1080").args(args).write_stdin("pw\n").output();
        let out = out.unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        assert_eq!(
            texts(&out).1,
            "funnels: error: the proxy in ALL_PROXY uses socks5://, which funnels does not support; use an http:// \
             proxy\n",
            "{args:?}"
        );
    }
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.env("ALL_PROXY", "socks5://user:secret-pw@proxy:1080").args(["list", "--dry-run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["method"], json!("get.sales_funnel"));
    none.assert();
}
