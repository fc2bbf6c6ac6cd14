//! Broadcast on a real LAN (issue 9, item 5): two berofos, each a `berofos-sim` alone
//! in its own network namespace on the default ports (HTTP 80, GBL4 UDP 50123), and a
//! XiVO namespace with a default route via the bridge, all on one bridge. From the
//! XiVO namespace, without -h: `scan -x` finds both by broadcast and writes their LAN
//! addresses, `master` reaches them on port 80, `ping -m` and `netconf -m` work by
//! broadcast. The simulators' request logs show each datagram's destination,
//! 255.255.255.255.
//!
//! Needs root and `ip` (iproute2): skipped without them, except with `CI=true`, where it
//! fails. Namespaces are named `xbl-<pid>-*`, addresses are 198.18.1.0/24; the
//! plumbing is tests/lan/*.sh (reused by the two-node harness). Every wait is bounded;
//! a guard kills the simulators by pid and removes the namespaces it recorded
//! (tests/lan/lan-down.sh) whatever happens. It refuses to start when a namespace of
//! its names already exists.

mod common;

use common::{http_get, ready_line, sim_bin, stderr_of, stdout_of, BIN};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::time::Duration;

const SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lan");
const XIVO_ADDR: &str = "198.18.1.100";
/// The two berofos: namespace name, address, base MAC (the device's MAC is base + 1).
const BEROFOS: [(&str, &str, &str); 2] = [
    ("fos1", "198.18.1.11", "00:19:32:00:01:00"),
    ("fos2", "198.18.1.12", "00:19:32:00:02:00"),
];
const MACS: [&str; 2] = ["00:19:32:00:01:01", "00:19:32:00:02:01"];

/// Why this machine cannot run the test, if it cannot.
fn missing() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some("needs root (network namespaces)".into());
    }
    let ip = std::process::Command::new("ip")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !ip.is_ok_and(|s| s.success()) {
        return Some("needs `ip` (iproute2)".into());
    }
    None
}

/// One `berofos-sim` in a namespace.
struct Berofos {
    child: Child,
    _stdin: ChildStdin,
    ns: String,
    addr: &'static str,
    log: PathBuf,
    control_port: u16,
}

/// The LAN: everything this test created, removed on drop.
struct Lan {
    state: tempfile::TempDir,
    prefix: String,
    sims: Vec<Berofos>,
}

/// Runs a command with a time limit (killed past it); its output.
fn bounded(mut c: assert_cmd::Command, limit: Duration) -> std::process::Output {
    c.timeout(limit).output().expect("the command runs")
}

fn script(name: &str, args: &[&str]) -> std::process::Output {
    let mut c = assert_cmd::Command::new(Path::new(SCRIPTS).join(name));
    c.args(args);
    bounded(c, Duration::from_secs(30))
}

