//! The one sanitizer for every byte of server text that may reach a terminal, and the JSON string
//! escaper (SPEC §5).
//!
//! Names and ids come from whoever typed them into the web UI. Printed raw, an `ESC` or a C1 `CSI`
//! (U+009B) would let that person drive the reader's terminal (retitle it, hide text, fake output),
//! and a bidi override, a zero-width character, a BOM or a line separator would make text read as
//! something it is not. Those two classes — [`is_control`] and [`is_disguising`] — are decided here
//! and nowhere else, and every writer escapes them through one scanner ([`split`]) that walks the
//! text once, so all of them are linear in their input:
//! - [`visible`]: table cells, csv/tsv on a terminal, every stderr message;
//! - [`write_json_string`] and [`JsonFormatter`]: JSON (C0, DEL and C1 always; the disguising
//!   characters too when the JSON goes to a terminal, losslessly as `\uXXXX`);
//! - [`write_tsv_field`]: TSV's four escapes, plus [`visible`]'s on a terminal.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

/// A control character: C0, DEL or C1 (U+0080–U+009F).
pub fn is_control(c: char) -> bool {
    c.is_control()
}

/// A character that disguises text without being a control: bidi embeddings, overrides and
/// isolates (U+202A–U+202E, U+2066–U+2069), zero-width characters and marks (U+200B–U+200F), the
/// BOM (U+FEFF), and the line and paragraph separators (U+2028, U+2029).
pub fn is_disguising(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// What a terminal must never receive raw.
fn is_unsafe(c: char) -> bool {
    is_control(c) || is_disguising(c)
}

/// `text` with every control and disguising character shown as a visible escape; borrowed when
/// there is nothing to escape.
///
/// The scheme, one form per class so that a reader can always tell what was there:
/// - `\n`, `\t`, `\r` for newline, tab and carriage return (so a multi-line name stays on one line);
/// - `\xNN` (two lower-case hex digits) for every other C0 character and DEL: `\x1b`, `\x07`, `\x7f`;
/// - `\u{NN…}` for C1 and the disguising characters, which are characters rather than bytes:
///   `\u{9b}`, `\u{202e}`, `\u{feff}`.
///
/// A backslash is left alone: the output is for eyes, not for parsing back.
pub fn visible(text: &str) -> Cow<'_, str> {
    let Some(first) = first_unsafe(text) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    let _ = split::<std::convert::Infallible>(&text[first..], &VISIBLE, is_unsafe, |piece| {
        match piece {
            Piece::Run(run) => out.push_str(run),
            Piece::Special(c) => push_visible(&mut out, c),
        }
        Ok(())
    });
    Cow::Owned(out)
}

/// Where the first character [`visible`] would escape starts.
fn first_unsafe(text: &str) -> Option<usize> {
    let mut offset = 0;
    let found = split(text, &VISIBLE, is_unsafe, |piece| match piece {
        Piece::Run(run) => {
            offset += run.len();
            Ok(())
        }
        Piece::Special(_) => Err(()),
    });
    found.err().map(|()| offset)
}

