//! Secrets that must never reach any output, and the last filter every message to a terminal passes
//! (SPEC §7, "Verbose").
//!
//! The token (and a login's password and session key) is registered here as soon as it is read;
//! from then on any text shown to the user — an error that echoes the key back, a `-vv` body, an
//! excerpt of a broken response — goes through [`hide`], which replaces with `***`:
//! - every registered secret, also where the text carries it JSON-escaped (`\u0063anary`, `\/`,
//!   escapes of escapes): the text is read as a JSON string reader would, and a match there hides
//!   the original bytes it came from. A secret shorter than [`SHORT`] characters is hidden only where
//!   it is a whole value (a whole JSON string, or the whole text), so a short password cannot turn
//!   "logged in" into "logg***d in";
//! - the credentials of any URL (`https://user:pass@host` → `https://***@host`);
//! - the values of the keys `access_token`, `password` and `login` wherever text looks like JSON.
//!
//! Everything that cuts server text to quote it does so here, in [`quote`] and [`excerpt`], and only
//! after hiding the whole of it: a cut can never leave part of a secret behind. All of it is one
//! pass over the text per secret, linear in its length, in constant extra memory.

use std::borrow::Cow;
use std::sync::{Mutex, PoisonError};

use crate::output::sanitize;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Secrets shorter than this (in characters) are hidden only where they are a whole value.
pub const SHORT: usize = 6;

/// Keys whose values are never shown, at any depth.
pub const SECRET_KEYS: [&str; 3] = ["access_token", "password", "login"];

/// At most this many characters of one piece of server text are quoted in a message.
pub const QUOTE_CHARS: usize = 300;

/// Remembers a secret so that [`hide`] hides it. Empty strings are ignored.
pub fn register(secret: &str) {
    if secret.is_empty() {
        return;
    }
    let mut secrets = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    if !secrets.iter().any(|s| s == secret) {
        secrets.push(secret.to_owned());
    }
}

/// [`hide`], owned.
pub fn scrub(text: &str) -> String {
    hide(text).into_owned()
}

/// `text` with every registered secret, URL credential and secret key's value replaced by `***`;
/// borrowed when there is nothing to hide.
pub fn hide(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS.lock().unwrap_or_else(PoisonError::into_inner).clone();
    hide_with(text, &secrets)
}

/// Secrets hidden and control and disguising characters made visible: safe for stderr and a
/// terminal.
pub fn for_terminal(text: &str) -> String {
    sanitize::visible(&hide(text)).into_owned()
}

/// Server text as a message quotes it: hidden as a whole first, then cut to at most `max_chars`
/// characters on a character boundary, with `…` when something was cut.
pub fn quote(text: &str, max_chars: usize) -> String {
    let hidden = hide(text);
    let end = hidden.char_indices().nth(max_chars).map_or(hidden.len(), |(i, _)| i);
    shorten(&hidden, end)
}

/// The first `max_bytes` bytes of a body (after leading and trailing blanks), hidden as a whole
/// first, cut on a character boundary, with `…` when something was cut.
pub fn excerpt(text: &str, max_bytes: usize) -> String {
    let hidden = hide(text.trim());
    let mut end = hidden.len().min(max_bytes);
    while !hidden.is_char_boundary(end) {
        end -= 1;
    }
    shorten(&hidden, end)
}

fn shorten(text: &str, end: usize) -> String {
    if end >= text.len() {
        return text.to_owned();
    }
    let mut cut = text[..end].trim_end().to_owned();
    cut.push('…');
    cut
}

