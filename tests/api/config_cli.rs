//! `taxbot config check|show` and configuration errors through the real
//! binary: a bad file names its key, file and line in Chinese; `show` prints
//! the effective values and never a secret given in the file or the environment.

use std::path::Path;
use std::process::{Command, Output};

fn taxbot(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_taxbot"));
    cmd.args(args).current_dir(cwd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("taxbot runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_bad_config_file_names_the_key_the_file_and_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    let cases = [
        (
            "[server]\nbind = \"127.0.0.1:0\"\n\n[search]\nanswer_treshold = 0.5\n",
            "search.answer_treshold",
            5,
            "未知的键",
        ),
        ("[search]\nretrieve_k = \"many\"\n", "search.retrieve_k", 2, "类型不对"),
        ("[log]\nformat = \"xml\"\n", "log.format", 2, "无效"),
    ];
    for (content, key, line, what) in cases {
        std::fs::write(&file, content).expect("write");
        for args in [&["config", "check", "--config", "bad.toml"][..], &["serve", "--config", "bad.toml"][..]] {
            let out = taxbot(dir.path(), args, &[]);
            let err = text(&out.stderr);
            assert!(!out.status.success(), "{args:?} accepted {content:?}");
            assert!(err.contains("bad.toml"), "{err}");
            assert!(err.contains(&format!("第 {line} 行")), "{err}");
            assert!(err.contains(key), "{err}");
            assert!(err.contains(what), "{err}");
        }
    }
    // An override names its variable and the key.
    std::fs::write(&file, "").expect("write");
    let out = taxbot(dir.path(), &["config", "check", "--config", "bad.toml"], &[("TAXBOT_SEARCH__MARGIN", "wide")]);
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("TAXBOT_SEARCH__MARGIN") && err.contains("search.margin"), "{err}");
}

#[test]
fn config_check_summarises_a_good_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("taxbot.toml"), "[server]\nbind = \"0.0.0.0:9999\"\n").expect("write");
    let out = taxbot(dir.path(), &["config", "check"], &[("TAXBOT_STORE__URL", "postgres://tax:pw-s3cret@db/taxbot")]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("配置有效：taxbot.toml"), "{stdout}");
    assert!(stdout.contains("0.0.0.0:9999") && stdout.contains("TAXBOT_STORE__URL"), "{stdout}");
    assert!(stdout.contains("postgres://tax:***@db/taxbot") && !stdout.contains("s3cret"), "{stdout}");
    let bad_proxy = taxbot(dir.path(), &["config", "check"], &[("TAXBOT_SERVER__TRUST_PROXY", "[\"not-an-address\"]")]);
    assert!(!bad_proxy.status.success());
    assert!(text(&bad_proxy.stderr).contains("server.trust_proxy"), "{}", text(&bad_proxy.stderr));
}

#[test]
fn config_show_prints_effective_values_and_never_a_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = r#"
[search]
answer_threshold = 0.77

[[wechat.accounts]]
appid = "wx-appid-visible"
token = "file-token-s3cret"
encoding_aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
app_secret = "file-app-s3cret"
"#;
    std::fs::write(dir.path().join("taxbot.toml"), file).expect("write");
    let env = [
        ("TAXBOT_STORE__URL", "postgres://tax:env-pg-s3cret@db:5432/taxbot?password=env-q-s3cret"),
        ("TAXBOT_SERVER__BIND", "127.0.0.1:7777"),
    ];
    let out = taxbot(dir.path(), &["config", "show"], &env);
    let shown = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for secret in ["s3cret", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"] {
        assert!(!shown.contains(secret), "a secret in `config show`: {shown}");
    }
    let parsed: toml::Table = toml::from_str(&shown).expect("the output is TOML");
    assert_eq!(parsed["search"]["answer_threshold"].as_float(), Some(0.77));
    assert_eq!(parsed["server"]["bind"].as_str(), Some("127.0.0.1:7777"));
    assert_eq!(parsed["store"]["url"].as_str(), Some("postgres://tax:***@db:5432/taxbot?password=***"));
    let account = &parsed["wechat"]["accounts"][0];
    assert_eq!(account["appid"].as_str(), Some("wx-appid-visible"));
    assert_eq!(account["token"].as_str(), Some("***"));
    assert_eq!(account["app_secret"].as_str(), Some("***"));
    // Defaults are shown too: every section.
    for section in ["kb", "chat", "handoff", "admin", "analytics", "import", "limits", "privacy", "api", "log"] {
        assert!(parsed.contains_key(section), "[{section}] missing: {shown}");
    }
}

