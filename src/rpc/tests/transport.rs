//! The exchange itself: one kept-alive connection, no redirects, the proxy given and no other, bodies
//! capped before and while reading (gzip after decoding), timeouts, and refused connections.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use mockito::{Matcher, Server};
use serde_json::Value;

use super::*;

#[path = "../../../tests/support/loopback.rs"]
mod loopback;
use crate::rpc::transport::{FIRST_RESERVE, fill};
use crate::rpc::{Client, ClientOptions, RpcError};

#[test]
fn redirects_are_not_followed() {
    let mut server = Server::new();
    let target = format!("{}/elsewhere", server.url());
    let redirect = server.mock("POST", "/v2.0").with_status(302).with_header("location", &target).expect(1).create();
    let elsewhere = server.mock("POST", "/elsewhere").expect(0).create();
    let err = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap_err();
    redirect.assert();
    elsewhere.assert();
    assert!(matches!(&err, RpcError::Redirect { status: 302, location } if *location == target));
    assert_eq!(
        err.to_string(),
        format!("the API answered HTTP 302 with a redirect to {target}; redirects are not followed")
    );
}

/// A one-connection HTTP server on a raw socket: reads one request, then runs `respond`.
fn raw_server(respond: impl FnOnce(TcpStream) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let _ = loopback::read_request_body(&mut BufReader::new(stream.try_clone().unwrap()));
        respond(stream);
    });
    format!("http://{address}/v2.0")
}

/// Writes `total` bytes of `b' '` in 64 KiB chunks; stops quietly when the client hangs up.
fn write_spaces(stream: &mut TcpStream, total: u64) {
    let chunk = vec![b' '; 64 * 1024];
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        if stream.write_all(&chunk[..n]).is_err() {
            return;
        }
        left -= n as u64;
    }
}

#[test]
fn all_calls_share_one_connection() {
    // The server accepts exactly one connection and answers every request on it.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v2.0", listener.local_addr().unwrap());
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        loop {
            let Some(body) = loopback::read_request_body(&mut reader) else { return };
            let sent: Value = serde_json::from_slice(&body).unwrap();
            let answer = format!(r#"{{"jsonrpc":"2.0","id":{},"result":{{"data":[]}}}}"#, sent["id"]);
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", answer.len());
            writer.write_all(head.as_bytes()).unwrap();
            writer.write_all(answer.as_bytes()).unwrap();
        }
    });
    let mut opts = options(url);
    opts.timeout = Duration::from_secs(2);
    opts.retries = 0;
    let mut client = client(opts, TOKEN);
    for _ in 0..3 {
        assert_eq!(funnels(&mut client).unwrap().data.len(), 0);
    }
}