/// The visible form of one character [`is_unsafe`] flags.
fn push_visible(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if c < ' ' || c == '\x7f' => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

fn write_visible<W: Write + ?Sized>(w: &mut W, c: char) -> io::Result<()> {
    let mut buf = String::with_capacity(10);
    push_visible(&mut buf, c);
    w.write_all(buf.as_bytes())
}

/// Writes `text` as a JSON string literal (with quotes).
///
/// `"` and `\` are escaped as JSON requires; C0 uses the short forms `\b \t \n \f \r` where JSON has
/// them and `\u00XX` otherwise (exactly as `serde_json` does), and DEL and C1 — which JSON would allow
/// raw — are `\u007f` and `\u0080`…`\u009f`, so no raw control character reaches a terminal through
/// `jq` or `cat`. With `terminal`, the disguising characters are `\uXXXX` too (`\u202e`): the
/// document decodes to the same strings either way. Everything else is written as raw UTF-8, in
/// runs, without allocating.
pub fn write_json_string<W: Write + ?Sized>(w: &mut W, text: &str, terminal: bool) -> io::Result<()> {
    w.write_all(b"\"")?;
    write_json_fragment(w, text, true, terminal)?;
    w.write_all(b"\"")
}

/// The inside of a JSON string; `syntax`: also escape `"`, `\` and C0 (serde_json's formatter has
/// already done that for the fragments it hands over).
fn write_json_fragment<W: Write + ?Sized>(w: &mut W, text: &str, syntax: bool, terminal: bool) -> io::Result<()> {
    let leads = if terminal { &JSON_TERMINAL } else { &JSON };
    let wanted = |c: char| c.is_control() || c == '"' || c == '\\' || (terminal && is_disguising(c));
    split(text, leads, wanted, |piece| {
        let c = match piece {
            Piece::Run(run) => return w.write_all(run.as_bytes()),
            Piece::Special(c) => c,
        };
        let short: &[u8] = match c {
            '"' if syntax => b"\\\"",
            '\\' if syntax => b"\\\\",
            '\x08' => b"\\b",
            '\t' => b"\\t",
            '\n' => b"\\n",
            '\x0c' => b"\\f",
            '\r' => b"\\r",
            '"' | '\\' => return w.write_all(c.encode_utf8(&mut [0; 4]).as_bytes()),
            c => return write!(w, "\\u{:04x}", u32::from(c)),
        };
        w.write_all(short)
    })
}

/// Text that is already valid JSON (a raw `--filter-json` object inside a request, a `--dry-run`
/// body) with DEL and C1 — and, for a `terminal`, the disguising characters — as `\uXXXX`. In valid
/// JSON those characters can only stand inside strings, where the escape means the same character,
/// so the document decodes unchanged; the C0 characters it holds raw are whitespace between tokens
/// and stay as they are.
pub fn write_json_text<W: Write + ?Sized>(w: &mut W, text: &str, terminal: bool) -> io::Result<()> {
    let leads = if terminal { &JSON_TERMINAL } else { &JSON };
    let wanted = |c: char| (c.is_control() && !c.is_ascii_whitespace()) || (terminal && is_disguising(c));
    split(text, leads, wanted, |piece| match piece {
        Piece::Run(run) => w.write_all(run.as_bytes()),
        Piece::Special(c) => write!(w, "\\u{:04x}", u32::from(c)),
    })
}

/// A `serde_json` formatter (pretty or compact, as `F` is) whose strings carry no raw DEL or C1 —
/// and, for a terminal, no raw disguising character — for JSON built from `Serialize` types
/// (`check -o json`). Layout is exactly `F`'s.
pub struct JsonFormatter<F> {
    pub inner: F,
    pub terminal: bool,
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for JsonFormatter<F> {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        write_json_fragment(w, fragment, false, self.terminal)
    }
    fn write_raw_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        write_json_text(w, fragment, self.terminal)
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.inner.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.inner.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object_value(w)
    }
}

/// One TSV value: tab, newline, CR and backslash as `\t \n \r \\`; with `terminal`, every other
/// control and disguising character as [`visible`] shows it. Written in runs.
pub fn write_tsv_field<W: Write + ?Sized>(w: &mut W, text: &str, terminal: bool) -> io::Result<()> {
    let leads = if terminal { &TSV_TERMINAL } else { &TSV };
    let wanted = |c: char| matches!(c, '\t' | '\n' | '\r' | '\\') || (terminal && is_unsafe(c));
    split(text, leads, wanted, |piece| match piece {
        Piece::Run(run) => w.write_all(run.as_bytes()),
        Piece::Special('\t') => w.write_all(b"\\t"),
        Piece::Special('\n') => w.write_all(b"\\n"),
        Piece::Special('\r') => w.write_all(b"\\r"),
        Piece::Special('\\') => w.write_all(b"\\\\"),
        Piece::Special(c) => write_visible(w, c),
    })
}