#[test]
fn values_that_parse_but_make_no_sense_name_the_key_and_the_file_line_or_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    let cases = [
        ("[search]\nmargin = 0.1\nanswer_threshold = 2.5\n", "search.answer_threshold", 3, "0 到 1"),
        ("[search]\nanswer_threshold = -1.0\n", "search.answer_threshold", 2, "0 到 1"),
        ("[chat]\n\nchunk_chars = 0\n", "chat.chunk_chars", 3, "大于 0"),
        ("[server]\nbind = \"not an address\"\n", "server.bind", 2, "IP:端口"),
        ("[store]\nurl = \"mysql://root:pw-s3cret@db/tax\"\n", "store.url", 2, "postgres://"),
        ("[server]\ntrust_proxy = [\"10.0.0.1\", \"proxy\"]\n", "server.trust_proxy", 2, "「proxy」"),
    ];
    for (content, key, line, allowed) in cases {
        std::fs::write(&file, content).expect("write");
        for args in [&["config", "check", "--config", "bad.toml"][..], &["serve", "--config", "bad.toml"][..]] {
            let out = taxbot(dir.path(), args, &[]);
            let err = text(&out.stderr);
            assert!(!out.status.success(), "{args:?} accepted {content:?}");
            assert!(err.contains("bad.toml") && err.contains(&format!("第 {line} 行")), "{err}");
            assert!(err.contains(key) && err.contains(allowed), "{err}");
            assert!(!err.contains("s3cret"), "a password in an error: {err}");
        }
    }
    let overrides = [
        ("TAXBOT_SEARCH__CLARIFY_FLOOR", "1.5", "search.clarify_floor", "0 到 1"),
        ("TAXBOT_CHAT__MATCH_CONCURRENCY", "0", "chat.match_concurrency", "大于 0"),
        ("TAXBOT_SERVER__BIND", "0.0.0.0", "server.bind", "IP:端口"),
        ("TAXBOT_STORE__URL", "sqlite:data/taxbot.db", "store.url", "postgres://"),
    ];
    for (var, value, key, allowed) in overrides {
        for args in [&["config", "check"][..], &["serve"][..]] {
            let out = taxbot(dir.path(), args, &[(var, value)]);
            let err = text(&out.stderr);
            assert!(!out.status.success(), "{args:?} accepted {var}={value}");
            assert!(err.contains(var) && err.contains(key) && err.contains(allowed), "{err}");
        }
    }
}

#[test]
fn every_subcommand_help_names_the_config_sections_it_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Every section there is: the tables `config show` prints.
    let shown = taxbot(dir.path(), &["config", "show"], &[]);
    let every: Vec<String> =
        toml::from_str::<toml::Table>(&text(&shown.stdout)).expect("TOML").keys().cloned().collect();
    assert!(every.iter().any(|s| s == "widget"), "{every:?}");
    let store_cli: &[&str] = &["store", "log"];
    let kb_data_dir: &[&str] = &["kb", "log", "store", "search", "admin"];
    let commands: &[(&[&str], &[&str])] = &[
        (&["ask"], &["kb", "search", "log"]),
        (&["eval"], &["kb", "search", "chat", "handoff", "log"]),
        (&["serve"], &[]),
        (&["bench"], &["kb", "log"]),
        (&["bench", "ws"], &["kb", "log"]),
        (&["kb"], &["kb", "import", "log", "store", "search", "admin"]),
        (&["kb", "check"], &["kb", "log"]),
        (&["kb", "export"], kb_data_dir),
        (&["kb", "import"], &["kb", "import", "log", "store", "search", "admin"]),
        (&["kb", "expiring"], &["kb", "log"]),
        (&["apikey"], store_cli),
        (&["apikey", "add"], store_cli),
        (&["apikey", "list"], store_cli),
        (&["apikey", "revoke"], store_cli),
        (&["purge"], &["store", "privacy", "log"]),
        (&["migrate"], &["log"]),
        (&["backup"], store_cli),
        (&["restore"], store_cli),
        (&["user"], store_cli),
        (&["user", "add"], store_cli),
        (&["user", "passwd"], store_cli),
        (&["user", "list"], store_cli),
        (&["config"], &[]),
        (&["config", "check"], &[]),
        (&["config", "show"], &[]),
    ];
    for (command, sections) in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let out = taxbot(dir.path(), &args, &[]);
        let help = text(&out.stdout);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let at = help.find("Config sections read:").unwrap_or_else(|| panic!("{args:?}: {help}"));
        let said = help[at..].split("\n\n").next().unwrap_or_default();
        // An empty list stands for "all of them": serve names every section, and
        // config (which checks the whole file, whatever it holds) says "all of them".
        let expected: Vec<&str> = match (sections.is_empty(), command[0]) {
            (false, _) => sections.to_vec(),
            (true, "config") => Vec::new(),
            (true, _) => every.iter().map(String::as_str).collect(),
        };
        assert!(!sections.is_empty() || said.contains("all of them"), "{args:?}: {said}");
        for section in expected {
            assert!(said.contains(&format!("[{section}]")), "{args:?} does not name [{section}]: {said}");
        }
    }
    // The one-line summary of `taxbot --help` does not list a few sections as if they were all.
    let top = text(&taxbot(dir.path(), &["--help"], &[]).stdout);
    let serve = top.lines().find(|l| l.trim_start().starts_with("serve ")).expect("serve in --help");
    assert!(serve.contains("every config section") && serve.contains("[widget]"), "{serve}");
}
