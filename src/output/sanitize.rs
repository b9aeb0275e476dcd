//! Server text made safe: control characters visible for terminals, JSON strings with C0, DEL and C1
//! escaped (SPEC §5).
//!
//! Names and ids come from whoever typed them into the web UI. Printed raw, an `ESC` or a C1 `CSI`
//! (U+009B) would let that person drive the reader's terminal (retitle it, hide text, fake output), so
//! everything shown to a human goes through [`visible`], and every JSON string through
//! [`write_json_string`], which never emits a raw control character either.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

/// `text` with every control character (C0, DEL, C1) shown as a visible escape; borrowed when there is
/// nothing to escape.
///
/// The scheme, one form per class so that a reader can always tell what was there:
/// - `\n`, `\t`, `\r` for newline, tab and carriage return (so a multi-line name stays on one line);
/// - `\xNN` (two lower-case hex digits) for every other C0 character and DEL: `\x1b`, `\x07`, `\x7f`;
/// - `\u{NN}` for C1 (U+0080–U+009F), which are characters rather than bytes: `\u{9b}`.
///
/// A backslash is left alone: the output is for eyes, not for parsing back.
pub fn visible(text: &str) -> Cow<'_, str> {
    let Some(first) = text.find(char::is_control) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c < ' ' || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Writes `text` as a JSON string literal (with quotes).
///
/// `"` and `\` are escaped as JSON requires; C0 uses the short forms `\b \t \n \f \r` where JSON has
/// them and `\u00XX` otherwise (exactly as `serde_json` does), and DEL and C1 — which JSON would allow
/// raw — are `\u007f` and `\u0080`…`\u009f`, so no raw control character reaches a terminal through
/// `jq` or `cat`. Everything else is written as raw UTF-8, in runs, without allocating.
pub fn write_json_string<W: Write + ?Sized>(w: &mut W, text: &str) -> io::Result<()> {
    let bytes = text.as_bytes();
    w.write_all(b"\"")?;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Most text needs no escape at all: step over it eight bytes at a time.
        while let Some(chunk) = bytes.get(i..i + 8) {
            if needs_look(u64::from_le_bytes(chunk.try_into().expect("eight bytes"))) {
                break;
            }
            i += 8;
        }
        let Some(&b) = bytes.get(i) else { break };
        if !NEEDS_LOOK[usize::from(b)] {
            i += 1;
            continue;
        }
        // C1 in UTF-8 is 0xC2 followed by 0x80..=0x9F; 0xC2 is always a lead byte in a `str`, and
        // 0xC2 0xA0..=0xBF (U+00A0..U+00BF) are printable.
        let (len, code) = if b == 0xc2 {
            if let Some(&next @ 0x80..=0x9f) = bytes.get(i + 1) {
                (2, next)
            } else {
                i += 2;
                continue;
            }
        } else {
            (1, b)
        };
        w.write_all(&bytes[start..i])?;
        match code {
            b'"' => w.write_all(b"\\\"")?,
            b'\\' => w.write_all(b"\\\\")?,
            0x08 => w.write_all(b"\\b")?,
            b'\t' => w.write_all(b"\\t")?,
            b'\n' => w.write_all(b"\\n")?,
            0x0c => w.write_all(b"\\f")?,
            b'\r' => w.write_all(b"\\r")?,
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let code = usize::from(code);
                w.write_all(&[b'\\', b'u', b'0', b'0', HEX[code >> 4], HEX[code & 0xf]])?;
            }
        }
        i += len;
        start = i;
    }
    w.write_all(&bytes[start..])?;
    w.write_all(b"\"")
}

/// Whether any of eight bytes is one of [`NEEDS_LOOK`] (SWAR: a byte below 0x20, or equal to `"`,
/// `\`, DEL or 0xC2). Exact as a yes/no answer for the word.
fn needs_look(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    let equal = |b: u8| zero_byte(word ^ (ONES * u64::from(b)));
    (below_space | equal(b'"') | equal(b'\\') | equal(0x7f) | equal(0xc2)) != 0
}

/// Bytes that may start something to escape: C0, `"`, `\`, DEL, and 0xC2 (the lead byte of C1).
static NEEDS_LOOK: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[0x7f] = true;
    table[0xc2] = true;
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> String {
        let mut out = Vec::new();
        write_json_string(&mut out, text).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn visible_borrows_clean_text() {
        assert!(matches!(visible("Основная воронка \\ \"x\""), Cow::Borrowed(_)));
        assert!(matches!(visible(""), Cow::Borrowed(_)));
    }

    #[test]
    fn visible_escapes_every_control_class() {
        assert_eq!(visible("a\nb\tc\rd"), "a\\nb\\tc\\rd");
        assert_eq!(visible("\x1b]0;title\x07x"), "\\x1b]0;title\\x07x");
        assert_eq!(visible("\0\x7f"), "\\x00\\x7f");
        assert_eq!(visible("\u{9b}31m\u{80}\u{9f}"), "\\u{9b}31m\\u{80}\\u{9f}");
        assert_eq!(visible("Воронка\x1b[31m"), "Воронка\\x1b[31m");
        // U+00A0 (no-break space) is the first character after C1: not a control.
        assert_eq!(visible("a\u{a0}b"), "a\u{a0}b");
    }

    #[test]
    fn visible_output_has_no_control_characters() {
        let all: String = (0u32..0x200).filter_map(char::from_u32).collect();
        assert!(!visible(&all).chars().any(char::is_control));
    }

    #[test]
    fn json_string_short_forms_and_unicode_escapes() {
        assert_eq!(json("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(json("\n\t\r\x08\x0c"), r#""\n\t\r\b\f""#);
        assert_eq!(json("\x1b\x07\0\x7f"), r#""\u001b\u0007\u0000\u007f""#);
        assert_eq!(json("\u{80}\u{9b}\u{9f}"), r#""\u0080\u009b\u009f""#);
        assert_eq!(json("Воронка ¢ \u{a0} 😀"), "\"Воронка ¢ \u{a0} 😀\"");
        assert_eq!(json(""), "\"\"");
    }

    #[test]
    fn json_string_round_trips_and_has_no_raw_controls() {
        let all: String = (0u32..0x800).filter_map(char::from_u32).collect();
        let text = format!("{all}\x1b]0;title\x07 Имя \u{9b}");
        let out = json(&text);
        assert!(!out.chars().any(char::is_control));
        assert_eq!(serde_json::from_str::<String>(&out).unwrap(), text);
    }

    #[test]
    fn json_string_matches_serde_json_for_c0() {
        let c0: String = (0u8..0x20).map(char::from).chain("\"\\ok".chars()).collect();
        assert_eq!(json(&c0), serde_json::to_string(&c0).unwrap());
    }

    #[test]
    fn the_eight_byte_check_agrees_with_the_table() {
        for b in 0..=255u8 {
            for position in 0..8 {
                let mut word = [b'a'; 8];
                word[position] = b;
                assert_eq!(
                    needs_look(u64::from_le_bytes(word)),
                    NEEDS_LOOK[usize::from(b)],
                    "byte {b:#x} at {position}"
                );
            }
        }
        assert!(!needs_look(u64::from_le_bytes(*b"\xd0\x92\xd0\xbe\xd1\x80\xd0\xbe")), "Cyrillic is clean");
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..200_000 {
            let word: [u8; 8] = std::array::from_fn(|_| rng.u8(..));
            let expected = word.iter().any(|&b| NEEDS_LOOK[usize::from(b)]);
            assert_eq!(needs_look(u64::from_le_bytes(word)), expected, "{word:x?}");
        }
    }
}
