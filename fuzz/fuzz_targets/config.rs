//! Fuzz target `config`: the config-file parser (SPEC §9) on arbitrary text, as `read_config` runs
//! it on a file's contents.
//!
//! Invariants: no panic; every refusal is a config error (exit 3) that names the file.
#![no_main]

use std::path::Path;

use funnels::exit::{self, Exit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The file is read as UTF-8 text; other bytes are refused before the parser sees them.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("/fuzz/config.toml");
    if let Err(e) = funnels::config::parse_config(text, path) {
        let message = format!("{e:#}");
        assert!(message.contains("/fuzz/config.toml"), "the error does not name the file: {message}");
        assert_eq!(exit::classify(&e).exit, Exit::Config, "not a config error: {message}");
    }
});
