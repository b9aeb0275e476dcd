//! Tab completion computed by funnels itself: field lists, sort keys, filter fields and profile
//! names, the values a static script cannot know (SPEC §1 `completions`).
//!
//! The committed scripts under `completions/` are clap_complete's registrations of its dynamic
//! engine (`unstable-dynamic`): on TAB the shell runs `FUNNELS_COMPLETE=<shell> funnels -- <words>`
//! and prints what the engine answers from `docs::command()`, so subcommands, options and values
//! come from the same clap definition that parses them, in every shell alike. The completers here
//! are plain functions of the word being completed, so they are unit-tested without a shell.
//!
//! Why the dynamic engine rather than static scripts patched to call a hidden subcommand: the
//! values depend on the command (`users` has other fields than `list`) and on the config file, and
//! one engine in Rust serves bash, zsh, fish, PowerShell and elvish alike, where patching five
//! generated scripts per option would be string surgery on clap_complete's output. The cost: the
//! feature is marked unstable (so Cargo.toml pins the minor version), and each TAB runs funnels.
//! `docs::completion` adds the two things the registrations lack: bash's `:` word break (sort
//! keys) and zsh's first TAB when the script is autoloaded from $fpath.
//!
//! Completion never fails loudly: a missing or broken config file offers no profile names rather
//! than an error in the middle of the user's command line.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use etcetera::base_strategy::{BaseStrategy, Xdg};

use crate::files;
use crate::model::{Kind, Schema};

/// The variable that turns a run into a completion request. Not clap_complete's default
/// `COMPLETE`: a variable of that common name left in a cron job's environment must not turn
/// `funnels list` into a completion script.
pub const VAR: &str = "FUNNELS_COMPLETE";

/// A config file behind a FIFO must not hold up the shell: completion waits this long, not the
/// 10 s a run allows.
const CONFIG_WAIT: Duration = Duration::from_millis(300);

/// `--fields`: the schema's field names, after the ones already typed (`ext_id,na` → `ext_id,name`).
pub fn fields(schema: &'static Schema) -> ArgValueCompleter {
    ArgValueCompleter::new(move |current: &OsStr| {
        let names = schema.names().map(|name| (name, describe(schema, name)));
        candidates(list_items(&current.to_string_lossy(), names))
    })
}

/// `--sort`: sortable fields, each also with `:asc` and `:desc`, after the keys already typed.
pub fn sort_keys(schema: &'static Schema) -> ArgValueCompleter {
    ArgValueCompleter::new(move |current: &OsStr| {
        let keys = schema.sortable().flat_map(|name| {
            [name.to_owned(), format!("{name}:asc"), format!("{name}:desc")].map(|key| (key, describe(schema, name)))
        });
        candidates(list_items(&current.to_string_lossy(), keys))
    })
}

/// `--filter`: the filterable field an expression starts with.
pub fn filter_fields(schema: &'static Schema) -> ArgValueCompleter {
    ArgValueCompleter::new(move |current: &OsStr| {
        let current = current.to_string_lossy();
        candidates(
            schema
                .filterable()
                .filter(|name| name.starts_with(&*current))
                .map(|name| (name.to_owned(), describe(schema, name)))
                .collect(),
        )
    })
}

/// `--profile`: the profiles of the config file the command line would read (`--config`, else
/// `FUNNELS_CONFIG`, else the default path), with each one's platform as its description.
pub fn profiles() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let current = current.to_string_lossy();
        let words: Vec<OsString> = std::env::args_os().skip_while(|a| a != "--").skip(1).collect();
        let Some(path) = config_path(&words) else { return Vec::new() };
        let Ok(contents) = files::read_file(&path, CONFIG_WAIT) else { return Vec::new() };
        candidates(profile_names(&contents.text).into_iter().filter(|(name, _)| name.starts_with(&*current)).collect())
    })
}

/// Items of a comma-separated list: the last (partial) item is completed among `items` whose
/// field is not typed yet, and the typed part is kept in front of each candidate.
fn list_items<S: AsRef<str>>(current: &str, items: impl Iterator<Item = (S, String)>) -> Vec<(String, String)> {
    let (typed, partial) = current.rsplit_once(',').map_or(("", current), |(typed, partial)| (typed, partial));
    let used: Vec<&str> = typed.split(',').map(|item| item.split(':').next().unwrap_or_default().trim()).collect();
    let prefix = if typed.is_empty() && !current.contains(',') { String::new() } else { format!("{typed},") };
    items
        .filter(|(item, _)| {
            let item = item.as_ref();
            item.starts_with(partial) && !used.contains(&item.split(':').next().unwrap_or_default())
        })
        .map(|(item, help)| (format!("{prefix}{}", item.as_ref()), help))
        .collect()
}

/// What kind of value a field holds, shown beside it by shells that show descriptions.
fn describe(schema: &Schema, name: &str) -> String {
    match schema.field(name).map(|f| f.kind) {
        Some(Kind::Number) => "number".to_owned(),
        Some(Kind::Nested) => "list of stages".to_owned(),
        Some(Kind::Text) | None => "text".to_owned(),
    }
}

