//! The two-node lab of the cluster tests (tests/two_nodes.rs, tests/upgrade.rs): two
//! real corosync + Pacemaker nodes from Debian's packages on one machine, each in its
//! own network, mount, UTS and PID namespaces (tests/twonode/node.sh), a cluster ring
//! between them and a LAN bridge where each berofos is a `berofos-sim` alone in its
//! namespace (tests/twonode/net.sh). [`Lab`]'s guard takes everything down by pid.

use super::cluster::{elements, exec, roles_in, root, secs, Out};
use super::{http_get, ready_line, sim_bin, BIN};
use serde_json::Value;
use std::collections::HashMap;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The nodes, their ring and LAN addresses.
pub const NODES: [&str; 2] = ["xivo1", "xivo2"];
/// The berofos: namespace name, LAN address, the simulator's base MAC (device 1 = +1).
pub const BEROFOS: [(&str, &str, &str); 2] = [
    ("fos-a", "198.18.1.11", "00:19:32:00:12:1c"),
    ("fos-b", "198.18.1.12", "00:19:32:00:12:2c"),
];
/// The Promoted monitor interval of pcs-examples/create.sh.
pub const MONITOR: Duration = Duration::from_secs(10);
/// A role change after a pcs command or a node event.
pub const ROLE_CHANGE: Duration = Duration::from_secs(60);

/// The tools the test needs.
pub const TOOLS: &[&str] = &[
    "corosync",
    "pacemakerd",
    "pcs",
    "crm_mon",
    "crm_node",
    "ip",
    "unshare",
    "nsenter",
];

pub fn script(name: &str) -> String {
    root()
        .join("tests/twonode")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

pub fn step(what: &str) {
    eprintln!("== [{}] {what}", chrono_like());
}

/// `HH:MM:SS.mmm` UTC, for matching the test's steps with the nodes' logs.
pub fn chrono_like() -> String {
    let ms = now_ms();
    let s = ms / 1000;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        s / 3600 % 24,
        s / 60 % 60,
        s % 60,
        ms % 1000
    )
}

/// Runs `f` on a thread that entered network namespace `ns` (the simulators' control
/// ports listen on the loopback of their own namespace).
pub fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || {
        let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET)
            .unwrap_or_else(|e| panic!("setns {path}: {e}"));
        f()
    })
    .join()
    .expect("the namespace thread")
}

/// One berofos: a simulator alone in its namespace on the LAN.
pub struct Berofos {
    pub ns: String,
    pub child: Child,
    pub _stdin: ChildStdin,
    pub control_port: u16,
    pub log: PathBuf,
    pub mac: String,
}

impl Berofos {
    pub fn control(&self, target: &str) -> Value {
        let (port, target) = (self.control_port, target.to_string());
        let body = in_netns(&self.ns, move || {
            http_get(("127.0.0.1", port), &target, None).map(|(_, b)| b)
        })
        .unwrap_or_else(|e| panic!("control port of {}: {e}", self.ns));
        serde_json::from_str(&body).unwrap_or(Value::Null)
    }

    /// The relay mode, "0" or "1".
    pub fn mode(&self) -> String {
        let s = self.control("/state?device=1");
        let m = &s["settings"]["mode"];
        m.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| m.to_string())
    }

    /// Every relay write the berofos applied since `since_ms`: (time, mode).
    pub fn mode_writes(&self, since_ms: u64) -> Vec<(u64, String)> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|r| r["face"] == "http" && r["applied"] == true)
            .filter_map(|r| {
                let ts = r["ts_ms"].as_u64()?;
                let q = r["query"].as_str()?;
                let mode = q
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("mode="))
                    .filter(|_| q.split('&').any(|kv| kv == "cmd=4"))?;
                (ts >= since_ms).then(|| (ts, mode.to_string()))
            })
            .collect()
    }
}

