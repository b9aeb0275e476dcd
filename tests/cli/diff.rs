//! `funnels diff` end to end (SPEC §4 `diff`, issue 15): each change kind on crafted snapshot
//! pairs, `--all-users` snapshots, the live mode against the sandbox before and after `--mutate`,
//! `--update` and `--exit-code`, failures that must leave OLD alone, malformed snapshots, every
//! usage error, every format's bytes, and colour and the "no changes" notice on a terminal.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Value, json};

use crate::common::*;
use crate::sandbox::Sandbox;

/// Nothing listens here: a test that must make no request fails loudly if it makes one.
const NOWHERE: &str = "http://127.0.0.1:9/v2.0";

fn stage(id: &str, name: &str, status: &str, order: i64) -> Value {
    json!({"stage_ext_id": id, "stage_name": name, "stage_status": status, "stage_order": order})
}

/// Funnel `ext_id` named `name` with three stages a (1), b (2), c (success, 10010).
fn base(ext_id: &str, name: &str) -> Value {
    json!({"ext_id": ext_id, "name": name, "stages": [
        stage("a", "Новая", "in_process", 1),
        stage("b", "Звонок", "in_process", 2),
        stage("c", "Успех", "success", 10010),
    ]})
}

/// `records` as `list -o json` writes them.
fn json_snapshot(records: &[Value]) -> String {
    let mut text = serde_json::to_string_pretty(&Value::Array(records.to_vec())).unwrap();
    text.push('\n');
    text
}

/// `records` as `list -o ndjson` writes them.
fn ndjson_snapshot(records: &[Value]) -> String {
    records.iter().flat_map(|r| [r.to_string(), "\n".to_owned()]).collect()
}

/// A folder holding `old.json` and `new.json`.
fn pair(old: &[Value], new: &[Value]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("old.json"), dir.path().join("new.json"));
    fs::write(&a, json_snapshot(old)).unwrap();
    fs::write(&b, json_snapshot(new)).unwrap();
    (dir, a, b)
}

/// `funnels diff OLD NEW ARGS...`: exit code, stdout, stderr.
fn diff_files(old: &Path, new: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let (mut cmd, _home) = funnels(NOWHERE);
    let out = cmd.arg("diff").arg(old).arg(new).args(args).output().unwrap();
    let (stdout, stderr) = texts(&out);
    (out.status.code(), stdout, stderr)
}

