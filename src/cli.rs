//! The command line as clap sees it: pure data, no policy.
//!
//! Doc comments here are the `--help` text, the man page and the completions, so they are written for
//! users. Values that have an environment variable or a config-file key stay `Option`s without clap
//! defaults: `config.rs` applies the precedence flag > environment > profile > default in one place.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum, ValueHint};

/// Command-line client for the sales funnels of the CoMagic / UIS / CallGear Data API v2.0.
#[derive(Debug, Parser)]
#[command(
    name = "funnels",
    version,
    about,
    help_expected = true,
    propagate_version = true,
    after_help = "Examples:\n  funnels list --user-id 12 --sort name:asc\n  funnels list --all -o json | jq -r '.[].name'\n  funnels list --all -o csv --out funnels.csv"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after any subcommand (SPEC §2). Each command's `--help` shows only
/// the ones that apply to it (`docs::command`). Environment values are never shown in help: an
/// endpoint may carry `user:pass@`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Profile of the config file to use [default: the config's `default_profile`].
    #[arg(long, global = true, env = "FUNNELS_PROFILE", hide_env_values = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Config file [default: $XDG_CONFIG_HOME/funnels/config.toml, else
    /// ~/.config/funnels/config.toml].
    #[arg(long, global = true, env = "FUNNELS_CONFIG", hide_env_values = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Platform whose API host is used [default: comagic].
    #[arg(long, global = true, env = "FUNNELS_PLATFORM", hide_env_values = true, value_enum, ignore_case = true)]
    pub platform: Option<Platform>,

    /// Full API URL, e.g. https://dataapi.uiscom.ru/v2.0 [default: the platform's URL]. https://
    /// only; http:// only for localhost.
    #[arg(long, global = true, env = "FUNNELS_ENDPOINT", hide_env_values = true, value_name = "URL")]
    pub endpoint: Option<String>,

    /// File holding the access token (trimmed) [env: FUNNELS_TOKEN_FILE, below FUNNELS_TOKEN]. The
    /// token itself may be given in FUNNELS_TOKEN; there is deliberately no flag for it.
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Read the access token from the first line of standard input.
    #[arg(long, global = true)]
    pub token_stdin: bool,

    /// Client user to act for (required for agent accounts), 1..=2^53 [env: FUNNELS_USER_ID]. One
    /// from the environment or the profile is not used by --all-users.
    #[arg(long, global = true, value_name = "ID", value_parser = ranged::<1, { 1 << 53 }>)]
    pub user_id: Option<u64>,

    /// Output format [default: table].
    #[arg(
        short,
        long,
        global = true,
        env = "FUNNELS_OUTPUT",
        hide_env_values = true,
        value_enum,
        ignore_case = true,
        value_name = "FORMAT"
    )]
    pub output: Option<Format>,

    /// Write the output to FILE atomically instead of standard output; - is standard output.
    #[arg(long, global = true, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Limit for one request in seconds, connect to last byte; 1..=3600 [default: 30] [env:
    /// FUNNELS_TIMEOUT].
    #[arg(long, global = true, value_name = "SECS", value_parser = ranged::<1, 3600>)]
    pub timeout: Option<u64>,

    /// Extra attempts for a transient failure; 0..=10 [default: 3] [env: FUNNELS_RETRIES].
    #[arg(long, global = true, value_name = "N", value_parser = ranged::<0, 10>)]
    pub retries: Option<u64>,

    /// Longest total wait for a quota window to reset; 0 = never wait; 0..=86400 [default: 120].
    #[arg(long, global = true, value_name = "SECS", value_parser = ranged::<0, 86_400>)]
    pub max_wait: Option<u64>,

    /// Never send table output through a pager. Otherwise a table taller than the terminal goes
    /// through FUNNELS_PAGER, else PAGER, else `less -FRX` when installed; either variable set but
    /// empty turns paging off too.
    #[arg(long, global = true)]
    pub no_pager: bool,

    /// When to use colour: auto (only on a terminal, never with NO_COLOR; CLICOLOR_FORCE forces it),
    /// always, never.
    #[arg(long, global = true, value_enum, ignore_case = true, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// One line per request on stderr; repeat (-vv) to show bodies too (secrets redacted).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// No notices or warnings on stderr, only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Print the JSON-RPC request(s) that would be sent for the first page and exit 0; needs no
    /// token, sends nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,
}

