//! Fuzz target `query`: the `--filter`, `--sort`, `--fields` and `--filter-json` parsers (SPEC §3,
//! §3.1) on arbitrary strings, for both schemas (funnels and users).
//!
//! The input is split on NUL into several values, as repeated flags arrive (argv cannot hold a NUL).
//! Invariants: no panic; an accepted filter is a JSON object that serializes and reads back equal;
//! accepted sort keys and fields are known to the schema, allowed there and never repeated.
#![no_main]

use funnels::model::{FUNNELS, Schema, USERS};
use funnels::query::{self, Filter};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let values: Vec<String> = text.split('\0').map(str::to_owned).collect();
    for schema in [&FUNNELS, &USERS] {
        check_filters(&values, schema);
        check_sort(&values, schema);
        check_fields(text, schema);
    }
    // `-` and `@FILE` read stdin and files; everything else is parsed as given.
    if text != "-"
        && !text.starts_with('@')
        && let Ok(filter) = query::parse_filter_json(text, |_| unreachable!("stdin and files are read only for `-` and `@`"))
    {
        let Filter::Raw(raw) = &filter else { panic!("--filter-json gave a built filter") };
        let sent = serde_json::to_string(&filter).expect("a raw filter serializes");
        assert_eq!(sent, raw.get(), "--filter-json was not sent as given");
        assert!(raw.get().starts_with('{'), "--filter-json accepted a non-object: {}", raw.get());
    }
});

fn check_filters(values: &[String], schema: &Schema) {
    for any in [false, true] {
        match query::parse_filters(values, any, schema) {
            Ok(Some(filter)) => {
                assert!(filter.is_object(), "a filter that is not an object: {filter}");
                let json = serde_json::to_string(&filter).expect("an accepted filter serializes to JSON");
                let back: Value = serde_json::from_str(&json).expect("the serialized filter reads back");
                assert_eq!(back, filter, "the filter changed on its way through JSON");
            }
            Ok(None) => assert!(values.is_empty(), "values were given but no filter came out"),
            Err(e) => drop(format!("{e:#}")),
        }
    }
}

fn check_sort(values: &[String], schema: &Schema) {
    match query::parse_sort(values, schema) {
        Ok(keys) => {
            assert!(!keys.is_empty(), "an accepted --sort with no keys");
            for (i, key) in keys.iter().enumerate() {
                assert!(schema.sortable().any(|f| f == key.field), "sorted by `{}`", key.field);
                assert!(keys[..i].iter().all(|k| k.field != key.field), "`{}` twice", key.field);
            }
            serde_json::to_string(&keys).expect("sort keys serialize");
        }
        Err(e) => drop(format!("{e:#}")),
    }
}

fn check_fields(list: &str, schema: &Schema) {
    match query::parse_fields(Some(list), schema) {
        Ok(fields) => {
            assert!(!fields.is_empty(), "an accepted --fields with no fields");
            for (i, field) in fields.iter().enumerate() {
                assert!(schema.names().any(|f| f == *field), "selected `{field}`");
                assert!(!fields[..i].contains(field), "`{field}` twice");
            }
        }
        Err(e) => drop(format!("{e:#}")),
    }
}
