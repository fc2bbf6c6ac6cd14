//! Test harness: a real `berofos-sim` on loopback, and `xivo-berofos` commands aimed
//! at it. Every simulator is started with `--exit-with-stdin`, so it dies with the
//! test; every wait is bounded.
#![allow(dead_code)]

pub mod cluster;
pub mod twonode;

use assert_cmd::Command;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_xivo-berofos");

/// The simulator's binary: `berofos-sim` of the workspace's `sim/` crate, built into
/// the same folder as `xivo-berofos` (cargo names only this package's binaries to its
/// tests). `cargo build --workspace --bins` (or `cargo test --workspace`) builds it.
pub fn sim_bin() -> &'static str {
    static SIM: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SIM.get_or_init(|| {
        let bin = Path::new(BIN);
        let sim = bin.with_file_name("berofos-sim");
        if !sim.is_file() {
            panic!(
                "the simulator is not built: {} is missing beside {BIN}. \
                 Build it first with `cargo build --workspace --bins` \
                 (add --release for a release test run), or run `cargo test --workspace`.",
                sim.display()
            );
        }
        sim.to_str().expect("utf-8 target path").to_string()
    })
}

pub struct Sim {
    child: Child,
    _stdin: ChildStdin,
    pub dir: tempfile::TempDir,
    pub ready: Value,
    pub udp_port: u16,
    pub control_port: u16,
    pub log: PathBuf,
    pub config: PathBuf,
}

impl Sim {
    /// Starts a simulator with `n` devices and extra arguments; writes its bnfos.conf.
    pub fn start(n: usize, args: &[&str]) -> Sim {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("requests.jsonl");
        let config = dir.path().join("bnfos.conf");
        let mut child = std::process::Command::new(sim_bin())
            .arg("--devices")
            .arg(n.to_string())
            .arg("--log")
            .arg(&log)
            .arg("--write-config")
            .arg(&config)
            .arg("--exit-with-stdin")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start berofos-sim");
        let stdin = child.stdin.take().expect("stdin");
        let line = ready_line(&mut child, Duration::from_secs(10))
            .expect("berofos-sim ready line within 10 s");
        let ready: Value = serde_json::from_str(line.trim()).expect("ready line is JSON");
        assert_eq!(ready["ready"], true, "{line}");
        let udp_port = ready["udp_port"].as_u64().expect("udp_port") as u16;
        let control_port = ready["control_port"].as_u64().expect("control_port") as u16;
        Sim {
            child,
            _stdin: stdin,
            dir,
            ready,
            udp_port,
            control_port,
            log,
            config,
        }
    }

    pub fn device(&self, k: usize) -> &Value {
        &self.ready["devices"][k - 1]
    }

    pub fn host(&self, k: usize) -> String {
        self.device(k)["host"].as_str().expect("host").to_string()
    }

    pub fn http_port(&self, k: usize) -> u16 {
        self.device(k)["http_port"].as_u64().expect("http_port") as u16
    }

    pub fn mac(&self, k: usize) -> String {
        self.device(k)["mac"].as_str().expect("mac").to_string()
    }

    /// `xivo-berofos -c <config> ...` aimed at this simulator.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env("BEROFOS_GBL4_PORT", self.udp_port.to_string())
            .env("XIVO_BEROFOS_LOCK_DIR", self.dir.path())
            .env_remove("XIVO_BEROFOS_PASSWORD")
            .arg("-c")
            .arg(&self.config)
            .timeout(Duration::from_secs(30));
        c
    }

    /// The same command as [`Sim::cmd`], as a plain `std::process::Command` (to spawn
    /// many at once, or to signal one).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(BIN);
        c.env("BEROFOS_GBL4_PORT", self.udp_port.to_string())
            .env("XIVO_BEROFOS_LOCK_DIR", self.dir.path())
            .env_remove("XIVO_BEROFOS_PASSWORD")
            .arg("-c")
            .arg(&self.config)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// The lock file that serializes device writes for this simulator's config.
    pub fn lock_path(&self) -> PathBuf {
        xivo_berofos::lock::path_in(self.dir.path(), &self.config)
    }

    /// How many berofos this simulator runs.
    pub fn devices(&self) -> usize {
        self.ready["devices"].as_array().map_or(0, Vec::len)
    }

    /// The lock files of berofos `k` (its MAC, its address and port), as the product
    /// names them.
    pub fn device_lock_paths(&self, k: usize) -> Vec<PathBuf> {
        let mac = self.mac(k).parse().ok();
        let host = self.host(k);
        xivo_berofos::lock::device_keys(mac, Some(&host), self.http_port(k))
            .iter()
            .map(|key| xivo_berofos::lock::device_path_in(self.dir.path(), key))
            .collect()
    }

    /// GET on the control port; the JSON answer.
    pub fn control(&self, target: &str) -> Value {
        let body =
            http_get(("127.0.0.1", self.control_port), target, None).expect("control port answers");
        serde_json::from_str(&body.1).unwrap_or(Value::Null)
    }

    pub fn fault(&self, k: &str, fault: &str) {
        self.control(&format!("/fault?device={k}&fault={fault}"));
    }

    /// The state of device k as the simulator sees it.
    pub fn state(&self, k: usize) -> Value {
        self.control(&format!("/state?device={k}"))
    }

    /// The relay mode of device k, from the simulator's state.
    pub fn mode(&self, k: usize) -> String {
        let s = self.state(k);
        let m = &s["settings"]["mode"];
        m.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| m.to_string())
    }

    /// Flips the relay of device k behind the back of whoever owns it: a plain HTTP
    /// request to the berofos, as an admin's browser would send. The HTTP status.
    pub fn flip(&self, k: usize, mode: &str) -> u16 {
        let target = format!("/?cmd=4&mode={mode}");
        http_get((self.host(k).as_str(), self.http_port(k)), &target, None)
            .expect("flip the relay")
            .0
    }

    /// Every request logged so far.
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// HTTP requests received by device k.
    pub fn http_requests(&self, k: usize) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["face"] == "http" && r["device"] == k as u64)
            .collect()
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(&self.config, text).expect("write config");
    }

    pub fn config_text(&self) -> String {
        std::fs::read_to_string(&self.config).unwrap_or_default()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first line `child` prints on its stdout (a "ready" line), waited for at most
/// `limit`; the rest of its output is drained, so that it never blocks on a full pipe.
pub fn ready_line(child: &mut Child, limit: Duration) -> Option<String> {
    let mut out = BufReader::new(child.stdout.take()?);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = out.read_line(&mut line);
        let _ = tx.send(line);
        let _ = out.read_to_end(&mut Vec::new());
    });
    rx.recv_timeout(limit).ok().filter(|l| !l.is_empty())
}

/// A minimal raw HTTP GET (for flipping a relay behind our back, or the control port).
pub fn http_get(
    addr: (&str, u16),
    target: &str,
    auth: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(
        &format!("{}:{}", addr.0, addr.1).parse().expect("addr"),
        Duration::from_secs(3),
    )?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: {}\r\n{auth}Connection: close\r\n\r\n",
        addr.0
    )?;
    let mut resp = String::new();
    s.read_to_string(&mut resp)?;
    let code = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    Ok((code, body))
}

/// Waits (bounded) until `f` holds.
pub fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