/// What a node's syslog received (the agent is pointed at a socket of the test's).
pub struct Syslog {
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl Syslog {
    pub fn listen(path: &Path) -> Syslog {
        let _ = std::fs::remove_file(path);
        let sock = UnixDatagram::bind(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let _ = std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 8192];
            while let Ok(n) = sock.recv(&mut buf) {
                let line = String::from_utf8_lossy(&buf[..n]).into_owned();
                sink.lock().expect("syslog lines").push(line);
            }
        });
        Syslog { lines }
    }

    pub fn contains(&self, text: &str) -> bool {
        self.contains_since(0, text)
    }

    /// How many lines came so far (a mark for [`Syslog::contains_since`]).
    pub fn len(&self) -> usize {
        self.lines.lock().expect("syslog lines").len()
    }

    /// Whether a line after the first `mark` ones holds `text`.
    pub fn contains_since(&self, mark: usize, text: &str) -> bool {
        self.lines
            .lock()
            .expect("syslog lines")
            .iter()
            .skip(mark)
            .any(|l| l.contains(text))
    }
}

/// Where each node's agent comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AgentFrom {
    /// A link to the freshly built binary (`BIN`) in the node's own OCF layer.
    Build,
    /// The package, installed later by `dpkg -i` inside the node: the node's
    /// /usr/share, /var/lib/dpkg and /var/cache are layers of its own too (node.sh,
    /// the `dpkg-layers` marker), so each node has its own package database and files.
    Dpkg,
}

/// The two-node lab and everything it started; Drop takes it all down.
pub struct Lab {
    pub started: Instant,
    pub limit: Duration,
    pub state: PathBuf,
    pub prefix: String,
    pub berofos: Vec<Berofos>,
    pub syslog: HashMap<&'static str, Syslog>,
    pub helpers: Vec<Child>,
    pub figures: Vec<(String, Duration)>,
}

impl Lab {
    pub fn left(&self) -> Duration {
        self.limit
            .checked_sub(self.started.elapsed())
            .filter(|d| !d.is_zero())
            .unwrap_or_else(|| {
                panic!(
                    "the two-node test ran past its bound of {} s",
                    self.limit.as_secs()
                )
            })
    }

