//! Server text made safe: control characters visible for terminals, JSON strings with C0, DEL and C1
//! escaped (SPEC §5).
//!
//! INTERFACE STUB: bodies are filled in by the output work; the signatures are the contract.

use std::borrow::Cow;
use std::io::{self, Write};

/// `text` with every control character (C0, DEL, C1) shown as a visible escape (`\e`, `\u{9b}`, …);
/// borrowed when there is nothing to escape.
pub fn visible(text: &str) -> Cow<'_, str> {
    todo!()
}

/// Writes `text` as a JSON string literal (with quotes), escaping C0, DEL and C1 as `\u00XX`.
pub fn write_json_string<W: Write>(w: &mut W, text: &str) -> io::Result<()> {
    todo!()
}
