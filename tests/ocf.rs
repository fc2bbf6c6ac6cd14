//! The resource agent `ocf:xivo:berofos`, driven as Pacemaker drives it: the binary,
//! an action, `OCF_RESKEY_*` in the environment, the exit code and stderr.
//!
//! Every test runs the agent with its own `HA_RSCTMP`, lock folder and syslog socket,
//! and with a PATH and HA_SBIN_DIR that hold no Pacemaker tool: a test never touches
//! a cluster that may run on the machine.
//!
//! Device tests talk to `berofos-sim` over real loopback sockets.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_xivo-berofos");
const DTD_DIR: &str = "/usr/share/resource-agents";

mod common;

/// The berofos of these tests: a real `berofos-sim` (tests/common), relays starting in
/// mode 0, its sections (fos1 at 127.0.0.2, fos2 at 127.0.0.3, ...) copied to the
/// configuration the agent reads.
struct Berofos {
    sim: common::Sim,
}

impl Berofos {
    fn start(n: usize, config: &Path, args: &[&str]) -> Berofos {
        let mut all = vec!["--device-mode", "all=0"];
        all.extend_from_slice(args);
        let sim = common::Sim::start(n, &all);
        std::fs::write(config, sim.config_text()).expect("write config");
        Berofos { sim }
    }

    fn mode(&self, k: usize) -> String {
        self.sim.mode(k)
    }

    /// Flips a relay behind the agent's back.
    fn set_mode(&self, k: usize, m: &str) {
        self.sim
            .control(&format!("/set?device={k}&name=mode&value={m}"));
    }

    /// A simulator fault: `hang`, `dead`, `deny`, `http500`, `garbage`, `none`...
    fn fault(&self, k: usize, f: &str) {
        self.sim.fault(&k.to_string(), f);
    }
}

/// One agent set-up: a folder for the state, lock, configuration and syslog socket.
struct Agent {
    dir: tempfile::TempDir,
    /// What the syslog socket received, read by a thread so the agent never waits on it.
    syslog: Arc<Mutex<Vec<String>>>,
    env: Vec<(String, String)>,
}

/// What one call gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Run {
    fn reason(&self) -> Option<&str> {
        self.stderr
            .lines()
            .find_map(|l| l.strip_prefix("ocf-exit-reason:"))
    }
}

impl Agent {
    /// This node is `node`; master_node is `xivo1`; the configuration is `bnfos.conf`
    /// in the folder (absent until a test writes it).
    fn new(node: &str) -> Agent {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).expect("bin");
        let sock = dir.path().join("syslog.sock");
        let socket = UnixDatagram::bind(&sock).expect("syslog socket");
        let syslog = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&syslog);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = socket.recv(&mut buf) {
                lines
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        });
        let p = |x: &Path| x.to_string_lossy().into_owned();
        let env = [
            ("PATH", p(&bin)),
            ("HA_SBIN_DIR", p(&bin)),
            ("HA_RSCTMP", p(&dir.path().join("rsctmp"))),
            ("XIVO_BEROFOS_LOCK_DIR", p(dir.path())),
            ("XIVO_BEROFOS_SYSLOG_SOCKET", p(&sock)),
            ("OCF_ROOT", "/usr/lib/ocf".into()),
            ("OCF_RESOURCE_INSTANCE", "berofos:1".into()),
            ("OCF_RESKEY_master_node", "xivo1".into()),
            ("OCF_RESKEY_config", p(&dir.path().join("bnfos.conf"))),
            ("OCF_RESKEY_CRM_meta_on_node", node.into()),
            ("OCF_RESKEY_CRM_meta_interval", "10000".into()),
            ("OCF_RESKEY_CRM_meta_timeout", "20000".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Agent { dir, syslog, env }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("bnfos.conf")
    }

    fn state_file(&self) -> PathBuf {
        self.dir.path().join("rsctmp/berofos-berofos.state")
    }

    /// Sets (or with `None` removes) a variable for the next calls.
    fn set(&mut self, k: &str, v: Option<&str>) {
        self.env.retain(|(n, _)| n != k);
        if let Some(v) = v {
            self.env.push((k.into(), v.into()));
        }
    }

    fn command(&self, program: &str, args: &[&str], extra: &[(&str, &str)]) -> Command {
        let mut c = Command::new(program);
        c.args(args).env_clear().stdin(Stdio::null());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        for (k, v) in extra {
            c.env(k, v);
        }
        c
    }

    fn run_with(&self, action: &str, extra: &[(&str, &str)]) -> Run {
        let t = Instant::now();
        let out = self
            .command(BIN, &["ocf", action], extra)
            .output()
            .expect("run the agent");
        run_of(out, t.elapsed())
    }

    fn run(&self, action: &str) -> Run {
        self.run_with(action, &[])
    }

    /// `None`, `Some("promoted")`, `Some("unpromoted")`, or what a test wrote.
    fn state(&self) -> Option<String> {
        std::fs::read_to_string(self.state_file())
            .ok()
            .map(|s| s.trim().to_string())
    }

    fn put_state(&self, s: Option<&str>) {
        let f = self.state_file();
        match s {
            Some(s) => {
                std::fs::create_dir_all(f.parent().unwrap()).unwrap();
                std::fs::write(&f, format!("{s}\n")).unwrap();
            }
            None => {
                let _ = std::fs::remove_file(&f);
            }
        }
    }

    /// Syslog datagrams received since the last call.
    fn syslog(&self) -> Vec<String> {
        // The agent has exited; give the reader thread a moment to catch up.
        std::thread::sleep(Duration::from_millis(50));
        std::mem::take(&mut *self.syslog.lock().unwrap())
    }
}

fn run_of(out: Output, took: Duration) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took,
    }
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

