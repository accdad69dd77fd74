//! The self-contained binary: `taxbot serve` started in an empty directory
//! with no `--kb` answers from the knowledge base embedded in it, and
//! `taxbot kb export --embedded` writes that base out so that `kb check` passes.

use std::process::Command;

use serde_json::json;

use crate::process::{serve, taxbot};

#[tokio::test]
async fn serve_in_an_empty_directory_answers_from_the_embedded_base() {
    let cwd = tempfile::tempdir().expect("tempdir");
    let mut cmd = taxbot();
    cmd.arg("serve")
        .current_dir(cwd.path())
        .env_remove("TAXBOT_KB__DIR")
        .env("TAXBOT_LOG", "info")
        .env("TAXBOT_SERVER__BIND", "127.0.0.1:0")
        .env("TAXBOT_API__ALLOW_ANONYMOUS", "true");
    let server = serve(cmd).await;
    let r = reqwest::Client::new()
        .post(server.url("/api/v1/ask"))
        .json(&json!({"user_id": "embedded-test", "text": "个体工商户怎么开具发票？"}))
        .send()
        .await
        .expect("ask");
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["decision"], "answer", "{body}");
    assert!(body["entry_id"].as_str().is_some_and(|id| id.starts_with("IND-")), "{body}");
    let logs = server.stop().await;
    assert!(logs.iter().any(|l| l.contains("内置知识库")), "the base used is logged: {logs:?}");
    // The data directory defaults to ./data of the working directory.
    assert!(cwd.path().join("data/taxbot.db").is_file());
    assert!(!cwd.path().join("knowledge-base").exists(), "nothing was extracted into the working directory");
}

#[test]
fn kb_export_embedded_round_trips_through_kb_check() {
    let cwd = tempfile::tempdir().expect("tempdir");
    let dest = cwd.path().join("exported");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_taxbot")).args(args).current_dir(cwd.path()).output().expect("taxbot runs")
    };
    let export = run(&["kb", "export", "--embedded", "exported"]);
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    assert!(String::from_utf8_lossy(&export.stdout).contains("内置知识库"));
    let check = run(&["kb", "check", "--require-all-topics", "--kb", "exported"]);
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{stdout}{}", String::from_utf8_lossy(&check.stderr));
    assert!(stdout.contains("0 处错误"), "{stdout}");
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base/topics.tsv");
    assert_eq!(std::fs::read(dest.join("topics.tsv")).expect("exported"), std::fs::read(shipped).expect("shipped"));

    // Never over an existing base, and never together with a source.
    let again = run(&["kb", "export", "--embedded", "exported"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("不是新目录或空目录"));
    let both = run(&["kb", "export", "--embedded", "--kb", "exported", "other"]);
    assert!(!both.status.success());

    // Without ./knowledge-base here, `ask` answers from the embedded base too.
    let ask = run(&["ask", "个体工商户怎么开具发票？"]);
    assert!(ask.status.success(), "{}", String::from_utf8_lossy(&ask.stderr));
}
