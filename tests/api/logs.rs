//! `[log] format = "json"`: every line `taxbot serve` writes to stderr is one
//! JSON object, with no terminal escape codes (stderr is a pipe here), and
//! the listening line still tells the port.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn json_logs_are_one_object_per_line_without_escape_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_taxbot"))
        .arg("serve")
        .env("TAXBOT_LOG", "info")
        .env("TAXBOT_LOG__FORMAT", "json")
        .env("TAXBOT_STORE__DATA_DIR", dir.path())
        .env("TAXBOT_SERVER__BIND", "127.0.0.1:0")
        .env("TAXBOT_KB__DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge-base"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("taxbot serve starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut seen = Vec::new();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("stderr") {
            seen.push(line.clone());
            let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            if let Some(url) = v["fields"]["message"].as_str().and_then(|m| m.split("http://").nth(1)) {
                return url.to_owned();
            }
        }
        panic!("the server exited before listening: {seen:?}");
    })
    .await
    .expect("listening in time");
    let r = reqwest::get(format!("http://{addr}/healthz")).await.expect("healthz");
    assert!(r.status().is_success());

    // A graceful stop logs too; every line is still JSON.
    let pid = child.id().expect("pid");
    std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill -TERM");
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.expect("stderr") {
            seen.push(line);
        }
    })
    .await
    .expect("the server stops in time");
    assert!(seen.len() >= 2, "{seen:?}");
    for line in &seen {
        assert!(!line.contains('\u{1b}'), "an escape code in a log file: {line:?}");
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string(), "{line}");
    }
}