impl Lan {
    fn ns(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn state_dir(&self) -> &str {
        self.state.path().to_str().expect("utf-8 path")
    }

    /// The bridge, the two berofos hosts and the XiVO host.
    fn up() -> Lan {
        let lan = Lan {
            state: tempfile::tempdir().expect("tempdir"),
            prefix: format!("xbl-{}-", std::process::id()),
            sims: Vec::new(),
        };
        for n in ["br", "fos1", "fos2", "xivo"] {
            let ns = lan.ns(n);
            assert!(
                !Path::new("/run/netns").join(&ns).exists(),
                "namespace {ns} already exists: not ours, left alone"
            );
        }
        let must = |out: std::process::Output, what: &str| {
            assert!(
                out.status.success(),
                "{what}: {}{}",
                stdout_of(&out),
                stderr_of(&out)
            );
        };
        must(
            script("lan-up.sh", &[lan.state_dir(), &lan.prefix]),
            "lan-up",
        );
        for (name, addr, _) in BEROFOS {
            must(
                script("add-host.sh", &[lan.state_dir(), name, addr]),
                "add-host",
            );
        }
        must(
            script("add-host.sh", &[lan.state_dir(), "xivo", XIVO_ADDR]),
            "add-host xivo",
        );
        lan
    }

    /// Starts berofos-sim alone in namespace `name` on the default ports.
    fn start_berofos(&mut self, name: &str, addr: &'static str, base_mac: &str) {
        let ns = self.ns(name);
        let log = self.state.path().join(format!("{name}.jsonl"));
        let mut child = std::process::Command::new("ip")
            .args(["netns", "exec", &ns, sim_bin()])
            .args(["--devices", "1", "--ip", addr, "--udp-any"])
            .args(["--http-port", "80", "--udp-port", "50123"])
            .args(["--base-mac", base_mac, "--exit-with-stdin", "--log"])
            .arg(&log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start berofos-sim in its namespace");
        let stdin = child.stdin.take().expect("stdin");
        let line = ready_line(&mut child, Duration::from_secs(10));
        // Pushed before the check, so the guard kills it whatever happens next.
        self.sims.push(Berofos {
            child,
            _stdin: stdin,
            ns,
            addr,
            log,
            control_port: 0,
        });
        let line =
            line.unwrap_or_else(|| panic!("berofos-sim in {name}: no ready line within 10 s"));
        let ready: Value = serde_json::from_str(line.trim()).expect("ready line is JSON");
        assert_eq!(ready["udp_port"], 50123, "{line}");
        assert_eq!(ready["devices"][0]["http_port"], 80, "{line}");
        assert_eq!(ready["devices"][0]["host"], addr, "{line}");
        let sim = self.sims.last_mut().expect("just pushed");
        sim.control_port = ready["control_port"].as_u64().expect("control_port") as u16;
    }

    /// `xivo-berofos -c CONFIG ARGS` run inside the XiVO namespace, with no
    /// BEROFOS_GBL4_PORT: the real port 50123.
    fn xivo(&self, config: &Path, args: &[&str]) -> std::process::Output {
        let mut c = assert_cmd::Command::new("ip");
        c.args(["netns", "exec", &self.ns("xivo"), BIN])
            .env_remove("BEROFOS_GBL4_PORT")
            .env_remove("XIVO_BEROFOS_PASSWORD")
            .env("XIVO_BEROFOS_LOCK_DIR", self.state.path())
            .arg("-c")
            .arg(config)
            .args(args);
        bounded(c, Duration::from_secs(30))
    }
}

impl Berofos {
    /// GET on the control port, 127.0.0.1 inside the berofos' own namespace (from a
    /// thread that joins that namespace; the test's other threads stay where they are).
    fn control(&self, target: &str) -> Value {
        use nix::sched::{setns, CloneFlags};
        let path = Path::new("/run/netns").join(&self.ns);
        let port = self.control_port;
        let body = std::thread::scope(|s| {
            s.spawn(|| {
                let ns = std::fs::File::open(&path).expect("open the namespace");
                setns(&ns, CloneFlags::CLONE_NEWNET).expect("setns");
                http_get(("127.0.0.1", port), target, None)
            })
            .join()
            .expect("control thread")
        })
        .expect("the control port answers");
        assert_eq!(body.0, 200, "{target}: {}", body.1);
        serde_json::from_str(&body.1).expect("control answers JSON")
    }

    /// The GBL4 datagrams it received with command `cmd`.
    fn gbl4(&self, cmd: u8) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|l| l["face"] == "gbl4" && l["cmd"] == cmd)
            .collect()
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for s in &mut self.sims {
            let _ = s.child.kill();
            let _ = s.child.wait();
        }
        let out = script("lan-down.sh", &[self.state_dir()]);
        if !out.status.success() {
            eprintln!("lan-down.sh failed: {}", stderr_of(&out));
        }
    }
}

/// Every datagram with this command came from the XiVO, by broadcast; at least one.
fn all_broadcast(b: &Berofos, cmd: u8, what: &str) -> Vec<Value> {
    let got = b.gbl4(cmd);
    assert!(!got.is_empty(), "{}: no {what} arrived", b.ns);
    for l in &got {
        assert_eq!(
            l["to"], "255.255.255.255",
            "{}: {what} not by broadcast: {l}",
            b.ns
        );
        let from = l["from"].as_str().unwrap_or("");
        assert!(from.starts_with(&format!("{XIVO_ADDR}:")), "{l}");
    }
    got
}