/// The ndjson change records between two crafted snapshots, parsed.
fn changes(old: &[Value], new: &[Value]) -> Vec<Value> {
    let (_dir, a, b) = pair(old, new);
    let (code, stdout, stderr) = diff_files(&a, &b, &["-o", "ndjson"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
    stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

fn record(change: &str, ext_id: &str, stage: Option<&str>, old: Value, new: Value) -> Value {
    let mut record = json!({"change": change, "ext_id": ext_id, "stage_ext_id": stage});
    record["old"] = old;
    record["new"] = new;
    record
}

#[test]
fn each_change_kind_is_detected_and_nothing_else_is_reported() {
    let one = base("1", "Продажи");
    let edited = |edit: &dyn Fn(&mut Value)| {
        let mut funnel = one.clone();
        edit(&mut funnel);
        funnel
    };
    let cases: Vec<(&str, Vec<Value>, Vec<Value>, Value)> = vec![
        (
            "funnel_added",
            vec![one.clone()],
            vec![one.clone(), base("2", "Опт")],
            record("funnel_added", "2", None, Value::Null, json!("Опт")),
        ),
        (
            "funnel_removed",
            vec![one.clone(), base("2", "Опт")],
            vec![one.clone()],
            record("funnel_removed", "2", None, json!("Опт"), Value::Null),
        ),
        (
            "funnel_renamed",
            vec![one.clone()],
            vec![edited(&|f| f["name"] = json!("Продажи EU"))],
            record("funnel_renamed", "1", None, json!("Продажи"), json!("Продажи EU")),
        ),
        (
            "stage_added",
            vec![one.clone()],
            vec![edited(&|f| f["stages"].as_array_mut().unwrap().push(stage("d", "Счёт", "in_process", 3)))],
            record("stage_added", "1", Some("d"), Value::Null, json!("Счёт")),
        ),
        (
            "stage_removed",
            vec![one.clone()],
            vec![edited(&|f| {
                f["stages"].as_array_mut().unwrap().remove(1);
            })],
            record("stage_removed", "1", Some("b"), json!("Звонок"), Value::Null),
        ),
        (
            "stage_renamed",
            vec![one.clone()],
            vec![edited(&|f| f["stages"][0]["stage_name"] = json!("Заявка"))],
            record("stage_renamed", "1", Some("a"), json!("Новая"), json!("Заявка")),
        ),
        (
            "stage_moved",
            vec![one.clone()],
            vec![edited(&|f| f["stages"][1]["stage_order"] = json!(5))],
            record("stage_moved", "1", Some("b"), json!(2), json!(5)),
        ),
        (
            "stage_status_changed",
            vec![one.clone()],
            vec![edited(&|f| f["stages"][1]["stage_status"] = json!("failed"))],
            record("stage_status_changed", "1", Some("b"), json!("in_process"), json!("failed")),
        ),
    ];
    for (kind, old, new, expected) in cases {
        assert_eq!(changes(&old, &new), [expected], "{kind}");
    }
    // Identical snapshots, stages listed in another order, `null` against `[]`: nothing.
    let mut shuffled = one.clone();
    shuffled["stages"].as_array_mut().unwrap().reverse();
    assert_eq!(changes(std::slice::from_ref(&one), &[shuffled]), Vec::<Value>::new());
    let empty = json!({"ext_id": "9", "name": "x", "stages": []});
    let null = json!({"ext_id": "9", "name": "x", "stages": null});
    assert_eq!(changes(&[empty], &[null]), Vec::<Value>::new());
}

#[test]
fn an_added_or_removed_funnel_is_one_record_and_changes_come_in_spec_order() {
    let old = [base("10", "B"), base("9", "A"), base("2", "C")];
    let mut renamed = base("10", "B2");
    renamed["stages"][1]["stage_order"] = json!(7);
    renamed["stages"][1]["stage_name"] = json!("Встреча");
    let new = [base("1", "New"), renamed, base("9", "A")];
    let got: Vec<(String, String, Value)> = changes(&old, &new)
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap().to_owned(),
                c["ext_id"].as_str().unwrap().to_owned(),
                c["stage_ext_id"].clone(),
            )
        })
        .collect();
    let want = [
        ("funnel_added", "1", Value::Null),
        ("funnel_renamed", "10", Value::Null),
        ("stage_renamed", "10", json!("b")),
        ("stage_moved", "10", json!("b")),
        ("funnel_removed", "2", Value::Null),
    ];
    let want: Vec<(String, String, Value)> =
        want.into_iter().map(|(a, b, c)| (a.to_owned(), b.to_owned(), c)).collect();
    assert_eq!(got, want);
}

#[test]
fn all_users_snapshots_match_funnels_by_user_and_ext_id() {
    let of = |user: i64, funnel: Value| {
        let mut record = json!({"user_id": user});
        record.as_object_mut().unwrap().extend(funnel.as_object().unwrap().clone());
        record
    };
    // The same ext_id under two users is two funnels; user 12's "1" moves nowhere.
    let old = [of(12, base("1", "A")), of(13, base("1", "B"))];
    let new = [of(12, base("1", "A")), of(13, base("1", "B2")), of(14, base("1", "C"))];
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("old.ndjson"), dir.path().join("new.json"));
    fs::write(&a, ndjson_snapshot(&old)).unwrap();
    fs::write(&b, json_snapshot(&new)).unwrap();
    let (code, stdout, stderr) = diff_files(&a, &b, &["-o", "csv"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "change,user_id,ext_id,stage_ext_id,old,new\r\nfunnel_renamed,13,1,,B,B2\r\nfunnel_added,14,1,,,C\r\n"
    );
}

#[test]
fn exit_code_is_11_with_changes_and_0_without() {
    let (_dir, a, b) = pair(&[base("1", "A")], &[base("1", "B")]);
    let (code, stdout, _) = diff_files(&a, &b, &["--exit-code", "-o", "json"]);
    assert_eq!(code, Some(11));
    assert!(stdout.contains("\"funnel_renamed\""), "{stdout}");
    assert_eq!(diff_files(&a, &b, &[]).0, Some(0), "without --exit-code changes are success");
    let (code, stdout, stderr) = diff_files(&a, &a, &["--exit-code", "-o", "json"]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (Some(0), "[]\n", ""));
}