/// What [`split`] hands over, in order.
enum Piece<'t> {
    /// A stretch that needs nothing.
    Run(&'t str),
    /// One character the writer escapes.
    Special(char),
}

/// The scanner every writer shares: calls `each` with the stretches of `text` that need nothing and
/// with each character `wanted` flags, in order, in one pass.
///
/// `leads` marks the bytes that can start a wanted character; every other byte — most of any text —
/// is stepped over eight at a time. A lead is only ever an ASCII byte or a UTF-8 lead byte (never a
/// continuation byte), so wherever the scanner stops it is on a character boundary.
fn split<'t, E>(
    text: &'t str,
    leads: &Leads,
    wanted: impl Fn(char) -> bool,
    mut each: impl FnMut(Piece<'t>) -> Result<(), E>,
) -> Result<(), E> {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        while let Some(chunk) = bytes.get(i..i + 8) {
            if leads.in_word(u64::from_le_bytes(chunk.try_into().expect("eight bytes"))) {
                break;
            }
            i += 8;
        }
        let Some(&b) = bytes.get(i) else { break };
        if !leads.table[usize::from(b)] {
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().expect("a lead byte starts a character");
        let len = c.len_utf8();
        if wanted(c) {
            if start < i {
                each(Piece::Run(&text[start..i]))?;
            }
            each(Piece::Special(c))?;
            start = i + len;
        }
        i += len;
    }
    if start < bytes.len() {
        each(Piece::Run(&text[start..]))?;
    }
    Ok(())
}

/// The bytes that may start a character some writer escapes: every byte below 0x20 when `c0`, plus
/// the listed ones (ASCII, or the UTF-8 lead bytes of C1 (0xC2), of U+2000–U+2FFF (0xE2) and of
/// U+F000–U+FFFF (0xEF)).
struct Leads {
    /// All ones when the bytes below 0x20 are leads, else zero.
    c0: u64,
    /// Each listed byte in every byte of a word; a fixed count (the list padded with its first
    /// byte) so that [`Leads::in_word`] is one unrolled run of operations without a branch.
    words: [u64; MAX_LISTED],
    table: [bool; 256],
}

/// The most bytes a [`Leads`] lists.
const MAX_LISTED: usize = 6;

impl Leads {
    const fn new(c0: bool, bytes: &'static [u8]) -> Leads {
        assert!(!bytes.is_empty() && bytes.len() <= MAX_LISTED);
        let mut table = [false; 256];
        let mut b = 0;
        while c0 && b < 0x20 {
            table[b] = true;
            b += 1;
        }
        let mut words = [0; MAX_LISTED];
        let mut i = 0;
        while i < MAX_LISTED {
            let byte = if i < bytes.len() { bytes[i] } else { bytes[0] };
            table[byte as usize] = true;
            words[i] = ONES * byte as u64;
            i += 1;
        }
        Leads { c0: if c0 { u64::MAX } else { 0 }, words, table }
    }

