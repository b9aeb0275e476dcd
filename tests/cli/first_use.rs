//! The first ten minutes (issue 12, SPEC §3–§5, §8, §9): `check` with an agent token, the profile
//! and config file it shows and its one JSON object; `profiles`; the `--explode`/`--count` rules;
//! `--excel`; the hints for a wrong endpoint path and a misspelt config key; the README's recipes.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::*;
use crate::sandbox::Sandbox;

/// Writes `text` as the default config file under `home` (`~/.config/funnels/config.toml`).
fn default_config(home: &Path, text: &str) -> PathBuf {
    let dir = home.join(".config").join("funnels");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    // A config file holding a token and readable by others gets a warning; these are private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// Two profiles, as the SPEC's example; `default_profile` only when asked for.
fn two_profiles(default: Option<&str>) -> String {
    let default = default.map(|name| format!("default_profile = \"{name}\"\n\n")).unwrap_or_default();
    format!(
        "{default}[profiles.uis]\nplatform = \"uis\"\nuser_id = 12\ntoken_file = \"~/.config/funnels/uis.token\"\n\n\
         [profiles.cg]\nplatform = \"callgear\"\ntoken = \"cg-secret-token-77\"\npage_size = 5000\n"
    )
}

/// A server that must not be asked anything.
fn silent_server() -> (mockito::ServerGuard, mockito::Mock) {
    let mut server = mockito::Server::new();
    let mock = server.mock("POST", mockito::Matcher::Any).expect(0).create();
    (server, mock)
}

#[test]
fn check_with_an_agent_token_and_no_user_id_exits_0_naming_its_client_users() {
    let sandbox = Sandbox::start(10);
    let (mut cmd, _home) = sandbox.funnels("demo-agent");
    let out = cmd.arg("check").output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
    assert!(
        stdout.contains(
            "\nuser id   -\naccount   agent account, 4 client users; pick one with --user-id (funnels users lists them)\nfunnels   -\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("\ntoday     3499 of 3500 points left"), "the windows of the last answer: {stdout}");

    let (mut cmd, _home) = sandbox.funnels("demo-agent");
    let out = cmd.args(["check", "-o", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&report["account"], &report["client_users"], &report["funnels"], &report["user_id"]),
        (&json!("agent"), &json!(4), &Value::Null, &Value::Null)
    );

    // Acting for a client user: its funnels, and the account kind is not claimed.
    let (mut cmd, _home) = sandbox.funnels("demo-agent");
    let out = cmd.args(["check", "-o", "json", "--user-id", "12"]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&report["account"], &report["client_users"], &report["funnels"], &report["user_id"]),
        (&Value::Null, &Value::Null, &json!(10), &json!(12))
    );
    let (mut cmd, _home) = sandbox.funnels("demo");
    let out = cmd.args(["check", "-o", "json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((&report["account"], &report["funnels"]), (&json!("client"), &json!(10)));
}

#[test]
fn check_asks_for_one_client_user_and_fails_with_that_calls_error() {
    let mut server = mockito::Server::new();
    let missed = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.sales_funnel"})))
        .with_body_from_request(api_error(-32602, "required_parameter_missed", &json!({"field": "user_id"})))
        .expect(2)
        .create();
    let users = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.customer_users", "params": {"limit": 1, "offset": 0}})))
        .with_body_from_request(api_error(-32003, "ip_not_whitelisted", &json!({})))
        .expect(1)
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.arg("check").output().unwrap();
    let stderr = texts(&out).1;
    assert_eq!((out.status.code(), texts(&out).0.as_str()), (Some(5), ""), "{stderr}");
    assert!(stderr.contains("hint: add this machine's IP to the account's API whitelist"), "{stderr}");

    // With a user id the same answer is the error it is.
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["check", "--user-id", "77"]).output().unwrap();
    let stderr = texts(&out).1;
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    assert!(stderr.contains("hint: user id 77 may be wrong"), "{stderr}");
    missed.assert();
    users.assert();
}

#[test]
fn check_for_a_client_user_names_the_clients_whitelist() {
    let mut server = mockito::Server::new();
    let _m = server
        .mock("POST", "/v2.0")
        .with_body_from_request(api_error(-32003, "ip_not_whitelisted", &json!({})))
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["check", "--user-id", "12"]).output().unwrap();
    let stderr = texts(&out).1;
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains(
            "hint: add this machine's IP to the API whitelist of the client's account (user 12), not the agent's"
        ),
        "{stderr}"
    );
}

#[test]
fn check_shows_the_profile_in_use_why_and_the_config_file() {
    let mut server = mockito::Server::new();
    let _m = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[json!({"ext_id": "1"})], 3))).create();
    let (mut cmd, home) = funnels(&endpoint(&server));
    let config = default_config(home.path(), &two_profiles(Some("uis")));
    let out = cmd.arg("check").output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout
            .starts_with(&format!("profile   uis (default_profile)\nconfig    {}\nplatform  uis\n", config.display())),
        "{stdout}"
    );

    let run_json = |profile: Option<(&str, &str)>| {
        let (mut cmd, _h) = funnels(&endpoint(&server));
        cmd.env("HOME", home.path()).args(["check", "-o", "json"]);
        if let Some((key, value)) = profile {
            if key == "--profile" {
                cmd.args([key, value]);
            } else {
                cmd.env(key, value);
            }
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
        (serde_json::from_slice::<Value>(&out.stdout).unwrap(), texts(&out).0)
    };
    let (report, text) = run_json(None);
    // SPEC §4's keys, in its order (the parsed object sorts them: look at the text).
    let mut keys: Vec<(usize, &str)> = report
        .as_object()
        .unwrap()
        .keys()
        .map(|key| (text.find(&format!("\n  \"{key}\": ")).expect(key), key.as_str()))
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys.into_iter().map(|(_, key)| key).collect::<Vec<_>>(),
        [
            "profile",
            "config",
            "platform",
            "endpoint",
            "token_source",
            "user_id",
            "account",
            "funnels",
            "client_users",
            "windows"
        ]
    );
    assert_eq!(
        (&report["profile"], &report["config"], &report["user_id"]),
        (&json!("uis"), &json!(config.display().to_string()), &json!(12))
    );
    assert_eq!(run_json(Some(("FUNNELS_PROFILE", "cg"))).0["platform"], "callgear");

    let (mut cmd, _h) = funnels(&endpoint(&server));
    let out =
        cmd.env("HOME", home.path()).env("FUNNELS_PROFILE", "uis").args(["check", "--profile", "cg"]).output().unwrap();
    assert!(texts(&out).0.starts_with("profile   cg (--profile)\n"), "{}", texts(&out).0);
    let (mut cmd, _h) = funnels(&endpoint(&server));
    let out = cmd.env("HOME", home.path()).env("FUNNELS_PROFILE", "cg").arg("check").output().unwrap();
    assert!(texts(&out).0.starts_with("profile   cg (FUNNELS_PROFILE)\n"), "{}", texts(&out).0);

    // No config file at all.
    let (mut cmd, _h) = funnels(&endpoint(&server));
    let out = cmd.arg("check").output().unwrap();
    assert!(texts(&out).0.starts_with("profile   none\nconfig    none\n"), "{}", texts(&out).0);
    let (mut cmd, _h) = funnels(&endpoint(&server));
    let report: Value = serde_json::from_slice(&cmd.args(["check", "-o", "json"]).output().unwrap().stdout).unwrap();
    assert_eq!((&report["profile"], &report["config"]), (&Value::Null, &Value::Null));
}