#[test]
fn a_snapshot_can_come_from_standard_input() {
    let (_dir, a, _) = pair(&[base("1", "A")], &[]);
    let (mut cmd, _home) = funnels(NOWHERE);
    cmd.args(["diff", "-", "-o", "tsv"]).arg(&a).write_stdin(ndjson_snapshot(&[base("1", "Z")]));
    cmd.assert().success().stdout("change\text_id\tstage_ext_id\told\tnew\nfunnel_renamed\t1\t\tZ\tA\n").stderr("");
}

/// One small change set in every format, byte for byte.
#[test]
fn every_format_writes_the_same_changes_exactly() {
    let mut new = base("1", "Продажи, \"VIP\"");
    new["stages"][0]["stage_order"] = json!(4);
    new["stages"][2]["stage_name"] = json!("=HYPERLINK()");
    let (_dir, a, b) = pair(&[base("1", "Продажи"), base("7", "Опт")], &[new, base("8", "Тендеры")]);
    let run = |args: &[&str]| {
        let (code, stdout, stderr) = diff_files(&a, &b, args);
        assert_eq!((code, stderr.as_str()), (Some(0), ""));
        stdout
    };
    insta::assert_snapshot!("diff_table", run(&[]));
    insta::assert_snapshot!("diff_json", run(&["-o", "json"]));
    insta::assert_snapshot!("diff_ndjson", run(&["-o", "ndjson"]));
    insta::assert_snapshot!("diff_csv", run(&["-o", "csv"]));
    insta::assert_snapshot!("diff_tsv", run(&["-o", "tsv"]));
    let excel = run(&["-o", "csv", "--excel"]);
    assert!(excel.starts_with('\u{feff}'), "{excel:?}");
    assert!(excel.contains(",'=HYPERLINK()\r\n"), "{excel:?}");
    // Nothing changed: csv and tsv still have their header, json is `[]`, the rest is empty.
    let same = |format: &str| diff_files(&a, &a, &["-o", format]).1;
    assert_eq!(same("csv"), "change,ext_id,stage_ext_id,old,new\r\n");
    assert_eq!(same("tsv"), "change\text_id\tstage_ext_id\told\tnew\n");
    assert_eq!(same("json"), "[]\n");
    assert_eq!(same("ndjson"), "");
    assert_eq!(same("table"), "");
}

#[test]
fn a_malformed_snapshot_is_exit_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    fs::write(&good, json_snapshot(&[base("1", "A")])).unwrap();
    let cases = [
        // A file cut short in the middle of its second funnel (line 17 of the pretty json).
        ("funnels.json", json_snapshot(&[base("1", "A"), base("2", "B")])[..600].to_owned(), "funnels.json:"),
        (
            "exploded.json",
            "[\n  {\"ext_id\": \"1\", \"name\": \"A\", \"stage_ext_id\": \"a\"}\n]\n".to_owned(),
            "exploded.json:2: funnel `1` has no `stages`",
        ),
        (
            "twice.ndjson",
            ndjson_snapshot(&[base("1", "A"), base("2", "B"), base("1", "C")]),
            "twice.ndjson:3: funnel `1` is listed twice",
        ),
        ("users.csv", "ext_id,name\n1,A\n".to_owned(), "users.csv:1: not a snapshot"),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(name);
        fs::write(&path, &text).unwrap();
        for (old, new) in [(&path, &good), (&good, &path)] {
            let (code, stdout, stderr) = diff_files(old, new, &[]);
            assert_eq!(code, Some(2), "{name}: {stderr}");
            assert_eq!(stdout, "");
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(stderr.starts_with("funnels: error: ") && stderr.contains(expected), "{name}: {stderr}");
            assert!(stderr.contains(&path.display().to_string()), "{stderr}");
        }
    }
    let cut = fs::read_to_string(dir.path().join("funnels.json")).unwrap();
    let line = cut.lines().count();
    let (_, _, stderr) = diff_files(&dir.path().join("funnels.json"), &good, &[]);
    assert!(stderr.contains(&format!("funnels.json:{line}: ")), "the line of the cut: {line}: {stderr}");
    // A missing snapshot and a directory are refused the same way.
    let (code, _, stderr) = diff_files(&dir.path().join("missing.json"), &good, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("missing.json"), "{stderr}");
    assert_eq!(diff_files(dir.path(), &good, &[]).0, Some(2));
}

