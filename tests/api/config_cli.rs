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
fn every_subcommand_help_names_the_config_sections_it_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let commands: &[&[&str]] = &[
        &["ask"],
        &["eval"],
        &["serve"],
        &["bench"],
        &["bench", "ws"],
        &["kb"],
        &["kb", "check"],
        &["kb", "export"],
        &["kb", "import"],
        &["kb", "expiring"],
        &["apikey"],
        &["apikey", "add"],
        &["apikey", "list"],
        &["apikey", "revoke"],
        &["purge"],
        &["migrate"],
        &["backup"],
        &["restore"],
        &["user"],
        &["user", "add"],
        &["user", "passwd"],
        &["user", "list"],
        &["config"],
        &["config", "check"],
        &["config", "show"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let out = taxbot(dir.path(), &args, &[]);
        let help = text(&out.stdout);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let line =
            help.lines().find(|l| l.contains("Config sections read:")).unwrap_or_else(|| panic!("{args:?}: {help}"));
        assert!(line.contains('[') || line.contains("all of them"), "{args:?}: {line}");
    }
}