/// [`hide`] with an explicit list of secrets (tests use it without touching the registry).
fn hide_with<'t>(text: &'t str, secrets: &[String]) -> Cow<'t, str> {
    let mut spans = Vec::new();
    url_credentials(text, &mut spans);
    secret_keys(text, &mut spans);
    if !secrets.is_empty() {
        let mut matchers: Vec<Matcher> = secrets.iter().map(|s| Matcher::new(s)).collect();
        let views: &[View] = if text.contains('\\') { &[View::Raw, View::Json, View::Deep] } else { &[View::Raw] };
        for &view in views {
            for m in &mut matchers {
                m.reset();
            }
            for unit in (Units { text, pos: 0, view }) {
                for m in &mut matchers {
                    m.feed(unit, &mut spans);
                }
            }
            for m in &mut matchers {
                m.finish(text.len(), &mut spans);
            }
        }
    }
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut last: Option<Span> = None;
    for span in spans {
        match &mut last {
            Some(open) if span.start < open.end => {
                open.end = open.end.max(span.end);
                open.with = "***";
            }
            _ => {
                if let Some(done) = last.take() {
                    out.push_str(&text[at..done.start]);
                    out.push_str(done.with);
                    at = done.end;
                }
                last = Some(span);
            }
        }
    }
    if let Some(done) = last {
        out.push_str(&text[at..done.start]);
        out.push_str(done.with);
        at = done.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Bytes `start..end` of the text are shown as `with`.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    with: &'static str,
}

/// `scheme://user:pass@host` → the userinfo (everything between `://` and the authority's last
/// `@`). The authority ends at `/ ? #`, blanks, quotes and brackets, as a reader would see it.
fn url_credentials(text: &str, spans: &mut Vec<Span>) {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let start = from + found + 3;
        let mut end = start;
        let mut at = None;
        while let Some(&b) = bytes.get(end) {
            match b {
                b'/' | b'?' | b'#' | b'"' | b'\'' | b'`' | b'<' | b'>' | b'\\' | b'(' | b')' | b'[' | b']' => break,
                b if b.is_ascii_whitespace() || b.is_ascii_control() => break,
                b'@' => at = Some(end),
                _ => {}
            }
            end += 1;
        }
        // (An empty userinfo, `http://@host`, hides nothing.)
        if let Some(at) = at.filter(|&at| at > start) {
            spans.push(Span { start, end: at, with: "***" });
        }
        // The next `://` may be the one this authority stopped at (`a://b://c@d`).
        from = start;
    }
}

/// `"access_token": "…"`, `"password": …`, `"login": …` anywhere in the text → the value as `***`
/// (a string keeps its quotes; another scalar becomes `"***"`). Objects and arrays are left to the
/// secrets inside them.
fn secret_keys(text: &str, spans: &mut Vec<Span>) {
    let bytes = text.as_bytes();
    for key in SECRET_KEYS {
        let quoted = format!("\"{key}\"");
        let mut from = 0;
        while let Some(found) = text[from..].find(&quoted) {
            let mut i = from + found + quoted.len();
            from = i;
            while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            if bytes.get(i) != Some(&b':') {
                continue;
            }
            i += 1;
            while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            match bytes.get(i) {
                Some(b'"') => {
                    let start = i + 1;
                    let mut end = start;
                    while let Some(&b) = bytes.get(end) {
                        match b {
                            b'\\' => end += 2,
                            b'"' => break,
                            _ => end += 1,
                        }
                    }
                    let end = end.min(bytes.len());
                    spans.push(Span { start, end, with: "***" });
                    from = end;
                }
                Some(b'{' | b'[') | None => {}
                Some(_) => {
                    let start = i;
                    let mut end = start;
                    while bytes.get(end).is_some_and(|&b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                    {
                        end += 1;
                    }
                    spans.push(Span { start, end, with: "\"***\"" });
                    from = end;
                }
            }
        }
    }
}

/// How the text is read when looking for a secret.
#[derive(Debug, Clone, Copy, PartialEq)]
enum View {
    /// As it is.
    Raw,
    /// Decoded once as the inside of a JSON string: `\"`, `\\`, `\/`, `\n`…, `\uXXXX` (surrogate
    /// pairs joined). Finds a secret holding a backslash in JSON.
    Json,
    /// Like `Json`, but a run of backslashes counts as one, so escapes of escapes (`\\u0063`) decode
    /// too, however deep. Finds a secret without backslashes however it was escaped.
    Deep,
}

/// One character of the text as a [`View`] reads it, and the bytes it came from.
#[derive(Debug, Clone, Copy)]
struct Unit {
    c: char,
    start: usize,
    end: usize,
}

struct Units<'t> {
    text: &'t str,
    pos: usize,
    view: View,
}