    pub fn run(&self, cmd: &mut Command, limit: Duration) -> Out {
        exec(cmd, limit.min(self.left()), true).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `tests/twonode/<script> ARGS` (the state dir is the first argument).
    pub fn plumbing(&self, name: &str, args: &[&str]) -> Out {
        let out = self.run(
            Command::new("bash")
                .arg(script(name))
                .args(args)
                .env_clear()
                .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            Duration::from_secs(60),
        );
        assert!(
            out.ok(),
            "{name} {} failed:\n{}",
            args.join(" "),
            out.both()
        );
        out
    }

    pub fn state_str(&self) -> String {
        self.state.to_string_lossy().into_owned()
    }

    /// A command inside `node` (all its namespaces), with a clean environment.
    pub fn on(&self, node: &str, args: &[&str]) -> Out {
        self.run(
            Command::new("bash")
                .arg(script("node.sh"))
                .args(["exec", &self.state_str(), node])
                .args(args)
                .env_clear()
                .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                .env("LC_ALL", "C"),
            Duration::from_secs(90),
        )
    }

    pub fn must_on(&self, node: &str, args: &[&str]) -> String {
        let out = self.on(node, args);
        assert!(
            out.ok(),
            "on {node}: `{}` failed ({:?}):\n{}",
            args.join(" "),
            out.code,
            out.both()
        );
        out.stdout
    }

    /// `sh pcs-examples/<script>` on `node`, settings as environment, verbatim.
    pub fn example(&self, node: &str, name: &str, env: &[(&str, &str)]) -> String {
        let path = root().join("pcs-examples").join(name);
        let mut args: Vec<String> = vec!["env".into()];
        args.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        args.extend(["sh".into(), path.to_string_lossy().into_owned()]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.must_on(node, &refs)
    }

    pub fn crm_mon(&self, node: &str) -> String {
        self.on(node, &["crm_mon", "-1", "--output-as=xml"]).stdout
    }

    /// Where `berofos` is Promoted, as `node` sees it.
    pub fn promoted(&self, node: &str) -> Vec<String> {
        roles_in(&self.crm_mon(node), "berofos")
            .into_iter()
            .filter(|(_, r)| r == "Promoted")
            .map(|(n, _)| n)
            .collect()
    }

    /// The members of `node`'s membership as its corosync sees it
    /// (`corosync-quorumtool -l`: one `NODEID VOTES NAME` line each).
    pub fn corosync_members(&self, node: &str) -> Vec<String> {
        self.on(node, &["corosync-quorumtool", "-l"])
            .stdout
            .lines()
            .filter_map(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                (w.len() >= 3 && w[0].parse::<u32>().is_ok()).then(|| w[2].to_string())
            })
            .collect()
    }

    pub fn online(&self, seen_from: &str, node: &str) -> bool {
        elements(&self.crm_mon(seen_from), "node")
            .iter()
            .any(|n| n.get("name").map(String::as_str) == Some(node) && n["online"] == "true")
    }

    /// Both relays, `"00"`, `"11"`...
    pub fn relays(&self) -> String {
        self.berofos.iter().map(Berofos::mode).collect()
    }

    pub fn node_alive(&self, node: &str) -> bool {
        self.run(
            Command::new("bash")
                .arg(script("node.sh"))
                .args(["alive", &self.state_str(), node]),
            Duration::from_secs(10),
        )
        .ok()
    }

    /// Polls `f` every 100 ms until it holds; panics naming `what` after `limit`.
    pub fn wait(&self, limit: Duration, what: &str, mut f: impl FnMut() -> bool) -> Duration {
        let t = Instant::now();
        let end = t + limit.min(self.left());
        loop {
            if f() {
                return t.elapsed();
            }
            assert!(
                Instant::now() < end,
                "timeout after {:.1} s waiting for: {what}",
                t.elapsed().as_secs_f64()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn figure(&mut self, what: &str, d: Duration) {
        eprintln!("   figure: {what}: {}", secs(d));
        self.figures.push((what.to_string(), d));
    }

    /// Kills `node` and waits for the relays to read `relays`; figures: the kill to
    /// the survivor's corosync seeing it gone, to the lines on the survivor, and the
    /// difference (what Pacemaker and the agent add to corosync's detection).
    pub fn kill_and_measure(&mut self, node: &str, survivor: &str, relays: &str, what: &str) {
        let dc = elements(&self.crm_mon(survivor), "current_dc")
            .first()
            .and_then(|d| d.get("name").cloned())
            .unwrap_or_default();
        let t = Instant::now();
        self.kill_node(node);
        let mut detected: Option<Duration> = None;
        let d = self.wait(ROLE_CHANGE, &format!("relays {relays}"), || {
            if detected.is_none() && !self.corosync_members(survivor).iter().any(|m| m == node) {
                detected = Some(t.elapsed());
            }
            self.relays() == relays
        });
        let detected = detected.unwrap_or(d);
        let was = if dc == node { "the DC" } else { "not the DC" };
        self.figure(
            &format!("{what} ({was}) -> {survivor} sees it gone (corosync)"),
            detected,
        );
        self.figure(&format!("{what} ({was}) -> lines on {survivor}"), d);
        self.figure(
            &format!("{what} ({was}): {survivor} sees it gone -> lines on {survivor}"),
            d.saturating_sub(detected),
        );
    }

    pub fn start_node(&self, node: &str) {
        self.plumbing("node.sh", &["start", &self.state_str(), node]);
    }

    pub fn kill_node(&self, node: &str) {
        self.plumbing("node.sh", &["kill", &self.state_str(), node]);
    }

    pub fn ring(&self, how: &str) {
        self.plumbing("net.sh", &["ring", &self.state_str(), how]);
    }

    pub fn node_dir(&self, node: &str) -> PathBuf {
        self.state.join(node)
    }

    /// Writes a node's own files before its first start: corosync.conf, a seeded CIB,
    /// the agent where Pacemaker looks (or the `dpkg-layers` marker), and pacemakerd's
    /// environment.
    pub fn prepare_node(
        &mut self,
        node: &'static str,
        corosync: &(String, Vec<u8>),
        agent: AgentFrom,
    ) {
        let d = self.node_dir(node);
        let mkdir = |p: &Path| std::fs::create_dir_all(p).expect("node folder");
        mkdir(&d.join("etc/corosync"));
        mkdir(&d.join("lib/pacemaker/cib"));
        mkdir(&d.join("ocf/xivo"));
        mkdir(&d.join("log"));
        std::fs::write(d.join("etc/corosync/corosync.conf"), &corosync.0).expect("corosync.conf");
        let key = d.join("etc/corosync/authkey");
        std::fs::write(&key, &corosync.1).expect("authkey");
        std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o400))
            .expect("authkey mode");
        // The harness's fence agent, where the fencer looks for fence_* (the node's
        // own /usr/sbin layer).
        mkdir(&d.join("sbin"));
        std::fs::copy(
            root().join("tests/twonode/fence_xivolab"),
            d.join("sbin/fence_xivolab"),
        )
        .expect("fence agent");
        // The node's own name service: both XiVOs by name, and no DNS server (the
        // machine's resolver is not on this LAN: a query would only wait for nothing).
        std::fs::write(
            d.join("etc/hosts"),
            "127.0.0.1 localhost\n198.18.0.1 xivo1\n198.18.0.2 xivo2\n",
        )
        .expect("hosts");
        std::fs::write(
            d.join("etc/resolv.conf"),
            "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
        )
        .expect("resolv.conf");
        let schema = std::fs::read_dir("/usr/share/pacemaker")
            .expect("/usr/share/pacemaker")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|n| {
                let v = n.strip_prefix("pacemaker-")?.strip_suffix(".rng")?;
                let (a, b) = v.split_once('.')?;
                Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?))
            })
            .max()
            .expect("a pacemaker-X.Y.rng schema");
        // stonith-enabled=false until scenario g brings fencing; dc-deadtime=2s: the
        // default 20 s is pure waiting at the first start.
        let cib = format!(
            r#"<cib validate-with="pacemaker-{}.{}" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
        <nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="2s"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
"#,
            schema.0, schema.1
        );
        std::fs::write(d.join("lib/pacemaker/cib/cib.xml"), cib).expect("cib.xml");
        let link = d.join("ocf/xivo/berofos");
        let _ = std::fs::remove_file(&link);
        match agent {
            AgentFrom::Build => std::os::unix::fs::symlink(BIN, &link).expect("agent link"),
            AgentFrom::Dpkg => std::fs::write(d.join("dpkg-layers"), "").expect("dpkg marker"),
        }
        let sock = d.join("syslog.sock");
        self.syslog.insert(node, Syslog::listen(&sock));
        std::fs::write(
            d.join("env"),
            format!("XIVO_BEROFOS_SYSLOG_SOCKET={}\n", sock.display()),
        )
        .expect("env");
    }

    /// Starts one simulator per berofos, each alone in its namespace on the LAN.
    pub fn start_berofos(&mut self) {
        for (name, addr, mac) in BEROFOS {
            self.plumbing("net.sh", &["host", &self.state_str(), name, addr]);
            let ns = format!("{}{name}", self.prefix);
            let log = self.state.join(format!("{name}.requests.jsonl"));
            let mut child = Command::new("ip")
                .args(["netns", "exec", &ns, sim_bin()])
                .args(["--devices", "1", "--ip", addr, "--udp-any"])
                .args(["--http-port", "80", "--udp-port", "50123"])
                .args(["--base-mac", mac, "--device-mode", "1=0"])
                .arg("--log")
                .arg(&log)
                .arg("--exit-with-stdin")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start berofos-sim");
            let stdin = child.stdin.take().expect("stdin");
            let line = ready_line(&mut child, Duration::from_secs(10))
                .unwrap_or_else(|| panic!("berofos-sim in {ns}: no ready line within 10 s"));
            let ready: Value = serde_json::from_str(line.trim())
                .unwrap_or_else(|e| panic!("berofos-sim in {ns}: {e}: {line}"));
            let control_port = ready["control_port"].as_u64().expect("control_port") as u16;
            let dev_mac = ready["devices"][0]["mac"]
                .as_str()
                .expect("mac")
                .to_string();
            self.berofos.push(Berofos {
                ns,
                child,
                _stdin: stdin,
                control_port,
                log,
                mac: dev_mac,
            });
        }
    }

    /// Up to scenario a's start: network, berofos, both nodes online.
    pub fn up(token_ms: Option<u32>, limit: Duration) -> Lab {
        Lab::up_with(token_ms, limit, AgentFrom::Build)
    }

    /// [`Lab::up`], the agent from `agent`.
    pub fn up_with(token_ms: Option<u32>, limit: Duration, agent: AgentFrom) -> Lab {
        let state = tempfile::Builder::new()
            .prefix("xb2n-")
            .tempdir_in("/tmp")
            .expect("state dir")
            .keep();
        let prefix = format!("xb2n{}-", std::process::id() % 100_000);
        let mut lab = Lab {
            started: Instant::now(),
            limit,
            state,
            prefix,
            berofos: Vec::new(),
            syslog: HashMap::new(),
            helpers: Vec::new(),
            figures: Vec::new(),
        };
        step(&format!(
            "network {} (state in {})",
            lab.prefix,
            lab.state.display()
        ));
        lab.plumbing("net.sh", &["up", &lab.state_str(), &lab.prefix.clone()]);
        step("two berofos on the LAN (198.18.1.11, .12; ports 80 and 50123)");
        lab.start_berofos();
        let corosync = corosync_files(&lab.state, token_ms);
        for n in NODES {
            lab.prepare_node(n, &corosync, agent);
        }
        step("both nodes up");
        let t = Instant::now();
        for n in NODES {
            lab.start_node(n);
        }
        lab.wait(Duration::from_secs(120), "both nodes online", || {
            NODES.iter().all(|n| lab.online("xivo1", n))
        });
        eprintln!("   both online after {}", secs(t.elapsed()));
        lab
    }

    pub fn print_diagnostics(&self) {
        eprintln!(
            "===== two-node test failed: state kept in {}",
            self.state.display()
        );
        for n in NODES {
            if self.node_alive(n) {
                if let Ok(out) = exec(
                    Command::new("bash")
                        .arg(script("node.sh"))
                        .args(["exec", &self.state_str(), n])
                        .args(["crm_mon", "-1", "-A", "-r", "--include=failures"]),
                    Duration::from_secs(20),
                    true,
                ) {
                    eprintln!("----- crm_mon on {n}\n{}", out.both());
                }
            } else {
                eprintln!("----- {n} is not running");
            }
            for f in ["pacemaker.log", "var/corosync/corosync.log"] {
                let text = std::fs::read_to_string(self.node_dir(n).join("log").join(f))
                    .unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                let tail = &lines[lines.len().saturating_sub(40)..];
                eprintln!(
                    "----- {n} {f} (last {} lines)\n{}",
                    tail.len(),
                    tail.join("\n")
                );
            }
            if let Some(s) = self.syslog.get(n) {
                let lines = s.lines.lock().map(|l| l.clone()).unwrap_or_default();
                let tail = &lines[lines.len().saturating_sub(15)..];
                eprintln!("----- {n} agent syslog (last 15)\n{}", tail.join("\n"));
            }
        }
        for b in &self.berofos {
            let text = std::fs::read_to_string(&b.log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(10)..];
            eprintln!("----- {} requests (last 10)\n{}", b.ns, tail.join("\n"));
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let failed = std::thread::panicking();
        if failed {
            self.print_diagnostics();
        }
        let state = self.state_str();
        for n in NODES {
            let _ = exec(
                Command::new("bash")
                    .arg(script("node.sh"))
                    .args(["kill", &state, n]),
                Duration::from_secs(20),
                false,
            );
        }
        for b in &mut self.berofos {
            let _ = b.child.kill();
            let _ = b.child.wait();
        }
        for h in &mut self.helpers {
            let _ = h.kill();
            let _ = h.wait();
        }
        match exec(
            Command::new("bash")
                .arg(script("net.sh"))
                .args(["down", &state]),
            Duration::from_secs(60),
            false,
        ) {
            Ok(out) if out.ok() => {}
            Ok(out) => eprintln!("net.sh down failed:\n{}", out.both()),
            Err(e) => eprintln!("net.sh down: {e}"),
        }
        // TWO_NODES_KEEP=1 keeps the nodes' logs of a passing run too.
        if failed || std::env::var_os("TWO_NODES_KEEP").is_some() {
            eprintln!("two-node test: logs kept in {}", self.state.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.state);
        }
    }
}