#[test]
fn snapshots_of_different_shapes_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (each, one) = (dir.path().join("each.json"), dir.path().join("one.json"));
    fs::write(&each, ndjson_snapshot(&[json!({"user_id": 12, "ext_id": "1", "name": "A", "stages": []})])).unwrap();
    fs::write(&one, json_snapshot(&[base("1", "A")])).unwrap();
    let (code, stdout, stderr) = diff_files(&each, &one, &[]);
    assert_eq!((code, stdout.as_str()), (Some(2), ""));
    assert!(stderr.contains("each.json holds every user's funnels"), "{stderr}");
    // Against the live funnels: refused before any request.
    let mut server = mockito::Server::new();
    let none = server.mock("POST", "/v2.0").expect(0).create();
    let (code, _, stderr) = run(&endpoint(&server), &["diff", each.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--all-users"), "{stderr}");
    let (code, _, stderr) = run(&endpoint(&server), &["diff", one.to_str().unwrap(), "--all-users"]);
    assert_eq!(code, Some(2), "{stderr}");
    none.assert();
}

#[test]
fn every_usage_error_is_one_line_exit_2_before_any_request() {
    let mut server = mockito::Server::new();
    let none = server.mock("POST", "/v2.0").expect(0).create();
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    fs::write(&old, json_snapshot(&[base("1", "A")])).unwrap();
    let old = old.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--fields", "ext_id"], "--fields does not go with diff"),
        (&["--explode"], "--explode does not go with diff"),
        (&["--stream", "-o", "ndjson"], "--stream does not go with diff"),
        (&["--limit", "5"], "--limit does not go with diff"),
        (&["--offset", "5"], "--offset does not go with diff"),
        (&["--count"], "--count does not go with diff"),
        (&["--keep-going"], "--keep-going does not go with diff"),
        (&["--update", old], "--update replaces OLD with the live funnels; it does not go with NEW"),
        (&["--excel"], "--excel makes a csv file"),
        (&["--parallel", "9"], "--parallel must be 1..=8"),
        (&["--all-users", "--user-id", "12"], "does not go with --user-id"),
        (&["--filter", "nmae=x"], "did you mean `name`"),
        (&["--out", old], "is the snapshot OLD"),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = run(&endpoint(&server), &[&["diff", old][..], args].concat());
        assert_eq!((code, stdout.as_str()), (Some(2), ""), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().filter(|l| !l.starts_with("hint:")).count(), 1, "{args:?}: {stderr}");
    }
    let new = dir.path().join("new.json");
    fs::write(&new, json_snapshot(&[])).unwrap();
    let new = new.to_str().unwrap();
    for flag in [&["--filter", "name=x"][..], &["--filter-json", "{}"], &["--page-size", "10"], &["--all-users"]] {
        let (code, stdout, stderr) = run(&endpoint(&server), &[&["diff", old, new][..], flag].concat());
        assert_eq!((code, stdout.as_str()), (Some(2), ""), "{flag:?}: {stderr}");
        assert!(stderr.contains(&format!("{} applies to the live funnels", flag[0])), "{flag:?}: {stderr}");
    }
    let stdin_cases: &[(&[&str], &str)] = &[
        (&["diff", "-", "--update"], "it does not go with - (standard input)"),
        (&["diff", "-", "-"], "OLD and NEW cannot both be -"),
        (&["diff", "-", "--token-stdin"], "both want standard input"),
        (&["diff", "-", "--filter-json", "-"], "both want standard input"),
    ];
    for (args, expected) in stdin_cases {
        let (code, stdout, stderr) = run(&endpoint(&server), args);
        assert_eq!((code, stdout.as_str()), (Some(2), ""), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    none.assert();
}

/// `list --all -o FORMAT` from `sandbox` into `path`.
fn list_into(sandbox: &Sandbox, token: &str, args: &[&str], path: &Path) {
    let (mut cmd, _home) = sandbox.funnels(token);
    cmd.args(["list", "--all"]).args(args).arg("--out").arg(path).assert().success();
}

#[test]
fn the_live_mode_reports_the_sandbox_mutation_and_update_rolls_forward() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("funnels.json");
    let before = Sandbox::start(3);
    list_into(&before, "demo", &["-o", "json"], &old);
    drop(before);
    #[cfg(unix)]
    fs::set_permissions(&old, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();
    let original = fs::read(&old).unwrap();

    let after = Sandbox::start_with(&["--funnels", "3", "--mutate", "1"], Stdio::null());
    let (mut cmd, _home) = after.funnels("demo");
    cmd.args(["diff", "-o", "csv"]).arg(&old);
    cmd.assert().success().stderr("").stdout(
        "change,ext_id,stage_ext_id,old,new\r\n\
         funnel_renamed,1,,Воронка продаж №1,Воронка продаж №1 (v1)\r\n\
         stage_renamed,1,101,Новая заявка,Новая заявка (v1)\r\n\
         stage_moved,1,102,2,3\r\n\
         stage_moved,1,103,3,2\r\n\
         stage_status_changed,1,104,in_process,failed\r\n\
         stage_removed,1,106,Переговоры,\r\n\
         stage_added,1,199,,Повторный контакт\r\n\
         funnel_removed,2,,Main funnel 2,\r\n\
         funnel_added,4,,,\"Partner deals, \"\"VIP\"\" 4\"\r\n",
    );
    assert_eq!(fs::read(&old).unwrap(), original, "without --update OLD stays");

    // The cron line: each change once, then nothing.
    let cron = |expected: i32| {
        let (mut cmd, _home) = after.funnels("demo");
        let out = cmd.args(["diff", "-q", "--update", "--exit-code"]).arg(&old).output().unwrap();
        assert_eq!(out.status.code(), Some(expected), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty());
        String::from_utf8(out.stdout).unwrap()
    };
    let first = cron(11);
    assert_eq!(first.lines().count(), 10, "{first}");
    assert_eq!(cron(0), "");
    let listed = dir.path().join("listed.json");
    list_into(&after, "demo", &["-o", "json"], &listed);
    assert_eq!(fs::read(&old).unwrap(), fs::read(&listed).unwrap(), "OLD now holds what list --all writes");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&old).unwrap().permissions().mode() & 0o777, 0o640, "OLD keeps its mode");
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file is left behind");
}