impl Iterator for Units<'_> {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        let start = self.pos;
        let c = self.text[start..].chars().next()?;
        if c == '\\' && self.view != View::Raw {
            let bytes = self.text.as_bytes();
            let after = match self.view {
                View::Deep => start + bytes[start..].iter().take_while(|&&b| b == b'\\').count(),
                _ => start + 1,
            };
            let (c, end) = match escape(self.text, after, self.view) {
                Some(decoded) => decoded,
                // Not an escape: the backslash (in `Deep`, the whole run) stands for itself.
                None => ('\\', after),
            };
            self.pos = end;
            return Some(Unit { c, start, end });
        }
        self.pos = start + c.len_utf8();
        Some(Unit { c, start, end: self.pos })
    }
}

/// The character an escape decodes to, given the byte after its backslash(es), and where it ends.
fn escape(text: &str, at: usize, view: View) -> Option<(char, usize)> {
    let bytes = text.as_bytes();
    let c = match *bytes.get(at)? {
        b'"' => '"',
        b'/' => '/',
        b'\\' if view == View::Json => '\\',
        b'b' => '\x08',
        b'f' => '\x0c',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let unit = hex4(bytes, at + 1)?;
            let end = at + 5;
            if !(0xd800..0xdc00).contains(&unit) {
                return Some((char::from_u32(unit).unwrap_or('\u{fffd}'), end));
            }
            // A high surrogate: joined with the low one that follows, if any.
            let next = match view {
                View::Deep => end + bytes[end..].iter().take_while(|&&b| b == b'\\').count(),
                _ => end + usize::from(bytes.get(end) == Some(&b'\\')),
            };
            let low = (next > end && bytes.get(next) == Some(&b'u'))
                .then(|| hex4(bytes, next + 1))
                .flatten()
                .filter(|low| (0xdc00..0xe000).contains(low));
            return Some(match low {
                Some(low) => {
                    let joined = 0x1_0000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
                    (char::from_u32(joined).unwrap_or('\u{fffd}'), next + 5)
                }
                None => ('\u{fffd}', end),
            });
        }
        _ => return None,
    };
    Some((c, at + 1))
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    digits.iter().try_fold(0, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?))
}

/// Finds one secret in a stream of [`Unit`]s (Knuth–Morris–Pratt: linear, whatever the text).
struct Matcher {
    pattern: Vec<char>,
    /// KMP failure function.
    fail: Vec<usize>,
    /// Shorter than [`SHORT`]: only a whole value counts.
    short: bool,
    /// Characters of the pattern matched so far.
    state: usize,
    /// For the last `pattern.len()` units: where each started and the character before it.
    ring: Vec<(usize, Option<char>)>,
    seen: usize,
    last: Option<char>,
    /// A short match waiting for the next character to tell whether it is a whole value.
    pending: Option<(Span, Option<char>)>,
}

impl Matcher {
    fn new(secret: &str) -> Matcher {
        let pattern: Vec<char> = secret.chars().collect();
        let mut fail = vec![0; pattern.len()];
        let mut k = 0;
        for i in 1..pattern.len() {
            while k > 0 && pattern[i] != pattern[k] {
                k = fail[k - 1];
            }
            if pattern[i] == pattern[k] {
                k += 1;
            }
            fail[i] = k;
        }
        let short = pattern.len() < SHORT;
        let ring = vec![(0, None); pattern.len()];
        Matcher { pattern, fail, short, state: 0, ring, seen: 0, last: None, pending: None }
    }

    fn reset(&mut self) {
        self.state = 0;
        self.seen = 0;
        self.last = None;
        self.pending = None;
    }

    fn feed(&mut self, unit: Unit, spans: &mut Vec<Span>) {
        if let Some((span, before)) = self.pending.take() {
            if before == Some('"') && unit.c == '"' {
                spans.push(span);
            }
        }
        let m = self.pattern.len();
        self.ring[self.seen % m] = (unit.start, self.last);
        self.seen += 1;
        self.last = Some(unit.c);
        while self.state > 0 && self.pattern[self.state] != unit.c {
            self.state = self.fail[self.state - 1];
        }
        if self.pattern[self.state] == unit.c {
            self.state += 1;
        }
        if self.state == m {
            self.state = self.fail[m - 1];
            let (start, before) = self.ring[self.seen % m];
            let span = Span { start, end: unit.end, with: "***" };
            if self.short {
                self.pending = Some((span, before));
            } else {
                spans.push(span);
            }
        }
    }