    /// Whether any of eight bytes is a lead (SWAR); exact as a yes/no answer for the word: a byte
    /// equal to a listed one is a zero byte of `word ^ listed`, found by `(x - 1) & !x` in its high
    /// bit; a borrow can only mark a false byte above a true one, never make a word true alone.
    #[inline]
    fn in_word(&self, word: u64) -> bool {
        let mut hit = word.wrapping_sub(ONES * 0x20) & !word & self.c0;
        for listed in self.words {
            let x = word ^ listed;
            hit |= x.wrapping_sub(ONES) & !x;
        }
        hit & HIGHS != 0
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

static JSON: Leads = Leads::new(true, b"\"\\\x7f\xc2");
static JSON_TERMINAL: Leads = Leads::new(true, b"\"\\\x7f\xc2\xe2\xef");
static VISIBLE: Leads = Leads::new(true, b"\x7f\xc2\xe2\xef");
static TSV: Leads = Leads::new(false, b"\t\n\r\\");
static TSV_TERMINAL: Leads = Leads::new(true, b"\\\x7f\xc2\xe2\xef");

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> String {
        json_for(text, false)
    }

    fn json_for(text: &str, terminal: bool) -> String {
        let mut out = Vec::new();
        write_json_string(&mut out, text, terminal).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn tsv(text: &str, terminal: bool) -> String {
        let mut out = Vec::new();
        write_tsv_field(&mut out, text, terminal).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Every character of the disguising class, in one string.
    fn disguising() -> String {
        ('\u{2000}'..='\u{2100}').chain(['\u{feff}', '\u{fefe}', '\u{ff00}']).filter(|&c| is_disguising(c)).collect()
    }

    #[test]
    fn the_disguising_class_is_exactly_the_spec_list() {
        let expected: String = ('\u{200b}'..='\u{200f}')
            .chain(['\u{2028}', '\u{2029}'])
            .chain('\u{202a}'..='\u{202e}')
            .chain('\u{2066}'..='\u{2069}')
            .chain(['\u{feff}'])
            .collect();
        assert_eq!(disguising(), expected);
        assert!(!is_disguising('\u{2010}') && !is_disguising('\u{202f}') && !is_disguising('\u{2065}'));
        assert!(!is_disguising('—') && !is_disguising('✓') && !is_disguising('…'));
    }

    #[test]
    fn visible_borrows_clean_text() {
        assert!(matches!(visible("Основная воронка \\ \"x\" — ✓ → …"), Cow::Borrowed(_)));
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
    fn visible_shows_bidi_zero_width_bom_and_separators() {
        assert_eq!(visible("invoice\u{202e}fdp.exe"), "invoice\\u{202e}fdp.exe");
        assert_eq!(visible("a\u{200b}b\u{200d}c\u{feff}d"), "a\\u{200b}b\\u{200d}c\\u{feff}d");
        assert_eq!(
            visible("line\u{2028}para\u{2029}\u{2066}iso\u{2069}"),
            "line\\u{2028}para\\u{2029}\\u{2066}iso\\u{2069}"
        );
        assert!(!visible(&disguising()).chars().any(is_disguising));
    }

    #[test]
    fn visible_output_has_no_unsafe_characters() {
        let all: String = (0u32..0x1_0000).filter_map(char::from_u32).collect();
        let shown = visible(&all);
        assert!(!shown.chars().any(is_unsafe));
        let after_the_bom = &all[all.find('\u{ff00}').unwrap()..];
        assert!(shown.ends_with(after_the_bom), "text after the last escape is kept as it was");
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
    fn json_keeps_disguising_characters_for_files_and_escapes_them_for_terminals() {
        let text = format!("a\u{202e}b{}", disguising());
        assert_eq!(json_for(&text, false), format!("\"{text}\""));
        let shown = json_for(&text, true);
        assert!(shown.starts_with(r#""a\u202eb\u200b"#), "{shown}");
        assert!(!shown.chars().any(is_unsafe), "{shown}");
        assert_eq!(serde_json::from_str::<String>(&shown).unwrap(), text, "lossless");
    }

    #[test]
    fn json_string_round_trips_and_has_no_raw_controls() {
        let all: String = (0u32..0x1_0000).filter_map(char::from_u32).collect();
        let text = format!("{all}\x1b]0;title\x07 Имя \u{9b}");
        for terminal in [false, true] {
            let out = json_for(&text, terminal);
            assert!(!out.chars().any(char::is_control));
            assert_eq!(out.chars().any(is_disguising), !terminal);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), text);
        }
    }

    #[test]
    fn json_string_matches_serde_json_for_c0() {
        let c0: String = (0u8..0x20).map(char::from).chain("\"\\ok".chars()).collect();
        assert_eq!(json(&c0), serde_json::to_string(&c0).unwrap());
    }

    #[test]
    fn json_formatter_escapes_del_c1_and_keeps_serde_layout() {
        #[derive(serde::Serialize)]
        struct Report<'a> {
            name: &'a str,
            n: Option<u64>,
            list: [&'a str; 2],
        }
        let report = Report { name: "del\x7f c1\u{9b} esc\x1b bidi\u{202e} \"q\"", n: None, list: ["a", "б"] };
        for terminal in [false, true] {
            let mut out = Vec::new();
            let formatter = JsonFormatter { inner: serde_json::ser::PrettyFormatter::new(), terminal };
            serde::Serialize::serialize(&report, &mut serde_json::Serializer::with_formatter(&mut out, formatter))
                .unwrap();
            let out = String::from_utf8(out).unwrap();
            let plain = serde_json::to_string_pretty(&report).unwrap();
            assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
            assert_eq!(out.contains('\u{202e}'), !terminal);
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&out).unwrap(),
                serde_json::from_str::<serde_json::Value>(&plain).unwrap()
            );
            let clean =
                |s: &str| s.replace("\\u007f", "\x7f").replace("\\u009b", "\u{9b}").replace("\\u202e", "\u{202e}");
            assert_eq!(clean(&out), plain, "same layout");
        }
    }

    #[test]
    fn tsv_applies_four_escapes_and_on_a_terminal_the_visible_ones() {
        let text = "a\tb\nc\rd\\e\x1b[2J\u{9b}\u{202e}\u{200b}ж";
        assert_eq!(tsv(text, false), "a\\tb\\nc\\rd\\\\e\x1b[2J\u{9b}\u{202e}\u{200b}ж");
        assert_eq!(tsv(text, true), "a\\tb\\nc\\rd\\\\e\\x1b[2J\\u{9b}\\u{202e}\\u{200b}ж");
    }

    #[test]
    fn the_eight_byte_check_agrees_with_each_table() {
        for leads in [&JSON, &JSON_TERMINAL, &VISIBLE, &TSV, &TSV_TERMINAL] {
            for b in 0..=255u8 {
                for position in 0..8 {
                    let mut word = [b'a'; 8];
                    word[position] = b;
                    assert_eq!(leads.in_word(u64::from_le_bytes(word)), leads.table[usize::from(b)], "byte {b:#x}");
                }
            }
            assert!(!leads.in_word(u64::from_le_bytes(*b"\xd0\x92\xd0\xbe\xd1\x80\xd0\xbe")), "Cyrillic is clean");
            let mut rng = fastrand::Rng::with_seed(7);
            for _ in 0..50_000 {
                let word: [u8; 8] = std::array::from_fn(|_| rng.u8(..));
                let expected = word.iter().any(|&b| leads.table[usize::from(b)]);
                assert_eq!(leads.in_word(u64::from_le_bytes(word)), expected, "{word:x?}");
            }
        }
    }

    #[test]
    fn every_lead_byte_of_a_flagged_character_is_in_its_table() {
        let all: String = (0u32..0x11_0000).filter_map(char::from_u32).collect();
        for c in all.chars() {
            let lead = c.encode_utf8(&mut [0; 4]).as_bytes()[0] as usize;
            if is_unsafe(c) {
                assert!(VISIBLE.table[lead] && JSON_TERMINAL.table[lead] && TSV_TERMINAL.table[lead], "{c:?}");
            }
            if c.is_control() {
                assert!(JSON.table[lead], "{c:?}");
            }
        }
    }

    #[test]
    fn a_megabyte_of_escapes_round_trips() {
        // Linear: a megabyte of nothing but escapes, and one of mixed text, both in well under a
        // second even unoptimised; a quadratic scanner would take minutes.
        let hostile = "\x1b\u{202e}\u{9b}ж".repeat(1 << 18);
        assert_eq!(visible(&hostile).matches("\\x1b").count(), 1 << 18);
        let mut out = Vec::new();
        write_json_string(&mut out, &hostile, true).unwrap();
        assert_eq!(serde_json::from_slice::<String>(&out).unwrap(), hostile);
    }
}