#[test]
fn profiles_lists_a_two_profile_config_and_marks_the_one_in_use() {
    let (server, mock) = silent_server();
    let (mut cmd, home) = funnels(&endpoint(&server));
    let config = default_config(home.path(), &two_profiles(Some("uis")));
    let token_file = home.path().join(".config/funnels/uis.token");
    // No token anywhere: profiles needs none.
    let out = cmd.env_remove("FUNNELS_TOKEN").arg("profiles").output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!((out.status.code(), stderr.as_str()), (Some(0), ""), "{stderr}");
    assert_eq!(
        stdout,
        format!(
            "config: {}\n   \
             NAME  PLATFORM  ENDPOINT                           USER ID  TOKEN\n   \
             cg    callgear  https://dataapi.callgear.com/v2.0  -        config file (`token`)\n\
             *  uis   uis       https://dataapi.uiscom.ru/v2.0     12       {}\n\
             in use: uis (default_profile)\n",
            config.display(),
            token_file.display()
        )
    );
    assert!(!stdout.contains("cg-secret-token-77"));

    let run = |args: &[&str], env: &[(&str, &str)]| {
        let (mut cmd, _h) = funnels(&endpoint(&server));
        cmd.env("HOME", home.path()).env_remove("FUNNELS_TOKEN").envs(env.iter().copied()).args(args);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", texts(&out).1);
        texts(&out).0
    };
    let report: Value = serde_json::from_str(&run(&["profiles", "-o", "json"], &[("FUNNELS_PROFILE", "cg")])).unwrap();
    assert_eq!(
        report,
        json!({
            "config": config.display().to_string(),
            "config_found": true,
            "in_use": "cg",
            "chosen_by": "FUNNELS_PROFILE",
            "profiles": [
                {"name": "cg", "platform": "callgear", "endpoint": "https://dataapi.callgear.com/v2.0",
                 "user_id": null, "token_source": "config file (`token`)", "in_use": true},
                {"name": "uis", "platform": "uis", "endpoint": "https://dataapi.uiscom.ru/v2.0",
                 "user_id": 12, "token_source": token_file.display().to_string(), "in_use": false},
            ]
        })
    );
    assert!(run(&["profiles", "--profile", "cg"], &[]).ends_with("\nin use: cg (--profile)\n"));
    // An empty FUNNELS_PROFILE is an unset one.
    assert!(run(&["profiles"], &[("FUNNELS_PROFILE", "")]).ends_with("\nin use: uis (default_profile)\n"));
    // A profile asked for that the file lacks is said, not fatal here.
    assert!(
        run(&["profiles"], &[("FUNNELS_PROFILE", "uiss")])
            .ends_with("\nin use: none; `uiss` (from FUNNELS_PROFILE) is not a profile of this file\n")
    );
    std::fs::write(&config, two_profiles(None)).unwrap();
    let text = run(&["profiles"], &[]);
    assert!(
        text.ends_with("\nin use: none (pick one with --profile NAME, FUNNELS_PROFILE or default_profile)\n"),
        "{text}"
    );
    assert!(!text.contains("\n*"), "{text}");
    mock.assert();
}