#[test]
fn broadcast_on_a_real_lan() {
    if let Some(why) = missing() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: this test must run: {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let mut lan = Lan::up();
    for (name, addr, mac) in BEROFOS {
        lan.start_berofos(name, addr, mac);
    }
    let conf = lan.state.path().join("bnfos.conf");

    // scan -x without -h: both berofos answer the broadcast, with their LAN addresses.
    let out = lan.xivo(&conf, &["-t", "1", "scan", "-x"]);
    assert!(out.status.success(), "scan -x: {}", stderr_of(&out));
    let text = std::fs::read_to_string(&conf).expect("scan -x wrote the file");
    let sections: Vec<&str> = text.split('[').skip(1).collect();
    assert_eq!(sections.len(), 2, "{text}");
    for (i, (_, addr, _)) in BEROFOS.iter().enumerate() {
        let s = sections
            .iter()
            .find(|s| s.contains(&format!("mac = {}\n", MACS[i])))
            .unwrap_or_else(|| panic!("no section for {}: {text}", MACS[i]));
        assert!(s.contains(&format!("host = {addr}\n")), "{text}");
    }
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with("port")),
        "the default HTTP port needs no port key: {text}"
    );
    for b in &lan.sims {
        all_broadcast(b, 1, "scan");
    }

    // The HTTP face on port 80 at the addresses the scan wrote.
    let out = lan.xivo(&conf, &["-t", "2", "master"]);
    assert!(out.status.success(), "master: {}", stderr_of(&out));
    for b in &lan.sims {
        assert_eq!(b.control("/state?device=1")["settings"]["mode"], "1");
        assert!(stderr_of(&out).contains(&format!("({})", b.addr)));
    }

    // ping -m: by broadcast; the other berofos hears it too and stays silent.
    let out = lan.xivo(&conf, &["-t", "2", "ping", "-m", MACS[0]]);
    assert!(out.status.success(), "ping -m: {}", stderr_of(&out));
    let heard = all_broadcast(&lan.sims[0], 9, "ping");
    assert!(heard.iter().any(|l| l["answered"] == true), "{heard:?}");
    let other = all_broadcast(&lan.sims[1], 9, "ping");
    assert!(
        other
            .iter()
            .all(|l| l["answered"] == false && l["note"] == "another MAC"),
        "{other:?}"
    );

    // netconf -m: berofos 2 rebooted in flash mode (button held), set by broadcast.
    let st = lan.sims[1].control("/power-cycle?device=1&flash=1");
    assert_eq!(st["flash_mode"], true, "{st}");
    let out = lan.xivo(
        &conf,
        &[
            "-t",
            "2",
            "netconf",
            "-m",
            MACS[1],
            "-i",
            "198.18.1.22",
            "-n",
            "255.255.255.0",
            "-g",
            "198.18.1.1",
            "-d",
            "0",
        ],
    );
    assert!(out.status.success(), "netconf -m: {}", stderr_of(&out));
    let st = lan.sims[1].control("/state?device=1");
    let set = &st["settings"];
    assert_eq!(
        (
            &set["address"],
            &set["netmask"],
            &set["gateway"],
            &set["dhcp"]
        ),
        (
            &"198.18.1.22".into(),
            &"255.255.255.0".into(),
            &"198.18.1.1".into(),
            &"0".into()
        ),
        "{st}"
    );
    let got = all_broadcast(&lan.sims[1], 2, "set netconf");
    assert!(got.iter().any(|l| l["answered"] == true), "{got:?}");
    // Berofos 1 is operational: the same command for it is refused, and nothing is set.
    let out = lan.xivo(
        &conf,
        &["-t", "1", "netconf", "-m", MACS[0], "-i", "198.18.1.21"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    // It heard berofos 2's set netconf (a broadcast) and left it alone.
    let heard = all_broadcast(&lan.sims[0], 2, "set netconf");
    assert!(heard.iter().all(|l| l["answered"] == false), "{heard:?}");
    assert_eq!(
        lan.sims[0].control("/state?device=1")["settings"]["address"],
        "198.18.1.11"
    );
}