fn xmllint(xml: &str) -> (bool, String) {
    use std::io::Write;
    let mut c = Command::new("xmllint")
        .args(["--noout", "--valid", "-"])
        .current_dir(DTD_DIR)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xmllint (apt-get install libxml2-utils resource-agents)");
    c.stdin.take().unwrap().write_all(xml.as_bytes()).unwrap();
    let out = c.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// ---------------------------------------------------------------- meta-data, usage

#[test]
fn meta_data_is_valid_against_the_dtd() {
    let a = Agent::new("xivo1");
    let r = a.run("meta-data");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (ok, err) = xmllint(&r.stdout);
    assert!(ok, "xmllint: {err}\n{}", r.stdout);
    let x = &r.stdout;
    assert!(
        x.starts_with("<?xml version=\"1.0\"?>\n<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">")
    );
    assert!(x.contains(&format!(
        "<resource-agent name=\"berofos\" version=\"{}\">",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(x.contains("<version>1.1</version>"));
    assert!(x.contains(r#"<parameter name="master_node" unique="0" required="1">"#));
    assert!(x.contains(r#"<content type="string" default="/etc/bnfos.conf" />"#));
    assert!(x.contains(r#"interval="10s" role="Promoted""#));
    assert!(x.contains(r#"interval="11s" role="Unpromoted""#));
    assert!(x.contains("A--B") && x.contains("A--D"));
    // Nothing read or written, nothing logged.
    assert!(!a.dir.path().join("rsctmp").exists());
    assert!(a.syslog().is_empty());
}

#[test]
fn meta_data_as_nobody() {
    if !is_root() {
        eprintln!("skipped: needs root to become nobody");
        return;
    }
    let out = Command::new("setpriv")
        .args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            BIN,
            "ocf",
            "meta-data",
        ])
        .env_clear()
        .env("HA_RSCTMP", "/nonexistent/rsctmp")
        .output()
        .expect("setpriv");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(xmllint(&String::from_utf8_lossy(&out.stdout)).0);
}

#[test]
fn usage_unknown_and_missing_actions() {
    let a = Agent::new("xivo1");
    for act in ["usage", "help"] {
        let r = a.run(act);
        assert_eq!(r.code, 0);
        assert!(r.stdout.contains("promote") && r.stderr.is_empty());
    }
    let r = a.run("reload");
    assert_eq!(r.code, 3);
    assert!(r.stdout.is_empty() && r.stderr.contains("usage") && r.stderr.contains("'reload'"));
    // No action at all: usage, 3; the action from __OCF_ACTION otherwise.
    let out = a.command(BIN, &["ocf"], &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let out = a
        .command(BIN, &["ocf"], &[("__OCF_ACTION", "monitor")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
}

// ---------------------------------------------------------------- state machine

/// Every action in every state, not configured: (action, state before, exit, state after).
#[test]
fn state_machine_without_configuration() {
    let p = Some("promoted");
    let u = Some("unpromoted");
    let table: &[(&str, Option<&str>, i32, Option<&str>)] = &[
        ("start", None, 0, u),
        ("start", u, 0, u),
        ("start", p, 8, p),
        ("stop", None, 0, None),
        ("stop", u, 0, None),
        ("stop", p, 0, None),
        ("promote", None, 7, None),
        ("promote", u, 0, p),
        ("promote", p, 0, p),
        ("demote", None, 7, None),
        ("demote", u, 0, u),
        ("demote", p, 0, u),
        ("monitor", None, 7, None),
        ("monitor", u, 0, u),
        ("monitor", p, 8, p),
        ("notify", None, 0, None),
        ("notify", u, 0, u),
        ("notify", p, 0, p),
        ("validate-all", None, 0, None),
        ("reload-agent", None, 0, None),
        ("reload-agent", p, 0, p),
    ];
    for node in ["xivo1", "xivo2"] {
        let a = Agent::new(node);
        for &(action, before, code, after) in table {
            a.put_state(before);
            let r = a.run(action);
            assert_eq!(
                r.code, code,
                "{node}: {action} from {before:?}: {}",
                r.stderr
            );
            assert_eq!(
                a.state().as_deref(),
                after,
                "{node}: {action} from {before:?}"
            );
            if code != 0 && code != 7 && code != 8 {
                assert!(r.reason().is_some(), "{action}: {}", r.stderr);
            }
        }
    }
}

#[test]
fn each_transition_twice() {
    let a = Agent::new("xivo1");
    for (action, code, state) in [
        ("start", 0, Some("unpromoted")),
        ("start", 0, Some("unpromoted")),
        ("promote", 0, Some("promoted")),
        ("promote", 0, Some("promoted")),
        ("demote", 0, Some("unpromoted")),
        ("demote", 0, Some("unpromoted")),
        ("stop", 0, None),
        ("stop", 0, None),
    ] {
        let r = a.run(action);
        assert_eq!(
            (r.code, a.state().as_deref()),
            (code, state),
            "{action}: {}",
            r.stderr
        );
    }
}

#[test]
fn promote_without_configuration_does_nothing_and_says_so() {
    let a = Agent::new("xivo1");
    a.put_state(Some("unpromoted"));
    let r = a.run("promote");
    assert_eq!(r.code, 0);
    assert!(
        r.stderr
            .contains("berofos is not configured -- doing nothing"),
        "{}",
        r.stderr
    );
    let logged = a.syslog().join("\n");
    assert!(
        logged.contains("berofos is not configured -- doing nothing"),
        "{logged}"
    );
    assert!(r.took < Duration::from_secs(2), "{:?}", r.took);
}

#[test]
fn corrupt_state_file_is_a_generic_error_with_a_reason() {
    let a = Agent::new("xivo1");
    a.put_state(Some("half-promo"));
    let r = a.run("monitor");
    assert_eq!(r.code, 1);
    let reason = r.reason().expect("exit reason");
    assert!(
        reason.contains("half-promo") && reason.contains("berofos-berofos.state"),
        "{reason}"
    );
    // stop clears it.
    assert_eq!(a.run("stop").code, 0);
    assert_eq!(a.run("monitor").code, 7);
}

#[test]
fn state_folder_is_created_and_clone_suffix_dropped() {
    let a = Agent::new("xivo1");
    assert!(!a.dir.path().join("rsctmp").exists());
    assert_eq!(
        a.run_with("start", &[("OCF_RESOURCE_INSTANCE", "berofos:0")])
            .code,
        0
    );
    assert_eq!(a.state().as_deref(), Some("unpromoted"));
    assert_eq!(
        a.run_with("monitor", &[("OCF_RESOURCE_INSTANCE", "berofos:7")])
            .code,
        0
    );
}

// ---------------------------------------------------------------- promotion score

#[test]
fn promotion_scores_and_missing_crm_attribute() {
    for (node, prefer, score) in [
        ("xivo1", "true", 100),
        ("xivo2", "true", 50),
        ("xivo1", "false", 50),
        ("xivo2", "no", 50),
    ] {
        let a = Agent::new(node);
        let r = a.run_with("start", &[("OCF_RESKEY_prefer_master", prefer)]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("promotion score {score} (node {node}")),
            "{node} {prefer}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("crm_attribute not found"), "{}", r.stderr);
        let r = a.run("stop");
        assert_eq!(r.code, 0);
        assert!(r.stderr.contains("removing the promotion score"));
    }
}

/// Pacemaker 2.0.5 (Debian 11) has no `crm_attribute --promotion`, only `crm_master`;
/// 2.1 and 3.0 have `--promotion`. Stand-ins for both tools (this machine runs 2.1.5;
/// the real 2.0.5 and 3.0 run in scripts/root-test), written from Pacemaker's usage:
/// the agent picks the one the node has, and under a cluster (`crm_node -l` answers)
/// a score it cannot set fails the start with a reason instead of a warning only.
#[test]
fn the_score_goes_through_crm_master_on_pacemaker_2_0_and_its_failure_fails_start() {
    let a = Agent::new("xivo1");
    stand_in_crm_node(
        &a,
        "[ \"$1\" = -l ] && echo '1 xivo1 member' && echo '2 xivo2 member'",
    );
    let bin = a.dir.path().join("bin");
    let calls = a.dir.path().join("calls");
    let write = |name: &str, script: &str| {
        let path = bin.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    let log = format!("echo \"${{0##*/}} $*\" >> {}", calls.display());
    // 2.0.5: --help-all and --promotion are usage errors (exit 64, as its real
    // crm_attribute answers in scripts/root-test).
    write("crm_attribute", &format!("{log}\nexit 64"));
    write("crm_master", &format!("{log}\nexit 0"));
    let r = a.run("start");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let seen = std::fs::read_to_string(&calls).unwrap();
    assert!(seen.contains("crm_master -l reboot -v 100"), "{seen}");
    assert!(!seen.contains("--promotion"), "{seen}");
    let r = a.run("stop");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(std::fs::read_to_string(&calls)
        .unwrap()
        .contains("crm_master -l reboot -D"));
    // 2.1 and later: --promotion, never crm_master.
    std::fs::remove_file(&calls).unwrap();
    write(
        "crm_attribute",
        &format!("{log}\ncase \"$*\" in --help-all) echo '  -p, --promotion=RESOURCE'; exit 0;; esac\nexit 0"),
    );
    let r = a.run("start");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let seen = std::fs::read_to_string(&calls).unwrap();
    assert!(seen.contains("crm_attribute --promotion -v 100"), "{seen}");
    assert!(!seen.contains("crm_master"), "{seen}");
    a.run("stop");
    // The score cannot be set (the CIB refuses it): start fails, with the reason.
    write(
        "crm_attribute",
        "case \"$*\" in --help-all) echo '  -p, --promotion=RESOURCE'; exit 0;; esac\necho 'Could not connect to the CIB' >&2; exit 102",
    );
    let r = a.run("start");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("ocf-exit-reason:cannot set the promotion score")
            && r.stderr.contains("Could not connect to the CIB")
            && r.stderr.contains("never promoted"),
        "{}",
        r.stderr
    );
}

#[test]
fn probes_restore_the_score_recurring_monitors_do_not() {
    let a = Agent::new("xivo1");
    a.put_state(Some("promoted"));
    let probe = a.run_with("monitor", &[("OCF_RESKEY_CRM_meta_interval", "0")]);
    assert_eq!(probe.code, 8);
    assert!(
        probe.stderr.contains("promotion score 100"),
        "{}",
        probe.stderr
    );
    let recurring = a.run("monitor");
    assert_eq!(recurring.code, 8);
    assert!(
        !recurring.stderr.contains("promotion score"),
        "{}",
        recurring.stderr
    );
    a.put_state(Some("unpromoted"));
    let probe = a.run_with("monitor", &[("OCF_RESKEY_CRM_meta_interval", "0")]);
    assert_eq!(probe.code, 0);
    assert!(probe.stderr.contains("promotion score 100"));
}

/// Pacemaker may apply a parameter change with a demote and a promote only (a Restart
/// aborted after the demote): both set the score from the current parameters.
#[test]
fn promote_and_demote_refresh_the_score() {
    let a = Agent::new("xivo1");
    a.put_state(Some("promoted"));
    let r = a.run_with("demote", &[("OCF_RESKEY_prefer_master", "false")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("promotion score 50"), "{}", r.stderr);
    let r = a.run_with("promote", &[("OCF_RESKEY_prefer_master", "false")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("promotion score 50"), "{}", r.stderr);
    assert_eq!(a.state().as_deref(), Some("promoted"));
    // A demote with bad parameters still demotes (a failed demote means a stop).
    let r = a.run_with("demote", &[("OCF_RESKEY_prefer_master", "maybe")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(a.state().as_deref(), Some("unpromoted"));
}

/// A stand-in for Pacemaker's `crm_node` first on the agent's PATH (no cluster runs in
/// these tests): `script` is the body of a shell script.
fn stand_in_crm_node(a: &Agent, script: &str) {
    let path = a.dir.path().join("bin/crm_node");
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The node's name decides the relay direction. Without OCF_RESKEY_CRM_meta_on_node
/// and a working `crm_node -n`, nothing is done on a guess (the host name used to be
/// taken): promote fails naming the problem and touches no berofos, the promoted
/// monitor fails, no promotion score is set; demote and stop still work.
#[test]
fn without_a_node_name_nothing_is_switched_on_a_guess() {
    let host = nix::unistd::gethostname().unwrap().into_string().unwrap();
    let mut a = Agent::new("unused");
    a.set("OCF_RESKEY_CRM_meta_on_node", None);
    a.set("OCF_RESKEY_master_node", Some(&host));
    let b = Berofos::start(2, &a.config(), &[]);
    // First no crm_node at all, then one that cannot reach the cluster.
    for (standin, why) in [
        (None, "crm_node not found"),
        (
            Some("echo 'crm_node: could not connect to the cluster' >&2; exit 1"),
            "could not connect to the cluster",
        ),
    ] {
        if let Some(script) = standin {
            stand_in_crm_node(&a, script);
        }
        a.put_state(None);
        let r = a.run("start");
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stderr
                .contains("promotion score not set: this node's cluster name is unknown")
                && r.stderr.contains(why)
                && !r.stderr.contains("promotion score 100"),
            "{}",
            r.stderr
        );
        let r = a.run("promote");
        assert_eq!(r.code, 1, "{}", r.stderr);
        let reason = r.reason().unwrap_or_default();
        assert!(
            reason.starts_with("no berofos touched: this node's cluster name is unknown")
                && reason.contains("OCF_RESKEY_CRM_meta_on_node"),
            "{}",
            r.stderr
        );
        assert_eq!(a.state().as_deref(), Some("unpromoted"));
        assert!(
            b.sim.http_requests(1).is_empty() && b.sim.http_requests(2).is_empty(),
            "a berofos was touched: {}",
            r.stderr
        );
        assert_eq!((b.mode(1), b.mode(2)), ("0".to_string(), "0".to_string()));
        // A promoted instance cannot know which mode is right either.
        a.put_state(Some("promoted"));
        for interval in ["10000", "0"] {
            let r = a.run_with("monitor", &[("OCF_RESKEY_CRM_meta_interval", interval)]);
            assert_eq!(r.code, 1, "{}", r.stderr);
            assert!(
                r.reason()
                    .unwrap_or_default()
                    .starts_with("relays not checked: this node's cluster name is unknown"),
                "{}",
                r.stderr
            );
        }
        assert_eq!(a.run("demote").code, 0);
        assert_eq!(a.run("stop").code, 0);
        assert_eq!(a.state(), None);
    }
}

/// A cluster tool that writes more than a pipe holds (64 KiB) before it exits: its
/// output is read while it runs. It used to block on the full pipe until it was killed
/// as "did not finish in time", and its answer was lost (here: a master_node that
/// is not a node of the cluster went unnoticed).
#[test]
fn a_chatty_cluster_tool_is_read_while_it_runs() {
    let a = Agent::new("xivo1");
    stand_in_crm_node(
        &a,
        r#"[ "$1" = -l ] || exit 1
i=0
while [ $i -lt 3000 ]; do
    echo "chatter:line:$i:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    echo "chatter:line:$i:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" >&2
    i=$((i+1))
done
echo "1 xivo2 member"
echo "2 xivo3 member""#,
    );
    let r = a.run("validate-all");
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(
        r.reason()
            .unwrap_or_default()
            .starts_with("master_node=xivo1 is not a node of this cluster (nodes: xivo2, xivo3)"),
        "{}",
        r.stderr
    );
}

/// Without OCF_RESKEY_CRM_meta_on_node, `crm_node -n` names the node.
#[test]
fn node_name_from_crm_node() {
    let mut a = Agent::new("unused");
    a.set("OCF_RESKEY_CRM_meta_on_node", None);
    stand_in_crm_node(&a, r#"[ "$1" = -n ] && echo xivo1 || exit 1"#);
    let b = Berofos::start(1, &a.config(), &[]);
    assert_eq!(a.run("start").code, 0);
    let r = a.run("promote");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("promotion score 100 (node xivo1 is master_node)"),
        "{}",
        r.stderr
    );
    assert_eq!(b.mode(1), "1");
}

// ---------------------------------------------------------------- validate-all

#[test]
fn validate_all_exit_codes() {
    let a = Agent::new("xivo1");
    type Case<'a> = (&'a [(&'a str, &'a str)], i32, &'a str);
    let cases: &[Case] = &[
        (&[], 0, ""),
        (&[("OCF_RESKEY_master_node", "")], 2, "master_node"),
        (&[("OCF_RESKEY_timeout", "0")], 2, "timeout"),
        (&[("OCF_RESKEY_timeout", "soon")], 2, "timeout"),
        (&[("OCF_RESKEY_timeout", "1.5")], 0, ""),
        (&[("OCF_RESKEY_prefer_master", "maybe")], 2, "prefer_master"),
        (&[("OCF_RESKEY_devices", "fos1")], 5, "does not exist"),
    ];
    for (extra, code, word) in cases {
        let r = a.run_with("validate-all", extra);
        assert_eq!(r.code, *code, "{extra:?}: {}", r.stderr);
        if *code != 0 {
            assert!(
                r.reason().unwrap_or("").contains(word),
                "{extra:?}: {}",
                r.stderr
            );
        }
    }
    std::fs::write(
        a.config(),
        "[fos1]\nmac = 00:19:32:00:00:01\nhost = 127.0.0.1\n[fos2]\nhost = 127.0.0.1\nport = 99999\n",
    )
    .unwrap();
    let r = a.run_with("validate-all", &[("OCF_RESKEY_devices", "fos1")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = a.run_with("validate-all", &[("OCF_RESKEY_devices", "fos1 fos9")]);
    assert_eq!(r.code, 2);
    assert!(r.reason().unwrap().contains("[fos9]"));
    let r = a.run("validate-all");
    assert_eq!(r.code, 6);
    let reason = r.reason().unwrap();
    assert!(
        reason.contains("bnfos.conf:6") && reason.contains("[fos2]"),
        "{reason}"
    );
    std::fs::remove_file(a.config()).unwrap();
    std::fs::create_dir(a.config()).unwrap();
    assert_eq!(a.run("validate-all").code, 6);
}

// ---------------------------------------------------------------- logging

#[test]
fn syslog_facility_from_ha_logfacility() {
    let a = Agent::new("xivo1");
    a.run("notify");
    let lines = a.syslog();
    // daemon (3) * 8 + info (6)
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("<30>") && l.contains("xivo-berofos")),
        "{lines:?}"
    );
    a.run_with(
        "notify",
        &[
            ("HA_LOGFACILITY", "local0"),
            ("OCF_RESKEY_CRM_meta_notify_type", "pre"),
            ("OCF_RESKEY_CRM_meta_notify_operation", "promote"),
        ],
    );
    let lines = a.syslog();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("<134>") && l.contains("notify: pre-promote")),
        "{lines:?}"
    );
}

// ---------------------------------------------------------------- with berofos

#[test]
fn promote_switches_and_monitor_follows_the_relay() {
    for (node, want) in [("xivo1", "1"), ("xivo2", "0")] {
        let a = Agent::new(node);
        let sim = Berofos::start(2, &a.config(), &[]);
        let other = if want == "1" { "0" } else { "1" };
        sim.set_mode(1, other);
        sim.set_mode(2, other);
        assert_eq!(a.run("start").code, 0);
        assert_eq!(a.run("monitor").code, 0);
        let r = a.run("promote");
        assert_eq!(r.code, 0, "{node}: {}", r.stderr);
        assert_eq!(
            (sim.mode(1), sim.mode(2)),
            (want.to_string(), want.to_string())
        );
        let logged = a.syslog().join("\n");
        let words = if want == "1" { "1 (A--B)" } else { "0 (A--D)" };
        assert!(
            logged.contains(&format!(
                "setting berofos relay mode to {words} for fos1 (127.0.0.2)"
            )),
            "{logged}"
        );
        assert_eq!(a.run("monitor").code, 8);
        // Someone flips the relay behind our back.
        sim.set_mode(2, other);
        let r = a.run("monitor");
        assert_eq!(r.code, 9);
        let reason = r.reason().unwrap();
        eprintln!("reason: {reason}");
        assert!(
            reason.contains("fos2 (127.0.0.3)") && !reason.contains("fos1"),
            "{reason}"
        );
        // Demote leaves the relay alone.
        assert_eq!(a.run("demote").code, 0);
        assert_eq!(sim.mode(1), want);
        assert_eq!(a.run("monitor").code, 0);
    }
}

#[test]
fn dead_and_denied_berofos_fail_the_promotion_by_name() {
    let a = Agent::new("xivo1");
    let sim = Berofos::start(3, &a.config(), &["--login", "all=admin:s3cretpw"]);
    sim.fault(2, "dead");
    sim.fault(3, "deny");
    a.put_state(Some("unpromoted"));
    let r = a.run("promote");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let reason = r.reason().unwrap();
    assert!(
        reason.starts_with("2/3 berofos not switched to 1 (A--B): "),
        "{reason}"
    );
    eprintln!("reason: {reason}");
    // Pacemaker keeps 128 characters of a reason: every failed device fits in them.
    assert!(reason.len() <= 128, "{} characters: {reason}", reason.len());
    assert!(
        reason.contains("fos2") && reason.contains("fos3") && reason.contains("401"),
        "{reason}"
    );
    assert_eq!(sim.mode(1), "1", "the healthy one stays switched");
    assert_eq!(a.state().as_deref(), Some("unpromoted"));
    let logged = a.syslog().join("\n");
    assert!(!r.stderr.contains("s3cretpw") && !logged.contains("s3cretpw"));
    // Promoted, a dead berofos fails the monitor.
    a.put_state(Some("promoted"));
    let r = a.run("monitor");
    assert_eq!(r.code, 9);
    let reason = r.reason().unwrap();
    assert!(
        reason.contains("fos2") && reason.contains("fos3") && reason.len() <= 128,
        "{reason}"
    );
    // The log has the whole story, with what to do.
    assert!(
        r.stderr
            .contains("ERROR: fos3 (127.0.0.4): login refused (HTTP 401) – check the login"),
        "{}",
        r.stderr
    );
}

#[test]
fn one_hung_berofos_does_not_delay_the_other() {
    let a = Agent::new("xivo2");
    let sim = Berofos::start(2, &a.config(), &[]);
    sim.set_mode(1, "1");
    sim.set_mode(2, "1");
    sim.fault(1, "hang");
    a.put_state(Some("unpromoted"));
    let r = a.run_with(
        "promote",
        &[
            ("OCF_RESKEY_CRM_meta_timeout", "5000"),
            ("OCF_RESKEY_timeout", "30"),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    eprintln!("hung promote took {:?}", r.took);
    assert!(r.took < Duration::from_millis(5000), "took {:?}", r.took);
    assert_eq!(sim.mode(2), "0");
    let reason = r.reason().unwrap();
    eprintln!("reason: {reason}");
    assert!(
        reason.contains("fos1") && !reason.contains("fos2"),
        "{reason}"
    );
    assert!(reason.contains("no answer"), "{reason}");
}

#[test]
fn broken_section_counts_as_failed() {
    let a = Agent::new("xivo1");
    let sim = Berofos::start(1, &a.config(), &[]);
    let mut text = std::fs::read_to_string(a.config()).unwrap();
    let port_line = text.lines().count() + 3;
    text.push_str("[fos2]\nhost = 127.0.0.3\nport = nope\n");
    std::fs::write(a.config(), text).unwrap();
    a.put_state(Some("unpromoted"));
    let r = a.run("promote");
    assert_eq!(r.code, 1);
    let reason = r.reason().unwrap();
    assert!(
        reason.contains("[fos2]") && reason.contains(&format!("bnfos.conf:{port_line}")),
        "{reason}"
    );
    assert_eq!(sim.mode(1), "1");
    // Only the selected devices count.
    let r = a.run_with("promote", &[("OCF_RESKEY_devices", "fos1")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A duplicate section is ignored by the agent too (it used to count as a failed
/// berofos, `[fos1#dup..]`, and fail every promotion).
#[test]
fn a_duplicate_section_is_ignored() {
    let a = Agent::new("xivo1");
    let b = Berofos::start(2, &a.config(), &[]);
    let text = std::fs::read_to_string(a.config()).unwrap();
    std::fs::write(
        a.config(),
        format!("{text}\n[fos1]\nhost = 127.0.0.99\nport = 1\n"),
    )
    .unwrap();
    let r = a.run("validate-all");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(a.run("start").code, 0);
    let r = a.run("promote");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("#dup"), "{}", r.stderr);
    assert_eq!((b.mode(1), b.mode(2)), ("1".to_string(), "1".to_string()));
    assert_eq!(a.run("monitor").code, 8);
}

/// The lock files of berofos `k` of `b` in the agent's lock folder.
fn device_locks(a: &Agent, b: &Berofos, k: usize) -> Vec<PathBuf> {
    let mac = b.sim.mac(k).parse().ok();
    xivo_berofos::lock::device_keys(mac, Some(&b.sim.host(k)), b.sim.http_port(k))
        .iter()
        .map(|key| xivo_berofos::lock::device_path_in(a.dir.path(), key))
        .collect()
}

/// Whether some process holds a lock of berofos `k` (in the agent's lock folder).
fn lock_held(a: &Agent, b: &Berofos, k: usize) -> bool {
    use nix::fcntl::{Flock, FlockArg};
    device_locks(a, b, k).iter().any(|p| {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(p)
            .expect("the lock file");
        Flock::lock(f, FlockArg::LockExclusiveNonblock).is_err()
    })
}

/// The workers of a parallel switch may outlive the switch (a signal ends the wait
/// for them at once), but never the lock: no request of theirs is sent after it is
/// released. Here a SIGTERM ends the promote's wait while the slow berofos has not
/// answered the write yet; the agent then sets the score (a stand-in crm_attribute
/// that takes 3 s) while the worker, once answered, sends its read-back: the lock must
/// still be held when that request arrives (it used to be released with the switch).
#[test]
fn no_request_after_the_lock_is_released() {
    use nix::sys::signal::{kill, Signal};
    let a = Agent::new("xivo1");
    let b = Berofos::start(1, &a.config(), &["--fault", "1=slow:1500"]);
    let tool = a.dir.path().join("bin/crm_attribute");
    std::fs::write(&tool, "#!/bin/sh\nexec /bin/sleep 3\n").unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    a.put_state(Some("unpromoted"));
    let child = a
        .command(BIN, &["ocf", "promote"], &[])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    assert!(
        common::wait_until(Duration::from_secs(10), || b.sim.http_requests(1).len()
            == 1),
        "the promote did not send its write"
    );
    kill(pid, Signal::SIGTERM).unwrap();
    let read_back = common::wait_until(Duration::from_secs(10), || {
        b.sim.http_requests(1).len() >= 2
    });
    let held = read_back && lock_held(&a, &b, 1);
    let out = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| {
            let _ = kill(pid, Signal::SIGKILL);
            panic!("the agent did not end")
        });
    let err = String::from_utf8_lossy(&out.unwrap().stderr).into_owned();
    assert!(read_back, "no read-back was sent: {err}");
    assert!(
        held,
        "a request was sent after the lock was released: {err}"
    );
    assert!(
        !lock_held(&a, &b, 1),
        "the lock is free once the agent ended"
    );
}

/// A bnfos.conf with a login that other users can read: the agent logs it, with the
/// fix, once per action that reads the file.
#[test]
fn a_login_other_users_can_read_is_logged_once_per_action() {
    let a = Agent::new("xivo1");
    let _b = Berofos::start(1, &a.config(), &["--login", "all=admin:s3cret"]);
    std::fs::set_permissions(a.config(), std::fs::Permissions::from_mode(0o640)).unwrap();
    let conf = a.config().display().to_string();
    let warning = format!(
        "{conf} holds a login and other users can read it (mode 0640) – its passwords are exposed: chmod 600 {conf}"
    );
    a.put_state(Some("unpromoted"));
    a.syslog();
    for action in ["validate-all", "promote", "monitor"] {
        let r = a.run(action);
        assert!(r.code == 0 || r.code == 8, "{action}: {}", r.stderr);
        assert_eq!(
            r.stderr.matches(&warning).count(),
            1,
            "{action}: {}",
            r.stderr
        );
        let logged = a.syslog();
        assert_eq!(
            logged.iter().filter(|l| l.contains(&warning)).count(),
            1,
            "{action}: {logged:?}"
        );
        assert!(!r.stderr.contains("s3cret"));
    }
    std::fs::set_permissions(a.config(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = a.run("monitor");
    assert_eq!(r.code, 8, "{}", r.stderr);
    assert!(!r.stderr.contains("other users can read"), "{}", r.stderr);
}

/// The unpromoted monitor checks the standby's readiness: each berofos must answer
/// this node (its login accepted). Not ready: 190 naming the berofos and what to try,
/// and no write; ready again: 0. (The comparison with the other node's file runs on
/// two real nodes, tests/two_nodes.rs.)
#[test]
fn an_unready_standby_is_degraded_and_named() {
    let a = Agent::new("xivo2");
    let sim = Berofos::start(2, &a.config(), &["--login", "all=admin:s3cret"]);
    a.put_state(Some("unpromoted"));
    let monitor = |a: &Agent| a.run_with("monitor", &[("OCF_RESKEY_CRM_meta_interval", "11000")]);
    let r = monitor(&a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let before = sim.mode(2);
    sim.fault(2, "dead");
    let r = monitor(&a);
    assert_eq!(r.code, 190, "{}", r.stderr);
    let reason = r.reason().unwrap();
    assert!(
        reason.starts_with("xivo2 not ready") && reason.contains("fos2"),
        "{reason}"
    );
    assert!(
        r.stderr.contains("xivo-berofos ping -f fos2"),
        "{}",
        r.stderr
    );
    // A refused login is not ready either.
    sim.fault(2, "none");
    sim.fault(1, "deny");
    let r = monitor(&a);
    assert_eq!(r.code, 190, "{}", r.stderr);
    assert!(r.reason().unwrap().contains("fos1"), "{:?}", r.reason());
    sim.fault(1, "none");
    assert_eq!(monitor(&a).code, 0);
    assert_eq!(sim.mode(2), before, "readiness never writes");
    // A probe only says where the instance is.
    sim.fault(1, "dead");
    assert_eq!(
        a.run_with("monitor", &[("OCF_RESKEY_CRM_meta_interval", "0")])
            .code,
        0
    );
    // No file on any node: the no-op of the XiVO documentation, silent.
    std::fs::remove_file(a.config()).unwrap();
    let r = monitor(&a);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A berofos's lock held by another process (as a `set` would hold it): the promote
/// waits for it until its deadline, then names that berofos and the holder; the other
/// berofos are switched at once.
#[test]
fn a_held_lock_is_a_clear_error_in_time() {
    use nix::fcntl::{Flock, FlockArg};
    use std::io::Write;
    let a = Agent::new("xivo1");
    let b = Berofos::start(2, &a.config(), &[]);
    a.put_state(Some("unpromoted"));
    let mut held = Vec::new();
    for p in device_locks(&a, &b, 1) {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&p)
            .unwrap();
        let mut f = Flock::lock(f, FlockArg::LockExclusiveNonblock).unwrap();
        writeln!(&mut *f, "4242\nshort\nxivo-berofos set").unwrap();
        held.push(f);
    }
    let r = a.run_with("promote", &[("OCF_RESKEY_CRM_meta_timeout", "2000")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.took < Duration::from_secs(2), "{:?}", r.took);
    let reason = r.reason().unwrap();
    assert!(
        reason.contains("fos1") && reason.contains("busy (pid 4242, xivo-berofos set)"),
        "{reason}"
    );
    assert_eq!((b.mode(1), b.mode(2)), ("0".to_string(), "1".to_string()));
}

/// A flash of fos1 (minutes, named in another configuration file, as
/// /etc/bnfos.conf beside the cluster's /etc/bnfos-cluster.conf) never holds the
/// promote: fos2 and fos3 are switched, and fos1 is named with the flash's pid, at
/// once – while the flash still runs (issue 14, item 3).
#[test]
fn a_promote_during_a_flash_of_fos1_switches_the_others_and_names_fos1() {
    let a = Agent::new("xivo1");
    let b = Berofos::start(3, &a.config(), &["--fault", "1=flash+slow:20"]);
    let fw = a.dir.path().join("fw.bin");
    std::fs::write(&fw, vec![0x5Au8; 300 * 512]).unwrap();
    // The admin's own file (the simulator's), the same berofos as the agent's.
    let mut flash = b
        .sim
        .std_cmd()
        .env("XIVO_BEROFOS_LOCK_DIR", a.dir.path())
        .args(["-t", "2", "flash", fw.to_str().unwrap(), "-f", "fos1"])
        .spawn()
        .unwrap();
    assert!(
        common::wait_until(Duration::from_secs(20), || b
            .sim
            .requests()
            .iter()
            .filter(|r| r["face"] == "gbl4" && r["cmd"] == 4)
            .count()
            >= 5),
        "the flash did not start"
    );
    a.put_state(Some("unpromoted"));
    let r = a.run("promote");
    let still_flashing = flash.try_wait().unwrap().is_none();
    assert_eq!(r.code, 1, "{}", r.stderr);
    let reason = r.reason().unwrap();
    let holder = format!("busy (pid {}, xivo-berofos flash)", flash.id());
    assert!(
        reason.contains("fos1") && reason.contains(&holder),
        "{reason}"
    );
    assert_eq!((b.mode(2), b.mode(3)), ("1".to_string(), "1".to_string()));
    assert!(
        still_flashing,
        "the promote waited for the flash: {}",
        r.stderr
    );
    let out = flash.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------- ocf-tester

/// Runs ocf-tester on `agent` with the agent's environment, without /usr/sbin on PATH
/// (so no crm_attribute reaches a cluster that may run here).
fn ocf_tester(a: &Agent, agent: &Path, config: &Path, extra: &[(&str, &str)]) -> Run {
    let host = nix::unistd::gethostname().unwrap().into_string().unwrap();
    let master = format!("master_node={host}");
    // No cluster here: name the node as Pacemaker would (the agent never guesses it).
    let on_node = format!("CRM_meta_on_node={host}");
    let config = format!("config={}", config.display());
    let t = Instant::now();
    let out = a
        .command(
            "/usr/sbin/ocf-tester",
            &[
                "-n",
                "berofos",
                "-o",
                &master,
                "-o",
                &on_node,
                "-o",
                &config,
                agent.to_str().unwrap(),
            ],
            extra,
        )
        .env("PATH", "/usr/bin:/bin")
        .env("XIVO_BEROFOS_SYSLOG_SOCKET", "/nonexistent/syslog")
        .output()
        .expect("ocf-tester (apt-get install resource-agents)");
    run_of(out, t.elapsed())
}

/// A folder nobody can enter (ocf-tester runs meta-data as nobody when root).
fn open_folder(a: &Agent) -> PathBuf {
    std::fs::set_permissions(a.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    a.dir.path().to_path_buf()
}

fn assert_tester_passed(r: &Run) {
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("passed all tests"), "{}", r.stdout);
}

#[test]
fn ocf_tester_through_a_symlink_named_berofos() {
    let a = Agent::new("unused");
    let link = open_folder(&a).join("berofos");
    std::os::unix::fs::symlink(BIN, &link).unwrap();
    assert_tester_passed(&ocf_tester(&a, &link, Path::new("/nonexistent"), &[]));
    let _sim = Berofos::start(2, &a.config(), &[]);
    assert_tester_passed(&ocf_tester(&a, &link, &a.config(), &[]));
}

#[test]
fn ocf_tester_through_the_shell_shim() {
    let a = Agent::new("unused");
    open_folder(&a);
    let shim = Path::new(env!("CARGO_MANIFEST_DIR")).join("ocf/berofos");
    let r = ocf_tester(
        &a,
        &shim,
        Path::new("/nonexistent"),
        &[("XIVO_BEROFOS", BIN)],
    );
    assert_tester_passed(&r);
    let sim = Berofos::start(2, &a.config(), &[]);
    let r = ocf_tester(&a, &shim, &a.config(), &[("XIVO_BEROFOS", BIN)]);
    assert_tester_passed(&r);
    // ocf-tester promoted this node (master_node = its host name): relay mode 1.
    assert_eq!(
        (sim.mode(1), sim.mode(2)),
        ("1".to_string(), "1".to_string())
    );
}

/// The split-brain guard (the real thing runs in tests/two_nodes.rs; here the
/// partition is what a stand-in `crm_node -p` says, and no `crm_mon` can say the other
/// node is down). With the other node outside its partition, a promoted node takes a
/// moved relay back once (exit 9: Pacemaker's recovery promotes again), then leaves it
/// (191, "split brain" reason and syslog) until the back-off ends; with the other node
/// back, it repairs again and forgets, at the first action that sees it.
#[test]
fn a_relay_moved_while_alone_is_taken_back_then_held_off_for_a_time() {
    let a = Agent::new("xivo1");
    let sim = Berofos::start(1, &a.config(), &[]);
    let record = a.dir.path().join("rsctmp/berofos-berofos.split");
    let partition = a.dir.path().join("partition");
    stand_in_crm_node(
        &a,
        &format!(
            // Builtins only: the agent's PATH holds nothing but the stand-ins.
            r#"case "$1" in -p) read -r l < {p}; echo "$l";; -l) echo '1 xivo1 member'; echo '2 xivo2 lost';; *) exit 1;; esac"#,
            p = partition.display()
        ),
    );
    std::fs::write(&partition, "xivo1\n").unwrap();
    assert_eq!(a.run("start").code, 0);
    assert_eq!(a.run("promote").code, 0);
    assert_eq!(a.run("monitor").code, 8);
    assert!(
        !record.exists(),
        "nothing to remember while the relay is ours"
    );

    // The relay moves while xivo1 is alone: a berofos that restarted into modedef,
    // or the first move of a split brain. Taken back once.
    sim.set_mode(1, "0");
    let r = a.run("monitor");
    assert_eq!(r.code, 9, "{}", r.stderr);
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(
        text.starts_with("v2 ") && text.trim_end().ends_with(" 0 watching"),
        "the take-back is remembered: {text}"
    );
    assert!(a.syslog().join("\n").contains("taking it back"));
    assert_eq!(a.run("promote").code, 0, "Pacemaker's recovery");
    assert_eq!(sim.mode(1), "1");

    // Moved again while still alone: leave it, say why and for how long.
    for _ in 0..2 {
        sim.set_mode(1, "0");
        let r = a.run("monitor");
        assert_eq!(r.code, 191, "{}", r.stderr);
        let reason = r.reason().unwrap();
        assert!(
            reason.starts_with("split brain: xivo2 outside this partition keeps taking fos1")
                && reason.contains("taking back in 10 min")
                && reason.contains("configure fencing")
                && reason.len() <= 128,
            "{reason}"
        );
        assert!(a
            .syslog()
            .join("\n")
            .contains("split brain: xivo2 is not in node xivo1's partition"));
        assert_eq!(sim.mode(1), "0", "the relay is left where it is");
    }
    // Pacemaker's recovery (demote, stop, start, promote) neither forgets nor switches.
    assert_eq!(a.run("demote").code, 0);
    assert_eq!(a.run("stop").code, 0);
    assert!(record.exists());
    assert_eq!(a.run("start").code, 0);
    assert_eq!(a.run("promote").code, 0);
    assert_eq!(sim.mode(1), "0", "promote obeys the hold-off");
    assert!(a.syslog().join("\n").contains("without switching"));

    // The hold-off ends (the record as it would be 10 min after the take-back): the
    // relay is taken back, and the next wait is 20 min.
    let text = std::fs::read_to_string(&record).unwrap();
    let w: Vec<&str> = text.split_whitespace().collect();
    let at: u64 = w[2].parse().unwrap();
    let aged = at.saturating_sub(601);
    std::fs::write(&record, format!("v2 {} {aged} 1 holding-off\n", w[1])).unwrap();
    let r = a.run("monitor");
    assert_eq!(r.code, 9, "{}", r.stderr);
    assert!(a.syslog().join("\n").contains("leaves it for 20 min"));
    assert_eq!(a.run("promote").code, 0);
    assert_eq!(sim.mode(1), "1");
    sim.set_mode(1, "0");
    let r = a.run("monitor");
    assert_eq!(r.code, 191);
    assert!(r.reason().unwrap().contains("taking back in 20 min"));

    // The other node is back in the partition: the next action forgets (here a
    // demote), and a moved relay is repaired again.
    std::fs::write(&partition, "xivo1 xivo2\n").unwrap();
    assert_eq!(a.run("demote").code, 0);
    assert!(
        !record.exists(),
        "forgotten by the demote, the other node back"
    );
    assert_eq!(a.run("promote").code, 0);
    assert_eq!(sim.mode(1), "1");
    sim.set_mode(1, "0");
    assert_eq!(a.run("monitor").code, 9);
    assert!(!record.exists());

    // No answer about the partition: neither "here" nor forgotten. The guard applies
    // (one take-back, then a hold-off), and the log says why.
    assert_eq!(a.run("promote").code, 0);
    std::fs::remove_file(&partition).unwrap();
    a.syslog();
    sim.set_mode(1, "0");
    assert_eq!(a.run("monitor").code, 9);
    assert!(record.exists());
    assert!(a
        .syslog()
        .join("\n")
        .contains("cannot tell whether the other node is in node xivo1's partition"));
    assert_eq!(a.run("promote").code, 0);
    sim.set_mode(1, "0");
    let r = a.run("monitor");
    assert_eq!(r.code, 191, "{}", r.stderr);
    assert!(
        r.reason()
            .unwrap()
            .starts_with("split brain: the other node"),
        "{:?}",
        r.reason()
    );
    // An unknown membership keeps the record at every action.
    assert_eq!(a.run("demote").code, 0);
    assert!(record.exists());
}

/// A take-back that cannot be remembered is not made: unremembered, it would repeat
/// at every monitor for as long as a split brain lasts.
#[test]
fn a_take_back_that_cannot_be_recorded_is_not_made() {
    let a = Agent::new("xivo1");
    let sim = Berofos::start(1, &a.config(), &[]);
    let record = a.dir.path().join("rsctmp/berofos-berofos.split");
    stand_in_crm_node(
        &a,
        r#"case "$1" in -p) echo xivo1;; -l) echo '1 xivo1 member'; echo '2 xivo2 lost';; *) exit 1;; esac"#,
    );
    assert_eq!(a.run("start").code, 0);
    assert_eq!(a.run("promote").code, 0);
    // A directory where the record goes: it can be neither read nor replaced.
    std::fs::create_dir_all(record.join("in-the-way")).unwrap();
    sim.set_mode(1, "0");
    let r = a.run("monitor");
    assert_eq!(r.code, 191, "{}", r.stderr);
    assert!(
        r.reason()
            .unwrap()
            .contains("not taken back: cannot write the split-brain record"),
        "{:?}",
        r.reason()
    );
    assert_eq!(sim.mode(1), "0");
}

/// The agent selects as the admin commands do (src/select.rs): an unknown section, a
/// section without host and a file without sections are named; the good berofos are
/// switched all the same.
#[test]
fn one_selection_as_the_admin_commands() {
    let a = Agent::new("xivo1");
    let sim = Berofos::start(1, &a.config(), &[]);
    sim.set_mode(1, "0");
    a.put_state(Some("unpromoted"));
    let r = a.run_with("promote", &[("OCF_RESKEY_devices", "fos1 fos9")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let reason = r.reason().unwrap();
    assert!(
        reason.starts_with("1/2 berofos not switched to 1 (A--B): [fos9] not in "),
        "{reason}"
    );
    assert_eq!(sim.mode(1), "1", "the known berofos is switched");
    // A section without host: named early, with its line, by validate-all too.
    let good = std::fs::read_to_string(a.config()).unwrap();
    let line = good.lines().count() + 1;
    std::fs::write(
        a.config(),
        format!("{good}[fos2]\nmac = 00:19:32:00:00:09\n"),
    )
    .unwrap();
    sim.set_mode(1, "0");
    let r = a.run("promote");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let reason = r.reason().unwrap();
    assert!(
        reason.contains(&format!("[fos2] no host (bnfos.conf:{line})")),
        "{reason}"
    );
    assert_eq!(sim.mode(1), "1");
    let r = a.run("validate-all");
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(r.reason().unwrap().contains("has no host"), "{}", r.stderr);
    // A file without any section is a configuration error, not "not configured".
    std::fs::write(a.config(), "# no berofos yet\n").unwrap();
    let r = a.run("validate-all");
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(r.reason().unwrap().contains("no berofos section"));
    let r = a.run("promote");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.reason().unwrap().contains("no berofos section"));
}

/// A one-node cluster has nobody else to take the relay: every flip is repaired, and
/// nothing is remembered (the split-brain guard needs another node outside).
#[test]
fn a_one_node_cluster_always_repairs() {
    let a = Agent::new("xivo1");
    let sim = Berofos::start(1, &a.config(), &[]);
    let record = a.dir.path().join("rsctmp/berofos-berofos.split");
    stand_in_crm_node(
        &a,
        r#"case "$1" in -p) echo xivo1;; -l) echo '1 xivo1 member';; *) exit 1;; esac"#,
    );
    assert_eq!(a.run("start").code, 0);
    for _ in 0..3 {
        assert_eq!(a.run("promote").code, 0);
        sim.set_mode(1, "0");
        let r = a.run("monitor");
        assert_eq!(r.code, 9, "{}", r.stderr);
        assert!(!r.reason().unwrap().contains("split brain"));
        assert!(!record.exists());
    }
}