#[test]
fn update_keeps_the_format_old_has_and_creates_a_missing_old_reporting_nothing() {
    let sandbox = Sandbox::start(3);
    let dir = tempfile::tempdir().unwrap();
    // A missing OLD: created (ndjson, by its name), nothing reported, exit 0 even with --exit-code.
    let fresh = dir.path().join("fresh.ndjson");
    let (mut cmd, _home) = sandbox.funnels("demo");
    cmd.args(["diff", "--update", "--exit-code", "-o", "json"]).arg(&fresh).assert().code(0).stdout("[]\n").stderr("");
    let listed = dir.path().join("listed.ndjson");
    list_into(&sandbox, "demo", &["-o", "ndjson"], &listed);
    assert_eq!(fs::read(&fresh).unwrap(), fs::read(&listed).unwrap());
    // An ndjson snapshot under a .json name stays ndjson; a renamed funnel is rolled forward.
    let odd = dir.path().join("odd.json");
    let mut text = fs::read_to_string(&listed).unwrap();
    text = text.replacen("Main funnel 2", "Old name", 1);
    fs::write(&odd, &text).unwrap();
    let (mut cmd, _home) = sandbox.funnels("demo");
    cmd.args(["diff", "--update", "-o", "tsv"])
        .arg(&odd)
        .assert()
        .success()
        .stdout("change\text_id\tstage_ext_id\told\tnew\nfunnel_renamed\t2\t\tOld name\tMain funnel 2\n");
    assert_eq!(fs::read(&odd).unwrap(), fs::read(&listed).unwrap());
}

