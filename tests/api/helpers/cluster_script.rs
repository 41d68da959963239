//! `scripts/cluster.sh` as an operator runs it, over the test's database and SMTP listener:
//! N instances of the built binary behind nginx on ports of their own, stopped (the script's
//! own Ctrl-C path: nginx and every instance) when the guard is dropped.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::TestApp;

pub struct Cluster {
    /// nginx, the one address people open.
    pub base: String,
    pub dir: PathBuf,
    script: Child,
}

/// `count` consecutive free ports from a random start (checked by binding each; released at once).
fn free_ports(count: u16) -> u16 {
    loop {
        let start = 20_000 + (rand_port_offset() % 30_000) as u16;
        let all_free =
            (start..start + count).all(|port| TcpListener::bind(("127.0.0.1", port)).is_ok());
        if all_free {
            return start;
        }
    }
}

fn rand_port_offset() -> u32 {
    uuid::Uuid::new_v4().as_u128() as u32
}

impl TestApp {
    /// Starts `scripts/cluster.sh count` over this test's database (not seeded with the demo
    /// unless `seed`), mail to the test's SMTP listener; returns once nginx answers /readyz.
    pub async fn cluster(&self, count: u16, seed: bool) -> Cluster {
        let cluster_port = free_ports(count + 1);
        let metrics_port = free_ports(count);
        let dir = PathBuf::from(format!("target/cluster-test-{cluster_port}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let log = std::fs::File::create(dir.join("script.log")).unwrap();
        let script = Command::new("bash")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/cluster.sh"))
            .arg(count.to_string())
            .env("CLUSTER_DIR", std::fs::canonicalize(&dir).unwrap())
            .env("CLUSTER_PORT", cluster_port.to_string())
            .env("METRICS_BASE_PORT", metrics_port.to_string())
            .env("PORTAL_BIN", env!("CARGO_BIN_EXE_yeastar-portal"))
            .env("CLUSTER_SEED", if seed { "1" } else { "0" })
            .env("DATABASE_URL", self.config.database_url.expose())
            .env("SMTP_URL", self.smtp.url())
            .env("RUST_LOG", "info")
            .env_remove("PUBLIC_URL")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("bash runs scripts/cluster.sh");
        let cluster = Cluster {
            base: format!("http://127.0.0.1:{cluster_port}"),
            dir,
            script,
        };
        cluster.wait_until_ready().await;
        cluster
    }
}

impl Cluster {
    async fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let log = self.dir.join("script.log");
        while Instant::now() < deadline {
            let said = std::fs::read_to_string(&log).unwrap_or_default();
            if said.contains("cluster ready") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!(
            "the cluster did not start; {}:\n{}",
            log.display(),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Runs another script of the cluster (e.g. `scripts/rolling-restart.sh --load`) with the
    /// cluster's folder; returns whether it succeeded and what it printed.
    pub async fn run(&self, script: &str, args: &[&str]) -> (bool, String) {
        let output = tokio::process::Command::new("bash")
            .arg(format!("{}/{script}", env!("CARGO_MANIFEST_DIR")))
            .args(args)
            .env("CLUSTER_DIR", std::fs::canonicalize(&self.dir).unwrap())
            .output()
            .await
            .expect("bash runs the script");
        let printed = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.success(), printed)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // SIGTERM runs the script's own stop (nginx and every instance); SIGKILL would leave
        // them running.
        let _ = Command::new("kill")
            .args(["-TERM", &self.script.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.script.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.script.kill();
    }
}