/// The commands of SPEC §1.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List sales funnels (get.sales_funnel).
    #[command(
        after_help = "Examples:\n  funnels list --user-id 12 --sort name:asc\n  funnels list --filter 'name ilike %sales%' --fields ext_id,name\n  funnels list --all -o json | jq -r '.[].name'\n  funnels list --all --explode -o csv --out stages.csv"
    )]
    List(ListArgs),

    /// Show one funnel and its stages.
    #[command(after_help = "Examples:\n  funnels show 1\n  funnels show 1 -o json")]
    Show(ShowArgs),

    /// Verify credentials and access; show the API points left.
    #[command(after_help = "Examples:\n  funnels check\n  funnels check -o json")]
    Check,

    /// List the client users of an agent account (get.customer_users).
    #[command(after_help = "Examples:\n  funnels users --all\n  funnels users --filter 'name ilike %shop%' -o json")]
    Users(UsersArgs),

    /// Open a session with login and password (login.user) and store its key.
    #[command(
        after_help = "Examples:\n  funnels login --login alice\n  printf '%s\\n' \"$PASS\" | funnels login --login alice --password-stdin"
    )]
    Login(LoginArgs),

    /// End the stored session (logout.user) and delete it.
    #[command(after_help = "Examples:\n  funnels logout")]
    Logout,

    /// List the profiles of the config file and which one is in use.
    #[command(after_help = "Examples:\n  funnels profiles\n  funnels profiles -o json")]
    Profiles,

    /// What changed in the funnels between two snapshots, or a snapshot and now.
    ///
    /// OLD and NEW are files written by `funnels list -o json` or `-o ndjson` (with or without
    /// --all-users), or - for standard input. Without NEW the live funnels are fetched as `list
    /// --all` would (with --filter, --user-id, --all-users...) and compared with OLD. Funnels are
    /// matched by (user_id,) ext_id, stages by stage_ext_id; one record per change: funnel_added,
    /// funnel_removed, funnel_renamed, stage_added, stage_removed, stage_renamed, stage_moved (its
    /// stage_order), stage_status_changed, with the old and the new value. Sorted by user_id,
    /// ext_id, stage_ext_id, then kind.
    #[command(
        after_help = "Examples:\n  funnels diff yesterday.json today.json\n  funnels diff funnels.json                           # against the live account\n  funnels diff -q --update --exit-code funnels.json   # from cron: each change once\n  funnels list --all -o ndjson | funnels diff funnels.ndjson - -o csv"
    )]
    Diff(DiffArgs),

    /// Print a completion script for SHELL.
    ///
    /// The script asks funnels itself on every TAB (so `funnels` must be on PATH): subcommands,
    /// options, formats, the fields of --fields (after a comma too), --sort keys with :asc/:desc,
    /// the fields of --filter and the profiles of the config file.
    #[command(
        after_help = "Examples:\n  funnels completions bash > ~/.local/share/bash-completion/completions/funnels\n  funnels completions zsh > ~/.zfunc/_funnels    # a folder on $fpath, before compinit\n  funnels completions fish > ~/.config/fish/completions/funnels.fish"
    )]
    Completions(CompletionsArgs),

    /// Print the man page (roff), or the page of one command.
    #[command(after_help = "Examples:\n  funnels man | man -l -\n  funnels man list > funnels-list.1")]
    Man(ManArgs),
}

/// Options shared by every paged listing (`list` and `users`). The fields, sort keys and examples
/// of each command are added to this help by `docs::command`, from the command's schema.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// A condition `FIELD OP [VALUE]`; repeatable, AND-ed.
    ///
    /// in and not_in take a comma-separated list; is_null and is_not_null take no value and are sent
    /// as = and != null, the form every platform documents. CallGear does not document ilike,
    /// not_like, not_ilike or not_in: with --platform callgear or a CallGear endpoint they are
    /// refused before any request.
    #[arg(long, value_name = "EXPR")]
    pub filter: Vec<String>,

    /// OR the --filter conditions instead of AND-ing them.
    #[arg(long, requires = "filter")]
    pub any: bool,

    /// A raw API filter object sent unchanged: JSON text, @FILE, or - for standard input.
    #[arg(long, value_name = "JSON|@FILE|-", conflicts_with_all = ["filter", "any"])]
    pub filter_json: Option<String>,

    /// Sort keys `FIELD[:asc|desc]`, comma-separated or repeated; priority in the order given.
    #[arg(long, value_name = "KEY[,KEY...]")]
    pub sort: Vec<String>,

    /// Comma-separated fields to request and print, in this order.
    #[arg(long, value_name = "LIST")]
    pub fields: Option<String>,

    /// At most N records in total (N >= 1), fetched over as many pages as needed.
    #[arg(long, value_name = "N", conflicts_with = "all", value_parser = ranged::<1, { u64::MAX }>)]
    pub limit: Option<u64>,

    /// Start at record N (0..=100000).
    #[arg(long, value_name = "N", value_parser = ranged::<0, 100_000>)]
    pub offset: Option<u64>,

    /// Records per request, 1..=10000 [default: 10000].
    #[arg(long, value_name = "N", value_parser = ranged::<1, 10_000>)]
    pub page_size: Option<u64>,

    /// Follow offsets until every record is fetched.
    #[arg(long)]
    pub all: bool,

    /// Print only the number of matching records (one request with limit 1).
    #[arg(long, conflicts_with_all = ["all", "limit", "stream"])]
    pub count: bool,

    /// No header row in table, csv and tsv output.
    #[arg(long)]
    pub no_header: bool,

    /// With ndjson, csv or tsv: write each page as it arrives, fetching the next one meanwhile (two pages in memory).
    #[arg(long)]
    pub stream: bool,

    /// With -o csv: a file for spreadsheets (a UTF-8 BOM first; a cell starting with = + - @, tab or
    /// CR gets a leading ').
    #[arg(long, conflicts_with = "count")]
    pub excel: bool,
}