/// corosync.conf of the pair as pcs-examples/cluster-setup.sh writes it (run verbatim,
/// with its COROSYNC_CONF setting: no pcsd here), and one authkey for both nodes.
pub fn corosync_files(state: &Path, token_ms: Option<u32>) -> (String, Vec<u8>) {
    let conf = state.join("corosync.conf");
    let key = state.join("authkey");
    let mut cmd = Command::new("sh");
    cmd.arg(root().join("pcs-examples/cluster-setup.sh"))
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("NODE1", "xivo1")
        .env("NODE1_ADDR", "198.18.0.1")
        .env("NODE2", "xivo2")
        .env("NODE2_ADDR", "198.18.0.2")
        .env("COROSYNC_CONF", &conf);
    if let Some(t) = token_ms {
        cmd.env("TOKEN", t.to_string());
    }
    let out = exec(&mut cmd, Duration::from_secs(120), true).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.ok(), "cluster-setup.sh failed:\n{}", out.both());
    let out = exec(
        Command::new("corosync-keygen").arg("-k").arg(&key),
        Duration::from_secs(30),
        true,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.ok(), "corosync-keygen failed:\n{}", out.both());
    (
        std::fs::read_to_string(&conf).expect("corosync.conf"),
        std::fs::read(&key).expect("authkey"),
    )
}