#[test]
fn all_users_live_mode_compares_every_users_funnels() {
    let mut server = mockito::Server::new();
    let users = [json!({"id": 12}), json!({"id": 13})];
    let _users = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.customer_users"})))
        .with_body_from_request(reply(result(&users, 2)))
        .create();
    for (user, name) in [(12, "A"), (13, "B2")] {
        server
            .mock("POST", "/v2.0")
            .match_body(body_has(json!({"method": "get.sales_funnel", "params": {"user_id": user}})))
            .with_body_from_request(reply(result(&[base("1", name)], 1)))
            .create();
    }
    let of = |user: i64, name: &str| {
        let mut record = json!({"user_id": user});
        record.as_object_mut().unwrap().extend(base("1", name).as_object().unwrap().clone());
        record
    };
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("agency.ndjson");
    fs::write(&old, ndjson_snapshot(&[of(12, "A"), of(13, "B")])).unwrap();
    let (code, stdout, stderr) =
        run(&endpoint(&server), &["diff", "--all-users", "--update", "-o", "csv", old.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "change,user_id,ext_id,stage_ext_id,old,new\r\nfunnel_renamed,13,1,,B,B2\r\n");
    // Rolled forward in the shape of `list --all-users -o ndjson`.
    let text = fs::read_to_string(&old).unwrap();
    let written: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(written, [of(12, "A"), of(13, "B2")]);
    assert!(text.starts_with("{\"user_id\":12,\"ext_id\":\"1\","), "{text}");
}

#[test]
fn a_failed_live_fetch_prints_nothing_and_leaves_old_byte_identical() {
    let mut server = mockito::Server::new();
    let _fail = server.mock("POST", "/v2.0").with_status(503).with_body("busy").create();
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("funnels.json");
    fs::write(&old, json_snapshot(&[base("1", "A")])).unwrap();
    let original = fs::read(&old).unwrap();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["diff", "--update", "--exit-code", "--retries", "0"]).arg(&old).output().unwrap();
    assert_eq!(out.status.code(), Some(7));
    assert!(out.stdout.is_empty());
    assert_eq!(fs::read(&old).unwrap(), original);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left behind");
}

#[test]
fn an_incomplete_live_fetch_is_exit_9_with_no_diff_and_no_update() {
    let (server, mocks) = offset_ceiling_server();
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("funnels.ndjson");
    fs::write(&old, ndjson_snapshot(&[base("1", "A")])).unwrap();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["diff", "--update"]).arg(&old).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(9), "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("only 110000 of 123456 funnels are reachable"), "{stderr}");
    assert_eq!(fs::read_to_string(&old).unwrap(), ndjson_snapshot(&[base("1", "A")]));
    for mock in mocks {
        mock.assert();
    }
}

/// Runs `line` under a pseudo-terminal (util-linux `script`) with `$FUNNELS` the binary; returns
/// what the terminal received.
#[cfg(unix)]
fn on_a_terminal(extra_env: &[(&str, &str)], line: &str) -> String {
    let (cmd, _home) = std_funnels(NOWHERE);
    let mut script = std::process::Command::new("script");
    script.env_clear();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            script.env(key, value);
        }
    }
    script.envs(extra_env.iter().copied()).env("FUNNELS", cmd.get_program()).env("TERM", "xterm");
    let out = script.args(["-qec", line, "/dev/null"]).stdin(Stdio::null()).output().expect("util-linux script");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stdout).unwrap()
}

#[cfg(unix)]
#[test]
fn a_terminal_gets_colour_and_the_no_changes_notice() {
    let (_dir, a, b) = pair(&[base("1", "Old")], &[base("1", "New"), base("2", "Added")]);
    let (a, b) = (a.display(), b.display());
    let screen = on_a_terminal(&[], &format!("\"$FUNNELS\" diff --no-pager '{a}' '{b}'"));
    assert!(screen.contains("\x1b[31mOld\x1b[0m → \x1b[32mNew\x1b[0m"), "{screen:?}");
    assert!(screen.contains("\x1b[32mfunnel_added\x1b[0m"), "{screen:?}");
    let plain = on_a_terminal(&[("NO_COLOR", "1")], &format!("\"$FUNNELS\" diff --no-pager '{a}' '{b}'"));
    assert!(!plain.contains('\x1b') && plain.contains("Old → New"), "{plain:?}");
    let piped = on_a_terminal(&[], &format!("\"$FUNNELS\" diff '{a}' '{b}' | cat"));
    assert!(!piped.contains('\x1b'), "no colour into a pipe: {piped:?}");
    // No changes: a notice on the terminal, none with -q, none when stderr is not a terminal.
    let same = on_a_terminal(&[], &format!("\"$FUNNELS\" diff '{a}' '{a}'"));
    assert_eq!(same.replace("\r\n", "\n"), "funnels: no changes\n");
    assert_eq!(on_a_terminal(&[], &format!("\"$FUNNELS\" diff -q '{a}' '{a}'")), "");
    assert_eq!(on_a_terminal(&[], &format!("\"$FUNNELS\" diff '{a}' '{a}' 2>/dev/null")), "");
}

