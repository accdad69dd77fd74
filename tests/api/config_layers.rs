//! The server sections of the configuration follow the same layering as the
//! rest: defaults < file < `TAXBOT_SECTION__KEY`.

use taxbot::config;
use taxbot::handoff::Assignment;

#[test]
fn server_sections_take_file_and_env_overrides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("taxbot.toml");
    std::fs::write(
        &file,
        r#"
[server]
bind = "0.0.0.0:9000"
[handoff]
assignment = "least_load"
[handoff.hours]
close = "20:00"
"#,
    )
    .expect("write");
    let env = [
        ("TAXBOT_SERVER__BIND", "127.0.0.1:0"),
        ("TAXBOT_CHAT__STREAM_DELAY_MS", "0"),
        ("TAXBOT_STORE__DATA_DIR", "/tmp/x"),
        ("TAXBOT_HANDOFF__HOURS__OPEN", "08:30"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let c = config::load(Some(&file), env).expect("valid");
    assert_eq!(c.server.bind, "127.0.0.1:0");
    assert_eq!(c.chat.stream_delay_ms, 0);
    assert_eq!(c.store.data_dir, std::path::PathBuf::from("/tmp/x"));
    assert_eq!(c.handoff.assignment, Assignment::LeastLoad);
    assert_eq!((c.handoff.hours.open.as_str(), c.handoff.hours.close.as_str()), ("08:30", "20:00"));
    let defaults = config::load(None, Vec::new()).expect("defaults");
    assert_eq!(defaults.server.bind, "127.0.0.1:8080");
    assert_eq!(defaults.store.data_dir, std::path::PathBuf::from("data"));
}