#[test]
fn profiles_show_neither_tokens_nor_endpoint_credentials() {
    let (server, mock) = silent_server();
    let (_, home) = funnels(&endpoint(&server));
    default_config(
        home.path(),
        "[profiles.p]\nendpoint = \"https://robot:pa55-word-x@dataapi.uiscom.ru/v2.0\"\ntoken = \"cg-secret-token-77\"\n",
    );
    for format in ["table", "json"] {
        let (mut cmd, _h) = funnels(&endpoint(&server));
        let out = cmd.env("HOME", home.path()).args(["profiles", "-o", format]).output().unwrap();
        let (stdout, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(stdout.contains("https://***@dataapi.uiscom.ru/v2.0"), "{format}: {stdout}");
        for secret in ["pa55", "robot", "cg-secret-token-77"] {
            assert!(!stdout.contains(secret) && !stderr.contains(secret), "{format}: {secret} in {stdout}");
        }
    }
    mock.assert();
}

#[test]
fn profiles_never_writes_over_the_config_or_a_token_file() {
    let (server, mock) = silent_server();
    let (_, home) = funnels(&endpoint(&server));
    let config = default_config(home.path(), &two_profiles(Some("uis")));
    let token_file = home.path().join(".config/funnels/uis.token");
    std::fs::write(&token_file, "uis-token-value-1").unwrap();
    for target in [&config, &token_file] {
        let before = std::fs::read(target).unwrap();
        let (mut cmd, _h) = funnels(&endpoint(&server));
        let out = cmd.env("HOME", home.path()).args(["profiles", "--out"]).arg(target).output().unwrap();
        let stderr = texts(&out).1;
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("writing there would destroy it"), "{stderr}");
        assert_eq!(std::fs::read(target).unwrap(), before);
    }
    mock.assert();
}

