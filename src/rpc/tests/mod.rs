//! `rpc`'s tests, split like the code (`tests/client.rs` tests `client.rs`, and so on), and the
//! helpers they share: a client built for tests, a log it can read back, and answers that echo the
//! request's id.
//!
//! The client runs against mockito servers and raw sockets on 127.0.0.1. Every client is built with
//! no proxy and tiny backoff and wait units, so tests neither read the process environment nor
//! sleep for real seconds.

mod client;
mod envelope;
mod error;
mod log;
mod transport;

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mockito::Server;
use serde::Serialize;
use serde_json::{Value, json};

use crate::model::Funnel;
use crate::rpc::{Client, ClientOptions, Reply, RpcError};

const TOKEN: &str = "tok-rpc-tests-5d1e0c77";
const CANARY: &str = "canary-rpc-9b2f44e1a7";
const PAGE: &str = r#""result":{"data":[{"ext_id":"1","name":"Основная","stages":[]},{"ext_id":"2","name":"B","stages":null}],
    "metadata":{"total_items":5,"version":null,"limits":{"day_limit":3500,"day_remaining":3305,"day_reset":35139,
    "minute_limit":200,"minute_remaining":199,"minute_reset":39}}}"#;

fn options(endpoint: String) -> ClientOptions {
    ClientOptions {
        endpoint,
        proxy: None,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        retries: 3,
        max_wait: Duration::from_secs(120),
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(4),
        wait_unit: Duration::from_millis(1),
        max_body: 256 * 1024 * 1024,
        verbose: 0,
        quiet: true,
    }
}

/// The error `exit` classifies as a quota refusal (exit 6): the API's `-32029`, as received or as
/// the loop's own certain refusal. The mapping itself is `exit`'s, tested there.
fn assert_quota_refusal(err: &RpcError) {
    assert!(matches!(err, RpcError::Api(api) if api.code == -32029), "{err:?}");
}

fn endpoint(server: &Server) -> String {
    format!("{}/v2.0", server.url())
}

fn client(options: ClientOptions, token: &str) -> Client {
    Client::new(options, Some(token.to_owned()))
}

/// A log writer the test can read back.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn logged_client(options: ClientOptions, token: &str) -> (Client, Log) {
    let log = Log::default();
    (client(options, token).with_log(Box::new(log.clone())), log)
}

#[derive(Serialize)]
struct Page {
    limit: u32,
    offset: u32,
}

const FIRST: Page = Page { limit: 2, offset: 0 };

/// A response body answering the request's own id with `member` (`"result":…` or `"error":…`).
fn answer(member: impl Into<String>) -> impl Fn(&mockito::Request) -> Vec<u8> + Send + Sync + 'static {
    let member = member.into();
    move |request| {
        let sent: Value = serde_json::from_slice(request.body().unwrap()).unwrap();
        format!(r#"{{"jsonrpc":"2.0","id":{},{member}}}"#, sent["id"]).into_bytes()
    }
}

fn error_member(code: i64, message: &str, data: &Value) -> String {
    format!(r#""error":{{"code":{code},"message":{},"data":{data}}}"#, json!(message))
}

fn minute_exceeded(reset: u64) -> String {
    error_member(
        -32029,
        "Limit per minute has been exceeded",
        &json!({"mnemonic":"limit_exceeded","params":{"limit_type":"minute","limit_max_value":200},
                "metadata":{"limits":{"minute_remaining":0,"minute_reset":reset}}}),
    )
}

fn funnels(client: &mut Client) -> Result<Reply<Vec<Funnel>>, RpcError> {
    client.call("get.sales_funnel", &FIRST)
}