/// `funnels list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub query: QueryArgs,

    /// One record per stage instead of one per funnel.
    #[arg(long)]
    pub explode: bool,

    /// Requests in flight at once (1-8), pages and with --all-users users, while the minute budget covers them.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub parallel: u8,

    /// Agent accounts: the funnels of every client user.
    #[arg(long)]
    pub all_users: bool,

    /// With --all-users: skip a failing user with a warning and exit 9 at the end.
    #[arg(long, requires = "all_users")]
    pub keep_going: bool,
}

/// `funnels diff`. The options of `list` that make no sense for a comparison are accepted here
/// (hidden) only to be refused with a message that says why (SPEC §4).
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier snapshot (`funnels list -o json` or `-o ndjson`), or - for standard input.
    #[arg(value_name = "OLD", value_hint = ValueHint::FilePath)]
    pub old: PathBuf,

    /// The later snapshot, or - for standard input [default: the live funnels, fetched now].
    #[arg(value_name = "NEW", value_hint = ValueHint::FilePath)]
    pub new: Option<PathBuf>,

    /// Exit 11 when there are changes (0 when there are none).
    #[arg(long)]
    pub exit_code: bool,

    /// Without NEW: after the diff is written, replace OLD with the live snapshot atomically, in
    /// OLD's format (a new file: ndjson when its name ends in .ndjson, else json); a missing OLD
    /// is created, reporting nothing.
    #[arg(long)]
    pub update: bool,

    /// A condition `FIELD OP [VALUE]` for the live funnels; repeatable, AND-ed.
    #[arg(long, value_name = "EXPR")]
    pub filter: Vec<String>,

    /// OR the --filter conditions instead of AND-ing them.
    #[arg(long, requires = "filter")]
    pub any: bool,

    /// A raw API filter object for the live funnels: JSON text, @FILE, or - for standard input.
    #[arg(long, value_name = "JSON|@FILE|-", conflicts_with_all = ["filter", "any"])]
    pub filter_json: Option<String>,

    /// Records per request, 1..=10000 [default: 10000].
    #[arg(long, value_name = "N", value_parser = ranged::<1, 10_000>)]
    pub page_size: Option<u64>,

    /// Requests in flight at once (1-8), pages and with --all-users users, while the minute budget covers them.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub parallel: u8,

    /// Agent accounts: the funnels of every client user (OLD must be a snapshot of list --all-users).
    #[arg(long)]
    pub all_users: bool,

    /// With -o csv: a file for spreadsheets (a UTF-8 BOM first; a cell starting with = + - @, tab or
    /// CR gets a leading ').
    #[arg(long)]
    pub excel: bool,

    /// Refused: a snapshot holds whole funnels.
    #[arg(long, hide = true, value_name = "LIST")]
    pub fields: Option<String>,

    /// Refused: changes are records of their own.
    #[arg(long, hide = true)]
    pub explode: bool,

    /// Refused: changes are known only once both snapshots are whole.
    #[arg(long, hide = true)]
    pub stream: bool,

    /// Refused: a part of the funnels would show the rest as removed.
    #[arg(long, hide = true, value_name = "N")]
    pub limit: Option<String>,

    /// Refused: a part of the funnels would show the rest as removed.
    #[arg(long, hide = true, value_name = "N")]
    pub offset: Option<String>,

    /// Refused: diff compares funnels, not their number.
    #[arg(long, hide = true)]
    pub count: bool,

    /// Refused: a skipped user's funnels would show as removed.
    #[arg(long, hide = true)]
    pub keep_going: bool,
}