    /// The end of the text: a short match that is the whole text counts.
    fn finish(&mut self, len: usize, spans: &mut Vec<Span>) {
        if let Some((span, before)) = self.pending.take() {
            if before.is_none() && span.start == 0 && span.end == len {
                spans.push(span);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "canary-token-5f1e9b";

    fn hidden(text: &str, secrets: &[&str]) -> String {
        let secrets: Vec<String> = secrets.iter().map(|&s| s.to_owned()).collect();
        hide_with(text, &secrets).into_owned()
    }

    /// `text` with every character as a `\uXXXX` escape.
    fn all_escaped(text: &str) -> String {
        let mut out = String::new();
        for unit in text.encode_utf16() {
            let _ = std::fmt::Write::write_fmt(&mut out, format_args!("\\u{unit:04x}"));
        }
        out
    }

    #[test]
    fn hides_registered_secret_and_escapes() {
        register("canary-secret-42");
        let shown = for_terminal("key canary-secret-42 rejected\x1b]0;x\x07\u{202e}");
        assert!(!shown.contains("canary-secret-42"));
        assert!(!shown.contains('\x1b') && !shown.contains('\u{202e}'));
        assert!(shown.starts_with("key *** rejected"), "{shown}");
    }

    #[test]
    fn a_long_secret_is_hidden_everywhere_and_only_it() {
        assert_eq!(hidden(&format!("a{TOKEN}b {TOKEN}"), &[TOKEN]), "a***b ***");
        assert_eq!(hidden("nothing here", &[TOKEN]), "nothing here");
        assert!(matches!(hide_with("nothing here", &[TOKEN.to_owned()]), Cow::Borrowed(_)));
        // Overlapping occurrences are hidden as one.
        assert_eq!(hidden("xaaaaaaaay", &["aaaaaaa"]), "x***y");
    }

    #[test]
    fn a_json_escaped_token_is_hidden_in_any_mix_of_escapes() {
        let mixed = "\\u0063anary-\\u0074oken-5f1e9\\u0062";
        for (text, expected) in [
            (format!(r#"{{"message":"key {mixed} is bad"}}"#), r#"{"message":"key *** is bad"}"#.to_owned()),
            (format!("key {} is bad", all_escaped(TOKEN)), "key *** is bad".to_owned()),
            (
                format!("key {} is bad", all_escaped(TOKEN).to_uppercase().replace("\\U", "\\u")),
                "key *** is bad".to_owned(),
            ),
            // Escaped twice (a JSON string inside a JSON string), and a `\/` on the way.
            (format!("key {} is bad", all_escaped(TOKEN).replace('\\', "\\\\")), "key *** is bad".to_owned()),
            ("key canary\\/token".to_owned(), "key ***".to_owned()),
        ] {
            let shown = hidden(&text, &[TOKEN, "canary/token"]);
            assert_eq!(shown, expected, "{text}");
        }
    }

    #[test]
    fn a_secret_with_a_backslash_or_quote_is_found_in_its_json_form() {
        let secret = r#"pa\ss"word"#;
        let json = serde_json::to_string(secret).unwrap();
        assert_eq!(hidden(&format!("got {json}"), &[secret]), r#"got "***""#);
        assert_eq!(hidden(&format!("got {secret}"), &[secret]), "got ***");
    }

    #[test]
    fn a_short_secret_is_hidden_only_as_a_whole_value() {
        let pw = "ge";
        assert_eq!(hidden("logged in as bob", &[pw]), "logged in as bob");
        assert_eq!(
            hidden(r#"{"password":"ge","note":"ge is short","x":"ge"}"#, &[pw]),
            r#"{"password":"***","note":"ge is short","x":"***"}"#
        );
        assert_eq!(hidden("ge", &[pw]), "***", "a value that is the whole text");
        assert_eq!(hidden(r#"["\u0067e"]"#, &[pw]), r#"["***"]"#);
        assert_eq!(hidden("ge ge", &[pw]), "ge ge");
        // Six characters and more: everywhere.
        assert_eq!(hidden("logged in with sixsix!", &["sixsix"]), "logged in with ***!");
    }

    #[test]
    fn url_credentials_are_hidden() {
        for (text, expected) in [
            ("https://user:pass@host/v2.0", "https://***@host/v2.0"),
            (
                "could not reach the API at https://u:p%40ss@dataapi.uiscom.ru:443/v2.0: refused",
                "could not reach the API at https://***@dataapi.uiscom.ru:443/v2.0: refused",
            ),
            ("`http://token@127.0.0.1:9/v2.0` is bad", "`http://***@127.0.0.1:9/v2.0` is bad"),
            ("https://a@b@host", "https://***@host"),
            ("https://host/v2.0?x=a@b mail me@example.com", "https://host/v2.0?x=a@b mail me@example.com"),
            ("a://b://c@d", "a://b://***@d"),
            ("://", "://"),
        ] {
            assert_eq!(hidden(text, &[]), expected, "{text}");
        }
    }

    #[test]
    fn secret_keys_values_are_hidden_in_json_looking_text() {
        let text = r#"{"result":{"data":{"access_token":"NEW-KEY-1","expire_at":1},"login" : "bob","password":12345,"x":"login"}"#;
        assert_eq!(
            hidden(text, &[]),
            r#"{"result":{"data":{"access_token":"***","expire_at":1},"login" : "***","password":"***","x":"login"}"#
        );
        // A body cut inside the value still hides what there is of it.
        assert_eq!(hidden(r#"{"access_token":"NEW-KE"#, &[]), r#"{"access_token":"***"#);
        assert_eq!(hidden(r#"{"password":"a\"b","n":1}"#, &[]), r#"{"password":"***","n":1}"#);
    }

    #[test]
    fn quote_hides_the_whole_text_before_cutting() {
        register(TOKEN);
        // The token straddles the cut: no prefix of it may survive.
        let text = format!("{}{TOKEN}", "x".repeat(290));
        let shown = quote(&text, QUOTE_CHARS);
        assert_eq!(shown, format!("{}***", "x".repeat(290)));
        let text = format!("{}{TOKEN}{}", "x".repeat(295), "y".repeat(1000));
        let shown = quote(&text, QUOTE_CHARS);
        assert!(!shown.contains("canary"), "{shown}");
        assert!(shown.ends_with('…') && shown.chars().count() == QUOTE_CHARS + 1, "{shown}");
        assert_eq!(quote("short", QUOTE_CHARS), "short");
        assert_eq!(quote(&"я".repeat(400), 300), format!("{}…", "я".repeat(300)));
    }

    #[test]
    fn excerpt_after_kilobytes_of_blanks_shows_no_part_of_the_token() {
        register(TOKEN);
        for blanks in [4096, 4096 + 200 - 10, 4096 + 200 - 3, 4296] {
            let body = format!("{}<p>{}</p><b>{TOKEN}</b> and more text after it", " ".repeat(blanks), "x".repeat(180));
            let shown = excerpt(&body, 200);
            for n in 4..TOKEN.len() {
                assert!(!shown.contains(&TOKEN[..n]), "{blanks}: {shown}");
            }
            assert!(shown.starts_with("<p>xxx") && shown.ends_with('…'), "{shown}");
        }
        assert_eq!(excerpt("  short \n", 200), "short");
        assert_eq!(excerpt(&"я".repeat(150), 200), format!("{}…", "я".repeat(100)));
    }

    #[test]
    fn near_misses_and_hostile_shapes_hide_nothing_else() {
        // Shapes that trip naive matchers (near-misses, backslash runs, escapes everywhere, URL
        // and key look-alikes), each a megabyte: one pass each, and nothing hidden that is not a
        // secret.
        let secret = "aaaaaaaaab";
        let texts = [
            "a".repeat(1 << 20),
            "\\".repeat(1 << 20),
            "\\u0061".repeat(1 << 18),
            "://@".repeat(1 << 18),
            "\"login\" ".repeat(1 << 17),
        ];
        for text in &texts {
            assert!(hidden(text, &[secret]) == *text, "{}", &text[..20]);
        }
        assert_eq!(
            hidden(&format!("{}b", "a".repeat(1 << 20)), &[secret]),
            format!("{}***", "a".repeat((1 << 20) - 9))
        );
        assert_eq!(hidden(&format!("{}b", "\\u0061".repeat(1 << 18)), &[secret]).len(), 6 * ((1 << 18) - 9) + 3);
    }
}
