//! Facts about the terminal `config` settles once: its size (with the fallbacks a terminal that
//! reports 0×0 needs) and the pager command (SPEC §2).

use std::path::Path;

/// The pager used when neither `FUNNELS_PAGER` nor `PAGER` is set, as git does.
pub(super) const DEFAULT_PAGER: &str = "less -FRX";

/// The size assumed for a terminal that reports none (`script`, some `docker exec -t`, serial
/// consoles report 0×0) and has no `COLUMNS`/`LINES` either: the classic VT100 screen.
const FALLBACK_SIZE: (u16, u16) = (80, 24);
/// The terminal's size behind standard output as (columns, rows). A terminal that reports 0 for
/// either (`script`, some `docker exec -t`, serial consoles) gets `COLUMNS` or `LINES` from the
/// environment instead, then 80×24: a table fitted to a width of 0 had one character per column.
pub(super) fn terminal_size(env: &dyn Fn(&str) -> Option<String>) -> (u16, u16) {
    #[cfg(unix)]
    let reported = rustix::termios::tcgetwinsize(std::io::stdout()).map_or((0, 0), |size| (size.ws_col, size.ws_row));
    #[cfg(not(unix))]
    let reported = (comfy_table::Table::new().width().unwrap_or(0), 0);
    size_or_fallback(reported, env)
}

/// `reported` with each 0 replaced by its variable (a whole number ≥ 1), else by [`FALLBACK_SIZE`].
pub(super) fn size_or_fallback((columns, rows): (u16, u16), env: &dyn Fn(&str) -> Option<String>) -> (u16, u16) {
    let pick = |reported: u16, var: &str, fallback: u16| match reported {
        0 => env(var).and_then(|v| v.trim().parse::<u16>().ok()).filter(|&n| n > 0).unwrap_or(fallback),
        n => n,
    };
    (pick(columns, "COLUMNS", FALLBACK_SIZE.0), pick(rows, "LINES", FALLBACK_SIZE.1))
}

/// The pager command (SPEC §2): `FUNNELS_PAGER`, else `PAGER`, else `less -FRX` when `less` is on
/// the `PATH`. The first variable that is set decides: set but empty (or blank), it turns paging
/// off, as git's `GIT_PAGER` and `PAGER` do.
pub(super) fn pager_command(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    for name in ["FUNNELS_PAGER", "PAGER"] {
        if let Some(value) = env(name) {
            let value = value.trim();
            return (!value.is_empty()).then(|| value.to_owned());
        }
    }
    let path = env("PATH")?;
    std::env::split_paths(&path).any(|dir| is_executable(&dir.join("less"))).then(|| DEFAULT_PAGER.to_owned())
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.with_extension("exe").is_file()
    }
}
