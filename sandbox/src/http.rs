//! HTTP/1.1 on `std::net`, as much of it as JSON-RPC clients use: one thread per connection,
//! keep-alive, `Content-Length` or chunked request bodies, `Expect: 100-continue`, bounded heads and
//! bodies. Only `POST /v2.0` reaches the JSON-RPC layer; anything else gets a plain-text status.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::envelope;
use crate::methods::Service;

/// Largest request body accepted; real requests are a few hundred bytes.
const MAX_BODY: usize = 16 << 20;
/// Largest request line plus headers.
const MAX_HEAD: u64 = 64 << 10;

/// Serves every connection of `listener` on a thread of its own, for as long as the process runs.
pub(crate) fn serve(listener: &TcpListener, service: &Arc<Service>) {
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let service = Arc::clone(service);
                thread::spawn(move || serve_connection(&service, stream));
            }
            // Out of descriptors or similar: do not spin.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

struct HttpRequest {
    method: String,
    path: String,
    keep_alive: bool,
    body: Vec<u8>,
}

enum ReadError {
    /// The peer went away (or idled out); nothing to answer.
    Gone,
    /// Not HTTP we understand: answer with this status and close.
    Bad(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Gone
    }
}

fn serve_connection(service: &Service, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(300)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::with_capacity(64 << 10, stream);
    loop {
        let request = match read_request(&mut reader, &mut writer) {
            Ok(request) => request,
            Err(ReadError::Gone) => return,
            Err(ReadError::Bad(status, reason)) => {
                let body = format!("{status} {reason}\n");
                let _ = write_response(&mut writer, status, "text/plain; charset=UTF-8", body.as_bytes(), true, false);
                return;
            }
        };
        let started = Instant::now();
        let head_only = request.method == "HEAD";
        let (status, content_type, body, tag) = if request.path != "/v2.0" {
            (404, "text/plain; charset=UTF-8", b"404 Not Found\n".to_vec(), "404".to_string())
        } else if request.method != "POST" {
            (405, "text/plain; charset=UTF-8", b"405 Method Not Allowed\n".to_vec(), "405".to_string())
        } else {
            let (body, tag) = envelope::answer(service, &request.body);
            (200, "application/json; charset=UTF-8", body.into_bytes(), tag)
        };
        if !service.latency.is_zero() {
            thread::sleep(service.latency);
        }
        if service.verbose {
            eprintln!(
                "sandbox: {} {} -> {status} {tag} ({} bytes, {:.1} ms)",
                request.method,
                request.path,
                body.len(),
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        let close = !request.keep_alive;
        if write_response(&mut writer, status, content_type, &body, close, head_only).is_err() || close {
            let _ = writer.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream) -> Result<HttpRequest, ReadError> {
    let mut head = Vec::new();
    // The request line; blank lines before it are allowed (RFC 9112 §2.2).
    let line = loop {
        let line = read_line(reader, &mut head)?;
        if !line.is_empty() {
            break line;
        }
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad(400, "Bad Request"));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() {
        return Err(ReadError::Bad(400, "Bad Request"));
    }
    let http10 = version == "HTTP/1.0";
    let (method, target) = (method.to_string(), target.to_string());

    let mut content_length: Option<usize> = None;
    let mut chunked = false;
    let mut connection = String::new();
    let mut expect_continue = false;
    loop {
        let line = read_line(reader, &mut head)?;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Bad(400, "Bad Request"));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                let n = value.parse().map_err(|_| ReadError::Bad(400, "Bad Request"))?;
                if content_length.is_some_and(|old| old != n) {
                    return Err(ReadError::Bad(400, "Bad Request"));
                }
                content_length = Some(n);
            }
            "transfer-encoding" => {
                if !value.eq_ignore_ascii_case("chunked") {
                    return Err(ReadError::Bad(501, "Not Implemented"));
                }
                chunked = true;
            }
            "connection" => {
                connection.push(',');
                connection.push_str(&value.to_ascii_lowercase());
            }
            "expect" => expect_continue = value.eq_ignore_ascii_case("100-continue"),
            _ => {}
        }
    }
    let has_token = |token: &str| connection.split(',').any(|t| t.trim() == token);
    let keep_alive = if http10 { has_token("keep-alive") } else { !has_token("close") };

    if content_length.is_some_and(|n| n > MAX_BODY) {
        return Err(ReadError::Bad(413, "Content Too Large"));
    }
    if expect_continue && (chunked || content_length.is_some_and(|n| n > 0)) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let body = if chunked {
        read_chunked(reader, &mut head)?
    } else {
        let mut body = vec![0; content_length.unwrap_or(0)];
        reader.read_exact(&mut body)?;
        body
    };

    // Origin form `/v2.0?x` and absolute form `http://host/v2.0` both name the path `/v2.0`.
    let mut path = target.split('?').next().unwrap_or_default();
    if let Some(rest) = path.strip_prefix("http://").or_else(|| path.strip_prefix("https://")) {
        path = rest.find('/').map_or("/", |i| &rest[i..]);
    }
    Ok(HttpRequest { method, path: path.to_string(), keep_alive, body })
}

/// One header line without its line end; `head` bounds the total size of the head.
fn read_line(reader: &mut BufReader<TcpStream>, head: &mut Vec<u8>) -> Result<String, ReadError> {
    let start = head.len();
    let room = MAX_HEAD.saturating_sub(start as u64);
    let n = reader.by_ref().take(room).read_until(b'\n', head)?;
    if n == 0 {
        return Err(if start == 0 { ReadError::Gone } else { ReadError::Bad(400, "Bad Request") });
    }
    if head.last() != Some(&b'\n') {
        return Err(ReadError::Bad(431, "Request Header Fields Too Large"));
    }
    let line = &head[start..];
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8(line.to_vec()).map_err(|_| ReadError::Bad(400, "Bad Request"))
}

fn read_chunked(reader: &mut BufReader<TcpStream>, head: &mut Vec<u8>) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader, head)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| ReadError::Bad(400, "Bad Request"))?;
        if size == 0 {
            // Trailer fields up to the blank line.
            while !read_line(reader, head)?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::Bad(413, "Content Too Large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(ReadError::Bad(400, "Bad Request"));
        }
    }
}

fn write_response(
    writer: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    close: bool,
    head_only: bool,
) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        _ => "Not Implemented",
    };
    let mut head =
        format!("HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n", body.len());
    if status == 405 {
        head.push_str("Allow: POST\r\n");
    }
    head.push_str(if close { "Connection: close\r\n\r\n" } else { "Connection: keep-alive\r\n\r\n" });
    if head_only || body.len() < 64 << 10 {
        // One write for small answers: no extra packet with TCP_NODELAY.
        let mut all = head.into_bytes();
        if !head_only {
            all.extend_from_slice(body);
        }
        writer.write_all(&all)
    } else {
        writer.write_all(head.as_bytes())?;
        writer.write_all(body)
    }
}