#[test]
fn profiles_without_a_config_file_says_where_one_would_be_read_from() {
    let (server, mock) = silent_server();
    let (mut cmd, home) = funnels(&endpoint(&server));
    let out = cmd.env_remove("FUNNELS_TOKEN").arg("profiles").output().unwrap();
    let would_be = home.path().join(".config/funnels/config.toml");
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    assert_eq!(
        texts(&out).0,
        format!(
            "no config file; one would be read from {} (or the file named by --config or FUNNELS_CONFIG)\n",
            would_be.display()
        )
    );
    let (mut cmd, _h) = funnels(&endpoint(&server));
    let out = cmd.env("HOME", home.path()).args(["profiles", "-o", "json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report,
        json!({"config": would_be.display().to_string(), "config_found": false, "in_use": null, "chosen_by": null, "profiles": []})
    );
    // A file named on purpose that is missing is the config error it always was.
    let (mut cmd, _h) = funnels(&endpoint(&server));
    let out = cmd.args(["profiles", "--config"]).arg(home.path().join("nope.toml")).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", texts(&out).1);
    mock.assert();
}

#[test]
fn no_token_with_profiles_but_none_chosen_says_so_and_lists_them() {
    let (server, mock) = silent_server();
    let (mut cmd, home) = funnels(&endpoint(&server));
    let config = default_config(home.path(), &two_profiles(None));
    let out = cmd.env_remove("FUNNELS_TOKEN").arg("list").output().unwrap();
    let stderr = texts(&out).1;
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "funnels: error: no access token, and no profile chosen: the config file {} has profiles `cg`, `uis` but no default_profile\n\
             hint: pick one with --profile NAME or FUNNELS_PROFILE, or set default_profile in the config file\n",
            config.display()
        )
    );
    // A token from elsewhere needs no profile; no config file keeps the plain message.
    let (mut cmd, _h) = funnels(&endpoint(&server));
    let out = cmd.env("HOME", home.path()).env_remove("FUNNELS_TOKEN").args(["check", "--dry-run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let (mut cmd, _h) = funnels(&endpoint(&server));
    let out = cmd.env_remove("FUNNELS_TOKEN").arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(texts(&out).1.starts_with("funnels: error: no access token: set FUNNELS_TOKEN"), "{}", texts(&out).1);
    mock.assert();
}

#[test]
fn explode_without_stages_or_with_count_is_a_usage_error_before_any_request() {
    let (server, mock) = silent_server();
    for (args, message) in [
        (&["list", "--explode", "--fields", "ext_id,name"][..], "--fields ext_id,name leaves out `stages`"),
        (&["list", "--explode", "--fields", "name", "--dry-run"], "--fields name leaves out `stages`"),
        (&["list", "--explode", "--count"], "--explode does not go with --count"),
        (&["list", "--explode", "--count", "--all-users"], "--explode does not go with --count"),
    ] {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.args(args).output().unwrap();
        let (stdout, stderr) = texts(&out);
        assert_eq!((out.status.code(), stdout.as_str()), (Some(2), ""), "{args:?}: {stderr}");
        assert!(stderr.starts_with("funnels: error: ") && stderr.contains(message), "{args:?}: {stderr}");
    }
    mock.assert();
}

#[test]
fn excel_csv_starts_with_a_bom_and_defuses_formula_cells() {
    let risky = json!({"ext_id": "+1", "name": "=HYPERLINK(\"http://x\")", "stages": [
        {"stage_ext_id": "@a", "stage_name": "-Новая", "stage_status": "in_process", "stage_order": 1}]});
    let mut server = mockito::Server::new();
    let _m =
        server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[risky], 1))).expect_at_least(3).create();
    let run = |args: &[&str]| {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", texts(&out).1);
        out.stdout
    };
    let header = "ext_id,name,stage_ext_id,stage_name,stage_status,stage_order\r\n";
    let excel = format!("\u{feff}{header}'+1,\"'=HYPERLINK(\"\"http://x\"\")\",'@a,'-Новая,in_process,1\r\n");
    assert_eq!(String::from_utf8(run(&["list", "-o", "csv", "--excel"])).unwrap(), excel);
    assert_eq!(String::from_utf8(run(&["show", "+1", "-o", "csv", "--excel"])).unwrap(), excel);
    // Without --excel: byte-exact as always.
    let plain = format!("{header}+1,\"=HYPERLINK(\"\"http://x\"\")\",@a,-Новая,in_process,1\r\n");
    assert_eq!(String::from_utf8(run(&["list", "-o", "csv"])).unwrap(), plain);

    let mut server = mockito::Server::new();
    let user = json!({"id": 12, "login": "+79001234567", "name": "Иван", "description": null, "customer_id": 3});
    let _m = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[user], 1))).create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["users", "-o", "csv", "--excel", "--no-header"]).output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "\u{feff}12,'+79001234567,Иван,,3\r\n");
}