#[test]
fn a_declared_300_mb_body_is_refused_fast() {
    const SIZE: u64 = 300 * 1024 * 1024;
    let url = raw_server(|mut stream| {
        let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {SIZE}\r\n\r\n");
        if stream.write_all(head.as_bytes()).is_ok() {
            write_spaces(&mut stream, SIZE);
        }
    });
    let started = Instant::now();
    let err = funnels(&mut client(options(url), TOKEN)).unwrap_err();
    assert!(matches!(err, RpcError::TooLarge { limit } if limit == 256 * 1024 * 1024), "{err:?}");
    assert_eq!(err.to_string(), "response larger than 256 MiB");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn an_undeclared_body_is_cut_at_the_cap() {
    // Chunked, so only counting can tell; a small cap keeps the test light.
    let url = raw_server(|mut stream| {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..4800 {
            // 300 MiB in all, unless the client stops reading
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if stream.write_all(&framed).is_err() {
                return;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n");
    });
    let mut opts = options(url);
    opts.max_body = 1024 * 1024;
    let err = funnels(&mut client(opts, TOKEN)).unwrap_err();
    assert!(matches!(err, RpcError::TooLarge { limit: 1_048_576 }), "{err:?}");
    assert_eq!(err.to_string(), "response larger than 1 MiB");
}

#[test]
fn a_25_mb_page_is_read() {
    let mut server = Server::new();
    let stage = r#"{"stage_ext_id":"10","stage_name":"Новая сделка","stage_status":"in_process","stage_order":1}"#;
    let funnel = format!(r#"{{"ext_id":"1","name":"Основная воронка","stages":[{}]}}"#, [stage; 12].join(","));
    let count = 25 * 1024 * 1024 / funnel.len() + 1;
    let data = vec![funnel.as_str(); count].join(",");
    let _mock = server
        .mock("POST", "/v2.0")
        .with_body_from_request(answer(format!(r#""result":{{"data":[{data}],"metadata":{{"total_items":{count}}}}}"#)))
        .create();
    let reply = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap();
    assert_eq!(reply.data.len(), count);
    assert_eq!(reply.data[count - 1].stages.as_ref().unwrap().len(), 12);
}

/// A gzip member holding `data` in stored (uncompressed) deflate blocks.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let blocks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[test]
fn gzip_bodies_are_decoded_and_capped_after_decoding() {
    let mut server = Server::new();
    let _mock = server
        .mock("POST", "/v2.0")
        .match_header("accept-encoding", Matcher::Regex("gzip".into()))
        .with_header("content-encoding", "gzip")
        .with_body_from_request(move |request| gzip_stored(&answer(PAGE)(request)))
        .expect(2)
        .create();
    let mut opts = options(endpoint(&server));
    assert_eq!(funnels(&mut client(opts.clone(), TOKEN)).unwrap().data.len(), 2);
    opts.max_body = 100; // the compressed body is larger than 100 bytes too, but only decoded bytes count
    let err = funnels(&mut client(opts, TOKEN)).unwrap_err();
    assert!(matches!(err, RpcError::TooLarge { limit: 100 }), "{err:?}");
}

fn assert_times_out(url: String) {
    let mut opts = options(url);
    opts.timeout = Duration::from_secs(1);
    opts.retries = 0;
    let started = Instant::now();
    let err = funnels(&mut client(opts, TOKEN)).unwrap_err();
    let took = started.elapsed();
    assert!(matches!(&err, RpcError::Transport(m) if m.ends_with("timed out after 1 s")), "{err}");
    assert!(took >= Duration::from_millis(900) && took < Duration::from_millis(1600), "{took:?}");
}

#[test]
fn a_silent_server_times_out() {
    assert_times_out(raw_server(|stream| {
        thread::sleep(Duration::from_secs(5));
        drop(stream);
    }));
}

#[test]
fn a_dripping_server_times_out() {
    assert_times_out(raw_server(|mut stream| {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
        for _ in 0..100 {
            if stream.write_all(b" ").is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(200));
        }
    }));
}

#[test]
fn a_refused_connection_is_retried_and_reported() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/v2.0");
    let mut opts = options(url.clone());
    opts.retries = 2;
    opts.verbose = 1;
    let (mut client, log) = logged_client(opts, TOKEN);
    let err = funnels(&mut client).unwrap_err();
    let shown = err.to_string();
    assert!(shown.starts_with(&format!("could not reach the API at {url}: ")), "{shown}");
    assert!(shown.ends_with(" (after 2 retries)"), "{shown}");
    assert!(!shown.contains("io:"), "{shown}");
    assert_eq!(log.text().matches("→ failed after").count(), 3);
    assert_eq!(log.text().matches("retrying in").count(), 2);
}

#[test]
fn a_client_given_a_proxy_tunnels_through_it_even_to_loopback() {
    // A CONNECT proxy on a raw socket that records the request line and refuses the tunnel.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let seen = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut line = String::new();
        BufReader::new(stream.try_clone().unwrap()).read_line(&mut line).unwrap();
        let _ = (&stream).write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        line
    });
    let mut server = Server::new();
    let direct = server.mock("POST", "/v2.0").with_body_from_request(answer(PAGE)).expect(1).create();
    let host = server.host_with_port();
    let mut opts = options(endpoint(&server));
    opts.retries = 0;
    // `config` chose this proxy (config/proxy.rs); the client goes nowhere else.
    let proxied = ClientOptions { proxy: Some(ureq::Proxy::new(&proxy).unwrap()), ..opts.clone() };
    let err = funnels(&mut Client::new(proxied, Some(TOKEN.into()))).unwrap_err();
    assert!(matches!(err, RpcError::Transport(_)), "{err:?}");
    assert_eq!(seen.join().unwrap(), format!("CONNECT {host} HTTP/1.1\r\n"));

    // No proxy chosen: a direct connection, whatever the process environment holds.
    assert!(funnels(&mut Client::new(opts, Some(TOKEN.into()))).is_ok());
    direct.assert();
}

#[test]
fn a_declared_length_is_not_reserved_before_the_bytes_arrive() {
    const DECLARED: u64 = 256 * 1024 * 1024;
    let mut bytes = Vec::new();
    fill(&b"{}"[..], DECLARED, Some(DECLARED), &mut bytes).unwrap();
    assert_eq!(bytes, b"{}");
    assert!(bytes.capacity() <= FIRST_RESERVE, "reserved {} bytes for a 2-byte body", bytes.capacity());

    // A real large body still arrives whole, growing as it comes.
    let body = vec![b' '; 5 * 1024 * 1024 + 7];
    fill(&body[..], DECLARED, Some(body.len() as u64), &mut bytes).unwrap();
    assert_eq!(bytes.len(), body.len());
    assert!(bytes.capacity() <= 2 * body.len());
}

/// A reader that hands out at most a few bytes per call, as a slow socket does.
struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.1 = self.1 % 7 + 1;
        let n = self.1.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn a_body_read_piece_by_piece_arrives_whole_with_or_without_a_declared_length() {
    let body: Vec<u8> = (0..3 * FIRST_RESERVE + 5).map(|i| (i % 251) as u8).collect();
    for declared in [None, Some(body.len() as u64), Some(10), Some(1 << 40)] {
        let mut bytes = vec![1, 2, 3];
        fill(Trickle(&body, 0), 1 << 30, declared, &mut bytes).unwrap();
        assert!(bytes == body, "declared {declared:?}: {} bytes read of {}", bytes.len(), body.len());
        assert!(bytes.capacity() <= 2 * body.len(), "declared {declared:?}: capacity {}", bytes.capacity());
    }
    // An empty body, and a body exactly as long as the room first reserved.
    let mut bytes = Vec::new();
    fill(&b""[..], 1 << 30, Some(0), &mut bytes).unwrap();
    assert!(bytes.is_empty());
    let exact = vec![b'x'; FIRST_RESERVE];
    fill(&exact[..], 1 << 30, Some(exact.len() as u64), &mut bytes).unwrap();
    assert_eq!(bytes.len(), FIRST_RESERVE);
}