pub const LEFTOVER: &str = "stop a leftover test cluster by its pid first";

/// The admin's set-up, as the documentation's procedure and our README say: on xivo1
/// `scan -x` by broadcast, `setup` of each berofos, the file copied to xivo2; the XiVO
/// services stand-in; then create.sh and constraints.sh. `tool`: the xivo-berofos the
/// admin runs (`BIN`, or the installed package's).
pub fn set_up_the_pair(lab: &mut Lab, tool: &str) {
    step("xivo1: xivo-berofos scan -x (broadcast on the LAN), setup -f fos1/fos2");
    lab.must_on("xivo1", &[tool, "scan", "-x"]);
    let conf = lab.must_on("xivo1", &["cat", "/etc/bnfos.conf"]);
    for (b, (_, addr, _)) in lab.berofos.iter().zip(BEROFOS) {
        assert!(
            conf.contains(&format!("host = {addr}"))
                && conf.to_lowercase().contains(&b.mac.to_lowercase()),
            "scan -x by broadcast wrote no section for {addr} ({}):\n{conf}",
            b.mac
        );
    }
    assert!(
        !conf.contains("port ="),
        "default port: no port key\n{conf}"
    );
    for f in ["fos1", "fos2"] {
        lab.must_on("xivo1", &[tool, "setup", "-f", f]);
    }
    let copy = lab.state.join("bnfos.conf");
    let copy = copy.to_string_lossy().into_owned();
    lab.must_on("xivo1", &["cp", "/etc/bnfos.conf", &copy]);
    lab.must_on(
        "xivo2",
        &["install", "-m", "0600", &copy, "/etc/bnfos.conf"],
    );

    // No location rule of the test's own: the preference for the master XiVO (first
    // placement and fail-back) comes from constraints.sh, as the admin gets it.
    step("the XiVO services stand-in");
    lab.must_on(
        "xivo1",
        &[
            "pcs",
            "resource",
            "create",
            "xivo-services",
            "ocf:pacemaker:Dummy",
        ],
    );
    step("a. create.sh MASTER_NODE=xivo1, constraints.sh SERVICES=xivo-services");
    let t = Instant::now();
    lab.example("xivo1", "create.sh", &[("MASTER_NODE", "xivo1")]);
    lab.example("xivo1", "constraints.sh", &[("SERVICES", "xivo-services")]);
    lab.wait(ROLE_CHANGE, "berofos Promoted on xivo1, relays 11", || {
        lab.promoted("xivo1") == ["xivo1"] && lab.relays() == "11"
    });
    lab.figure(
        "a. create + constraints: promoted on xivo1, relays at 1",
        t.elapsed(),
    );
}