#[test]
fn excel_with_another_format_is_a_usage_error_before_any_request() {
    let (server, mock) = silent_server();
    for args in [
        &["list", "--excel"][..],
        &["list", "--excel", "-o", "tsv"],
        &["list", "--excel", "-o", "json", "--dry-run"],
        &["users", "--excel", "-o", "ndjson"],
        &["show", "1", "--excel", "-o", "json"],
    ] {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.args(args).output().unwrap();
        let stderr = texts(&out).1;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("--excel makes a csv file for spreadsheets; it works with -o csv only"), "{stderr}");
    }
    // --count prints a bare number: --excel would do nothing there.
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "--count", "--excel", "-o", "csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = texts(&out).1;
    assert!(
        stderr.contains("cannot be used with") && stderr.contains("--excel") && stderr.contains("--count"),
        "{stderr}"
    );
    mock.assert();
}

#[test]
fn a_wrong_endpoint_path_gets_a_hint_at_the_endpoint_shape() {
    let sandbox = Sandbox::start(10);
    let base = sandbox.endpoint.trim_end_matches("/v2.0").to_owned();
    for wrong in [format!("{base}/v2.0/"), base.clone(), format!("{base}/")] {
        let (mut cmd, _home) = sandbox.funnels("demo");
        let out = cmd.env("FUNNELS_ENDPOINT", &wrong).args(["list", "--retries", "0"]).output().unwrap();
        let stderr = texts(&out).1;
        assert_eq!(out.status.code(), Some(7), "{wrong}: {stderr}");
        assert!(stderr.starts_with(&format!("funnels: error: no Data API at {wrong}: HTTP 404 Not Found")), "{stderr}");
        assert!(
            stderr.ends_with(&format!(
                "\nhint: the endpoint is the API's URL itself, `https://HOST/v2.0`, nothing after it: try {base}/v2.0\n"
            )),
            "{stderr}"
        );
    }
}

#[test]
fn an_unknown_config_key_gets_did_you_mean_with_its_line_and_file() {
    let (server, mock) = silent_server();
    let (mut cmd, home) = funnels(&endpoint(&server));
    let config = default_config(home.path(), "default_profile = \"a\"\n\n[profiles.a]\nplatfrom = \"uis\"\n");
    let out = cmd.arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        texts(&out).1,
        format!(
            "funnels: error: bad config file {} line 4 (`platfrom`): unknown field `platfrom`; did you mean `platform`?\n",
            config.display()
        )
    );
    mock.assert();
}

/// The commands of the README's "Recipes" block.
fn readme_recipes() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme.split_once("\n## Recipes\n").expect("a Recipes section").1;
    let block = section.split_once("```sh\n").expect("an sh block").1.split_once("```").unwrap().0;
    block.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect()
}

#[test]
fn every_readme_recipe_prints_something_useful() {
    let recipes = readme_recipes();
    assert!(recipes.len() >= 4, "{recipes:?}");
    let sandbox = Sandbox::start(300);
    let work = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_funnels")).parent().unwrap().to_owned();
    let home = tempfile::tempdir().unwrap();
    for recipe in recipes {
        let token = if recipe.contains("--all-users") { "demo-agent" } else { "demo" };
        let out = std::process::Command::new("sh")
            .args(["-c", &recipe])
            .env_clear()
            .env("PATH", format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()))
            .env("HOME", home.path())
            .env("FUNNELS_ENDPOINT", &sandbox.endpoint)
            .env("FUNNELS_TOKEN", token)
            .current_dir(work.path())
            .output()
            .unwrap();
        let (stdout, stderr) = texts(&out);
        let written =
            recipe.split_once("--out ").map(|(_, file)| std::fs::read(work.path().join(file.trim())).unwrap());
        let produced = written.map_or(stdout.clone(), |bytes| String::from_utf8_lossy(&bytes).into_owned());
        // A pipeline's status is its last command's: funnels' own failure shows on stderr. The
        // sandbox's user 99 fails, which --keep-going skips, saying so.
        assert_eq!(out.status.code(), Some(0), "{recipe}: {stderr}");
        if recipe.contains("--keep-going") {
            assert!(stderr.starts_with("funnels: error: skipped 1 of 4 users (99)"), "{recipe}: {stderr}");
        } else {
            assert_eq!(stderr, "", "{recipe}");
        }
        assert!(produced.lines().count() >= 3, "{recipe} printed too little: {produced}");
        if recipe.contains("uniq -c") {
            // A count of pairs that are unique anyway is no count: some must be above 1.
            let counts: Vec<u64> = produced
                .lines()
                .map(|l| l.split_whitespace().next().and_then(|n| n.parse().ok()).expect("a count"))
                .collect();
            assert!(counts.iter().any(|&n| n > 1), "{recipe} counts nothing: {produced}");
        }
    }
}
