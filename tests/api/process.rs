//! `taxbot serve` as a real process: started with the caller's arguments and
//! environment, its address read from the listening line on stderr, and every
//! stderr line kept so that a test can read the logs.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running `taxbot serve`.
pub struct Served {
    /// The process (killed when dropped).
    pub child: Child,
    /// `host:port` it listens on.
    pub addr: String,
    /// Every stderr line so far.
    pub stderr: Arc<Mutex<Vec<String>>>,
    drained: tokio::task::JoinHandle<()>,
}

/// `taxbot` with no argument yet, stdout discarded.
pub fn taxbot() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_taxbot"));
    cmd.stdout(Stdio::null()).kill_on_drop(true);
    cmd
}

/// Spawns `cmd` (a `taxbot serve …`) and waits until it listens.
pub async fn serve(mut cmd: Command) -> Served {
    let mut child = cmd.stderr(Stdio::piped()).spawn().expect("taxbot serve starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("stderr") {
            stderr.lock().expect("lock").push(line.clone());
            if let Some(rest) = line.split("http://").nth(1) {
                return rest.chars().take_while(|c| !c.is_whitespace() && *c != '"').collect::<String>();
            }
        }
        panic!("the server exited before listening: {:?}", stderr.lock().expect("lock"));
    })
    .await
    .expect("the server listens in time");
    // Keep draining stderr so the child never blocks on a full pipe.
    let kept = Arc::clone(&stderr);
    let drained = tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            kept.lock().expect("lock").push(line);
        }
    });
    Served { child, addr, stderr, drained }
}

impl Served {
    /// `http://addr/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the server with SIGTERM and returns every line it wrote to stderr.
    pub async fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().expect("running");
        std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill -TERM");
        tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await.expect("stops in time").expect("exit");
        tokio::time::timeout(Duration::from_secs(5), &mut self.drained).await.expect("stderr closes").expect("drain");
        self.stderr.lock().expect("lock").clone()
    }
}