fn candidates(items: Vec<(String, String)>) -> Vec<CompletionCandidate> {
    items.into_iter().map(|(value, help)| CompletionCandidate::new(value).help(Some(help.into()))).collect()
}

/// The config file a command line reads: its `--config PATH` or `--config=PATH`, else
/// `FUNNELS_CONFIG`, else `$XDG_CONFIG_HOME/funnels/config.toml` (as `config.rs` finds it).
fn config_path(words: &[OsString]) -> Option<PathBuf> {
    let home = Xdg::new().ok();
    let typed =
        words.iter().zip(words.iter().skip(1)).find(|(flag, _)| *flag == "--config").map(|(_, path)| path.clone());
    let typed = typed.or_else(|| {
        words.iter().find_map(|w| w.to_str().and_then(|w| w.strip_prefix("--config=")).map(OsString::from))
    });
    let named = typed.or_else(|| std::env::var_os("FUNNELS_CONFIG").filter(|v| !v.is_empty()));
    match named {
        // The shell has not expanded a `~` the user is still typing after.
        Some(path) => Some(match (Path::new(&path).strip_prefix("~"), &home) {
            (Ok(rest), Some(home)) => home.home_dir().join(rest),
            _ => PathBuf::from(path),
        }),
        None => home.map(|h| h.config_dir().join("funnels").join("config.toml")),
    }
}

/// `[profiles.NAME]` tables of a config file, with each one's `platform` (or "") — read leniently:
/// completion offers what it can find even in a file a run would refuse.
fn profile_names(text: &str) -> Vec<(String, String)> {
    let Ok(table) = text.parse::<toml::Table>() else { return Vec::new() };
    let Some(profiles) = table.get("profiles").and_then(toml::Value::as_table) else { return Vec::new() };
    profiles
        .iter()
        .map(|(name, profile)| {
            let platform = profile.get("platform").and_then(toml::Value::as_str).unwrap_or_default();
            (name.clone(), format!("profile {platform}").trim_end().to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FUNNELS, USERS};

    fn values(items: Vec<(String, String)>) -> Vec<String> {
        items.into_iter().map(|(value, _)| value).collect()
    }

    fn field_list(current: &str, schema: &Schema) -> Vec<String> {
        values(list_items(current, schema.names().map(|n| (n, String::new()))))
    }

    #[test]
    fn field_lists_complete_the_item_after_the_last_comma() {
        assert_eq!(field_list("", &FUNNELS), ["ext_id", "name", "stages"]);
        assert_eq!(field_list("na", &FUNNELS), ["name"]);
        assert_eq!(field_list("ext_id,na", &FUNNELS), ["ext_id,name"]);
        assert_eq!(field_list("ext_id,", &FUNNELS), ["ext_id,name", "ext_id,stages"]);
        assert_eq!(field_list("name,stages,", &FUNNELS), ["name,stages,ext_id"]);
        assert_eq!(field_list("c", &USERS), ["customer_id"]);
        assert!(field_list("ext_id,x", &FUNNELS).is_empty());
        assert!(field_list("stages", &USERS).is_empty());
    }

    #[test]
    fn sort_keys_offer_each_direction_and_skip_fields_already_sorted_on() {
        let keys = |current: &str, schema: &Schema| {
            values(list_items(
                current,
                schema
                    .sortable()
                    .flat_map(|n| [n.to_owned(), format!("{n}:asc"), format!("{n}:desc")].map(|k| (k, String::new()))),
            ))
        };
        assert_eq!(keys("na", &FUNNELS), ["name", "name:asc", "name:desc"]);
        assert_eq!(keys("name:d", &FUNNELS), ["name:desc"]);
        assert_eq!(keys("name:desc,", &FUNNELS), ["name:desc,ext_id", "name:desc,ext_id:asc", "name:desc,ext_id:desc"]);
        assert_eq!(
            keys("", &USERS),
            ["name", "name:asc", "name:desc", "customer_id", "customer_id:asc", "customer_id:desc"]
        );
        assert!(keys("id", &USERS).is_empty(), "id is not sortable");
    }

    #[test]
    fn profile_names_come_from_the_profiles_tables() {
        let text = "default_profile = \"uis\"\n[profiles.uis]\nplatform = \"uis\"\n[profiles.cg]\ntimeout = 60\n";
        assert_eq!(
            profile_names(text),
            [("cg".to_owned(), "profile".to_owned()), ("uis".to_owned(), "profile uis".to_owned())]
        );
        assert!(profile_names("not toml [").is_empty());
        assert!(profile_names("profiles = 3").is_empty());
    }

    #[test]
    fn the_config_file_is_the_one_the_command_line_names() {
        let words = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(config_path(&words(&["funnels", "--config", "/c.toml", "list"])), Some(PathBuf::from("/c.toml")));
        assert_eq!(
            config_path(&words(&["funnels", "list", "--config=/d.toml", "--profile"])),
            Some(PathBuf::from("/d.toml"))
        );
    }
}