/// `funnels users`.
#[derive(Debug, Args)]
pub struct UsersArgs {
    #[command(flatten)]
    pub query: QueryArgs,
}

/// `funnels show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The funnel's ext_id.
    #[arg(value_name = "EXT_ID")]
    pub ext_id: String,

    /// With -o csv: a file for spreadsheets (a UTF-8 BOM first; a cell starting with = + - @, tab or
    /// CR gets a leading ').
    #[arg(long)]
    pub excel: bool,
}

/// `funnels login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Login name [default: prompted on a terminal].
    #[arg(long, value_name = "NAME")]
    pub login: Option<String>,

    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

/// `funnels completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print a completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `funnels man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Print the page of this command (funnels-COMMAND.1) instead of funnels.1.
    #[arg(value_name = "COMMAND", value_parser = ["list", "show", "check", "users", "login", "logout", "profiles", "diff", "completions", "man"])]
    pub command: Option<String>,
}

/// A whole number in `LO..=HI` (SPEC §2 "Numbers"): the message names the range whatever is wrong
/// with the value, where clap's own parser would say only "number too large to fit in target type".
fn ranged<const LO: u64, const HI: u64>(text: &str) -> Result<u64, String> {
    let range =
        if HI == u64::MAX { format!("a whole number ≥ {LO}") } else { format!("a whole number in {LO}..={HI}") };
    text.trim().parse::<u64>().ok().filter(|n| (LO..=HI).contains(n)).ok_or(format!("expected {range}"))
}

/// The vendors running the Data API (API.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// dataapi.comagic.ru
    Comagic,
    /// dataapi.uiscom.ru
    Uis,
    /// dataapi.callgear.com
    Callgear,
}

/// Output formats (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A human-readable table.
    Table,
    /// One pretty-printed JSON array.
    Json,
    /// One compact JSON object per line.
    Ndjson,
    /// RFC 4180 comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
}

/// A config file's `platform` and `output` are read like the flags: in any case (`output = "JSON"`).
impl<'de> serde::Deserialize<'de> for Platform {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        value_enum_ignoring_case(de)
    }
}

impl<'de> serde::Deserialize<'de> for Format {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        value_enum_ignoring_case(de)
    }
}

/// One of `T`'s values, matched as clap matches `--output` and `--platform`; the error lists them.
fn value_enum_ignoring_case<'de, T: ValueEnum, D: serde::Deserializer<'de>>(de: D) -> Result<T, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(de)?;
    T::from_str(&text, true).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(ValueEnum::to_possible_value)
            .map(|v| format!("`{}`", v.get_name()))
            .collect();
        serde::de::Error::custom(format!("unknown value `{text}`, expected one of {}", names.join(", ")))
    })
}

/// The `--color` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour only on a terminal and never with NO_COLOR.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn config_values_are_read_in_any_case_and_a_bad_one_lists_the_valid_ones() {
        use super::{Format, Platform};
        assert_eq!(serde_json::from_str::<Format>("\"NdJson\"").unwrap(), Format::Ndjson);
        assert_eq!(serde_json::from_str::<Platform>("\"CallGear\"").unwrap(), Platform::Callgear);
        let err = serde_json::from_str::<Format>("\"xml\"").unwrap_err().to_string();
        assert!(
            err.starts_with("unknown value `xml`, expected one of `table`, `json`, `ndjson`, `csv`, `tsv`"),
            "{err}"
        );
    }

    #[test]
    fn ranged_numbers_name_their_range_whatever_is_wrong() {
        use super::ranged;
        assert_eq!(ranged::<1, 3600>("3600"), Ok(3600));
        assert_eq!(ranged::<1, 3600>(" 7 "), Ok(7));
        for bad in ["0", "3601", "-1", "9223372036854775808", "99999999999999999999999", "1.5", "", "x"] {
            assert_eq!(ranged::<1, 3600>(bad), Err("expected a whole number in 1..=3600".to_owned()), "{bad}");
        }
        assert_eq!(ranged::<1, { u64::MAX }>("0"), Err("expected a whole number ≥ 1".to_owned()));
        assert_eq!(ranged::<1, { u64::MAX }>("18446744073709551615"), Ok(u64::MAX));
    }
}