#[test]
fn tab_completes_the_snapshot_paths_as_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["funnels.json", "funnels.ndjson", "other.txt"] {
        fs::write(dir.path().join(name), "").unwrap();
    }
    // What the registration in completions/funnels.bash runs on TAB (clap_complete's protocol).
    let complete = |words: &[&str]| {
        let (mut cmd, _home) = std_funnels(NOWHERE);
        let index = (words.len() - 1).to_string();
        let out = cmd
            .current_dir(dir.path())
            .envs([("FUNNELS_COMPLETE", "bash"), ("_CLAP_COMPLETE_INDEX", &index), ("_CLAP_COMPLETE_COMP_TYPE", "9")])
            .env("_CLAP_COMPLETE_SPACE", "false")
            .arg("--")
            .args(words)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect::<Vec<_>>()
    };
    assert_eq!(complete(&["funnels", "diff", "fun"]), ["funnels.json", "funnels.ndjson"]);
    assert_eq!(complete(&["funnels", "diff", "funnels.json", "funnels.nd"]), ["funnels.ndjson"]);
}

#[test]
fn the_readme_example_is_what_the_sandbox_prints() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme.split("\n## ").find(|s| s.starts_with("Watching for changes")).expect("the README section");
    let block = |fence: &str, nth: usize| -> String {
        section.split(fence).nth(nth).expect("the block").split("```").next().unwrap().to_owned()
    };
    let commands = block("```sh\n", 2);
    let lines: Vec<&str> = commands.lines().collect();
    assert_eq!(lines.len(), 2, "{commands}");
    assert!(lines[1].contains("--mutate 1"), "{commands}");
    let bin = Path::new(env!("CARGO_BIN_EXE_funnels")).parent().unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut stdout = String::new();
    for line in lines {
        let line = line.replace("target/debug/", &format!("{}/", bin.display()));
        let out = std::process::Command::new("sh")
            .args(["-c", &line])
            .current_dir(work.path())
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", work.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{line}: {}", String::from_utf8_lossy(&out.stderr));
        stdout = String::from_utf8(out.stdout).unwrap();
    }
    assert_eq!(stdout, block("```text\n", 1));
}

#[cfg(unix)]
#[test]
fn a_diff_taller_than_the_screen_goes_through_the_pager() {
    let old: Vec<Value> = (1..=12).map(|i| base(&i.to_string(), "Old")).collect();
    let new: Vec<Value> = (1..=12).map(|i| base(&i.to_string(), "New")).collect();
    let (dir, a, b) = pair(&old, &new);
    let paged = dir.path().join("paged");
    let command = format!("cat > '{}'", paged.display());
    let line = format!("stty rows 10 cols 100; \"$FUNNELS\" diff --color never '{}' '{}'", a.display(), b.display());
    assert_eq!(on_a_terminal(&[("FUNNELS_PAGER", &command)], &line), "", "the table went to the pager");
    let text = fs::read_to_string(&paged).expect("the pager ran");
    assert_eq!(text.lines().count(), 13, "{text}");
    assert!(text.lines().all(|l| l.starts_with("change") || l.contains("Old → New")), "{text}");
    // One that fits is shown as it is.
    fs::remove_file(&paged).unwrap();
    let line = format!("stty rows 40 cols 100; \"$FUNNELS\" diff --color never '{}' '{}'", a.display(), b.display());
    assert!(on_a_terminal(&[("FUNNELS_PAGER", &command)], &line).contains("Old → New"));
    assert!(!paged.exists());
}

#[cfg(unix)]
#[test]
fn the_first_update_on_a_terminal_says_it_created_the_snapshot() {
    let sandbox = Sandbox::start(3);
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("funnels.json");
    let env = [("FUNNELS_ENDPOINT", sandbox.endpoint.as_str()), ("FUNNELS_TOKEN", "demo")];
    let line = format!("\"$FUNNELS\" diff --update '{}'", old.display());
    let screen = on_a_terminal(&env, &line);
    assert_eq!(screen.replace("\r\n", "\n"), format!("funnels: created {} with 3 funnels\n", old.display()));
    // The second run finds nothing new.
    assert_eq!(on_a_terminal(&env, &line).replace("\r\n", "\n"), "funnels: no changes\n");
    assert!(fs::read_to_string(&old).unwrap().starts_with("[\n  {\n    \"ext_id\": \"1\""));
}
