//! The agent under a real Pacemaker (issue 4): a single-node corosync + pacemaker
//! cluster from Debian's packages (tests/pacemaker/cluster-up.sh), the real agent
//! installed as `ocf:xivo:berofos`, `berofos-sim` with two berofos, and the admin
//! scripts of `pcs-examples/` run verbatim. Asserts through `crm_mon`/`crm_resource`
//! XML, the CIB and the simulator (relay modes, request log).
//!
//! One `#[test]`: the cluster is a machine-wide singleton (port 5405, /etc/corosync,
//! /var/lib/pacemaker), so every step runs in sequence in this one function, and no
//! other test of the suite touches a cluster (tests/ocf.rs runs the agent with a PATH
//! without Pacemaker's tools).
//!
//! Needs root and the packages `pacemaker corosync pcs` (scripts/deps installs them).
//! Without them it prints "skipped: ..." — or fails when CI=true.
//!
//! Bounded: every command runs under a time limit (its process group is killed past
//! it), every wait is bounded, the whole test is bounded by [`TOTAL`]. Whatever
//! happens (an assertion failing included), [`Cluster`]'s Drop stops the daemons by
//! pid (cluster-down.sh), puts back the agent that was installed before and
//! /etc/corosync/corosync.conf, and `Sim`'s Drop stops the simulator.

mod common;

use common::cluster::{
    can_run, elements, exec, refuse_beside_a_cluster, roles_in, root, secs, Out,
};
use common::{Sim, BIN};
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The whole test, cluster start and stop included.
const TOTAL: Duration = Duration::from_secs(360);
/// Where Pacemaker looks for `ocf:xivo:berofos`.
const AGENT_DIR: &str = "/usr/lib/ocf/resource.d/xivo";
const AGENT: &str = "/usr/lib/ocf/resource.d/xivo/berofos";
/// The agent's state files (`HA_RSCTMP` default: execd does not set it).
const STATE_FILE: &str = "/run/resource-agents/berofos-berofos.state";
/// The Promoted monitor interval of pcs-examples/create.sh.
const MONITOR: Duration = Duration::from_secs(10);
/// A role change after a pcs command (measured: < 3 s).
const ROLE_CHANGE: Duration = Duration::from_secs(30);
/// The tools the test needs.
const TOOLS: &[&str] = &[
    "corosync",
    "pacemakerd",
    "pcs",
    "crm_mon",
    "crm_resource",
    "crm_attribute",
    "cibadmin",
    "corosync-quorumtool",
];

// ------------------------------------------------------------------ the guard

/// What was at [`AGENT`] before the test.
enum Previous {
    Nothing { made_dir: bool },
    Link(PathBuf),
    File(Vec<u8>, u32),
}

/// The running cluster and everything the test changed on the machine; Drop (also on
/// a panic) puts it all back.
struct Cluster {
    started: Instant,
    state: PathBuf,
    node: String,
    previous_agent: Option<Previous>,
    lock_file: Option<PathBuf>,
    sim_log: Option<PathBuf>,
}

impl Cluster {
    /// Time left of [`TOTAL`]; panics when none is.
    fn left(&self) -> Duration {
        TOTAL
            .checked_sub(self.started.elapsed())
            .filter(|d| !d.is_zero())
            .unwrap_or_else(|| panic!("the test ran past its bound of {} s", TOTAL.as_secs()))
    }

    /// A command, bounded by `limit` and the time left; panics on a timeout.
    fn run(&self, cmd: &mut Command, limit: Duration) -> Out {
        exec(cmd, limit.min(self.left()), true).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A command that must succeed; its stdout.
    fn must(&self, program: &str, args: &[&str]) -> String {
        let out = self.run(Command::new(program).args(args), Duration::from_secs(60));
        assert!(
            out.ok(),
            "`{program} {}` failed ({:?}):\n{}",
            args.join(" "),
            out.code,
            out.both()
        );
        out.stdout
    }

    /// `sh pcs-examples/<script>` with `env`, verbatim; must succeed.
    fn example(&self, script: &str, env: &[(&str, &str)]) -> String {
        let path = root().join("pcs-examples").join(script);
        let mut cmd = Command::new("sh");
        cmd.arg(&path).current_dir(root());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = self.run(&mut cmd, Duration::from_secs(120));
        assert!(
            out.ok(),
            "pcs-examples/{script} failed ({:?}):\n{}",
            out.code,
            out.both()
        );
        out.stdout
    }

    fn crm_mon_xml(&self) -> String {
        let out = self.run(
            Command::new("crm_mon").args(["-1", "--output-as=xml"]),
            Duration::from_secs(20),
        );
        out.stdout
    }

    /// `(node, role)` of each active instance of `id`.
    fn roles(&self, id: &str) -> Vec<(String, String)> {
        roles_in(&self.crm_mon_xml(), id)
    }

    fn has_role(&self, id: &str, role: &str) -> bool {
        self.roles(id) == vec![(self.node.clone(), role.to_string())]
    }

    /// The `<failure>` elements of crm_mon whose op_key is one of `rsc`'s.
    fn failures(&self, rsc: &str) -> Vec<HashMap<String, String>> {
        elements(&self.crm_mon_xml(), "failure")
            .into_iter()
            .filter(|f| {
                f.get("op_key")
                    .is_some_and(|k| k.starts_with(&format!("{rsc}_")))
            })
            .collect()
    }

    /// Polls `f` every 100 ms until it holds; panics naming `what` after `limit`.
    /// Returns the time it took.
    fn wait(&self, limit: Duration, what: &str, mut f: impl FnMut() -> bool) -> Duration {
        let t = Instant::now();
        let end = t + limit.min(self.left());
        loop {
            self.assert_agent_installed();
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

    /// `crm_resource --wait`: the scheduler has nothing left to do.
    fn settle(&self) {
        self.must("crm_resource", &["--wait", "--timeout=30s"]);
    }

    fn cib_has(&self, xpath: &str) -> bool {
        self.run(
            Command::new("cibadmin").args(["-Q", "--xpath", xpath]),
            Duration::from_secs(20),
        )
        .ok()
    }

    fn promotion_score(&self) -> String {
        let out = self.run(
            Command::new("crm_attribute").args([
                "--promotion=berofos",
                "-N",
                &self.node,
                "-G",
                "-q",
            ]),
            Duration::from_secs(20),
        );
        out.stdout.trim().to_string()
    }

    /// The XiVO services stand-in runs here (the berofos never takes it down).
    fn assert_services_started(&self, when: &str) {
        let roles = self.roles("xivo-services");
        assert_eq!(
            roles,
            vec![(self.node.clone(), "Started".to_string())],
            "xivo-services not Started on {} {when}",
            self.node
        );
    }

    /// Installs the agent: [`AGENT`] → a symlink to the binary (named `berofos`, it
    /// acts as the agent), remembering what was there.
    fn install_agent(&mut self) {
        let dir = Path::new(AGENT_DIR);
        let previous = match std::fs::symlink_metadata(AGENT) {
            Ok(m) if m.file_type().is_symlink() => {
                Previous::Link(std::fs::read_link(AGENT).expect("read the agent link"))
            }
            Ok(m) => Previous::File(
                std::fs::read(AGENT).expect("read the installed agent"),
                m.permissions().mode(),
            ),
            Err(_) => Previous::Nothing {
                made_dir: !dir.exists(),
            },
        };
        self.previous_agent = Some(previous);
        std::fs::create_dir_all(dir).expect("create the OCF provider folder");
        let _ = std::fs::remove_file(AGENT);
        std::os::unix::fs::symlink(BIN, AGENT).expect("install the agent symlink");
    }

    fn restore_agent(&mut self) {
        let Some(previous) = self.previous_agent.take() else {
            return;
        };
        let _ = std::fs::remove_file(AGENT);
        let r = match previous {
            Previous::Nothing { made_dir } => {
                if made_dir {
                    let _ = std::fs::remove_dir(AGENT_DIR);
                }
                Ok(())
            }
            Previous::Link(target) => std::os::unix::fs::symlink(&target, AGENT),
            Previous::File(bytes, mode) => std::fs::write(AGENT, bytes).and_then(|_| {
                std::fs::set_permissions(AGENT, std::fs::Permissions::from_mode(mode))
            }),
        };
        if let Err(e) = r {
            eprintln!("pacemaker test: cannot restore {AGENT}: {e}");
        }
    }

    /// The agent link is still ours. The path is machine-wide: another session's
    /// `scripts/package-test` (dpkg -i, then purge) replaces and removes it.
    fn assert_agent_installed(&self) {
        let link = std::fs::read_link(AGENT).ok();
        assert!(
            link.as_deref() == Some(Path::new(BIN)),
            "{AGENT} is no longer our link to {BIN} (now: {link:?}): something else on this \
             machine replaced or removed it (scripts/package-test running at the same time?)"
        );
    }

    /// On failure: what the cluster was doing.
    fn print_diagnostics(&self) {
        eprintln!(
            "===== pacemaker test failed: state in {}",
            self.state.display()
        );
        if let Ok(out) = exec(
            Command::new("crm_mon").args(["-1", "-A", "-r", "--include=failures"]),
            Duration::from_secs(20),
            true,
        ) {
            eprintln!("----- crm_mon -1 -A -r\n{}", out.both());
        }
        for f in ["pacemaker.log", "corosync.log"] {
            let text = std::fs::read_to_string(self.state.join(f)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(60)..];
            eprintln!("----- {f} (last {} lines)\n{}", tail.len(), tail.join("\n"));
        }
        if let Some(log) = &self.sim_log {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(15)..];
            eprintln!("----- simulator requests (last 15)\n{}", tail.join("\n"));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let failed = std::thread::panicking();
        if failed {
            self.print_diagnostics();
        }
        // Stops pacemakerd then corosync by the pids in the state dir, wipes the CIB
        // and the agents' state files, puts back /etc/corosync/corosync.conf.
        let down = root().join("tests/pacemaker/cluster-down.sh");
        match exec(
            Command::new("bash").arg(&down).arg(&self.state),
            Duration::from_secs(150),
            false,
        ) {
            Ok(out) if out.ok() => {}
            Ok(out) => eprintln!("cluster-down.sh failed ({:?}):\n{}", out.code, out.both()),
            Err(e) => eprintln!("cluster-down.sh: {e}"),
        }
        self.restore_agent();
        if let Some(lock) = &self.lock_file {
            let _ = std::fs::remove_file(lock);
        }
        if failed {
            eprintln!("logs kept in {}", self.state.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.state);
        }
    }
}

// ------------------------------------------------------------------ the test

fn step(what: &str) {
    eprintln!("== {what}");
}

#[test]
fn pacemaker_end_to_end() {
    let started = Instant::now();
    if !can_run("real-Pacemaker test", TOOLS, "pacemaker corosync pcs") {
        return;
    }
    // A cluster already running is a leftover (or a real one): never touch it.
    refuse_beside_a_cluster(
        "a leftover test cluster? stop it with tests/pacemaker/cluster-down.sh STATE_DIR (or by its pid) first",
    );

    // The simulator first: dropped last, after the cluster has stopped the agent.
    let sim = Sim::start(2, &["--device-mode", "all=0"]);
    std::fs::set_permissions(sim.dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod the simulator's folder");
    let config = sim.config.to_str().expect("utf-8 path").to_string();
    assert_eq!((sim.mode(1), sim.mode(2)), ("0".into(), "0".into()));

    let state = tempfile::Builder::new()
        .prefix("pcmk-e2e-")
        .tempdir_in("/tmp")
        .expect("state dir")
        .keep();
    let mut c = Cluster {
        started,
        state,
        node: String::new(),
        previous_agent: None,
        lock_file: xivo_berofos::lock::path_for(&sim.config).ok(),
        sim_log: Some(sim.log.clone()),
    };

    step("cluster up");
    // A clean environment, as the daemons get from systemd: the agent runs under
    // execd with what pacemakerd had, so nothing of cargo's environment leaks in.
    let up = exec(
        Command::new("bash")
            .arg(root().join("tests/pacemaker/cluster-up.sh"))
            .arg(&c.state)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("PCMK_UP_TIMEOUT", "120"),
        Duration::from_secs(150),
        false,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(up.ok(), "cluster-up.sh failed:\n{}", up.both());
    c.node = up
        .stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix("node="))
        .expect("cluster-up.sh prints node=NAME")
        .to_string();
    eprintln!("  {}", up.stdout.trim());
    let node = c.node.clone();

    step(&format!("install the agent: {AGENT} -> {BIN}"));
    c.install_agent();

    step("the XiVO services stand-in");
    let dummy = if Path::new("/usr/lib/ocf/resource.d/pacemaker/Dummy").exists() {
        "ocf:pacemaker:Dummy"
    } else {
        "ocf:heartbeat:Dummy"
    };
    c.must(
        "pcs",
        &[
            "resource",
            "create",
            "xivo-services",
            dummy,
            "op",
            "monitor",
            "interval=10s",
        ],
    );
    c.wait(ROLE_CHANGE, "xivo-services Started", || {
        c.has_role("xivo-services", "Started")
    });

    step("validate-all asks the live cluster whether master_node is one of its nodes");
    for (master, want) in [("no-such-node", 6), (node.as_str(), 0)] {
        let out = c.run(
            Command::new(BIN)
                .args(["ocf", "validate-all"])
                .env_clear()
                .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                .env("HA_LOGFACILITY", "none")
                .env("OCF_RESKEY_master_node", master)
                .env("OCF_RESKEY_config", &config),
            Duration::from_secs(20),
        );
        assert_eq!(
            out.code,
            Some(want),
            "master_node={master}:\n{}",
            out.both()
        );
        if want == 6 {
            assert!(
                out.stderr.contains("not a node of this cluster") && out.stderr.contains(&node),
                "{}",
                out.stderr
            );
        }
    }

    // ---------------------------------------------------------------- 1
    step("1. create.sh + constraints.sh: Promoted here, both relays switched to 1");
    let requests_before = sim.requests().len();
    let t0 = Instant::now();
    c.example(
        "create.sh",
        &[("MASTER_NODE", node.as_str()), ("CONFIG", config.as_str())],
    );
    let create_returned = t0.elapsed();
    c.wait(
        Duration::from_secs(60),
        "berofos Promoted, relays at 1",
        || sim.mode(1) == "1" && sim.mode(2) == "1" && c.has_role("berofos", "Promoted"),
    );
    let switched = t0.elapsed();
    eprintln!(
        "FIGURE create-to-switched: {:.1} s (create.sh itself returned after {:.1} s)",
        switched.as_secs_f64(),
        create_returned.as_secs_f64()
    );
    c.example("constraints.sh", &[("SERVICES", "xivo-services")]);
    assert!(c.cib_has(
        "//rsc_colocation[@id='berofos-with-services'][@rsc='berofos-clone']\
         [@rsc-role='Promoted'][@with-rsc='xivo-services'][@influence='false']"
    ));
    assert!(c.cib_has(
        "//rsc_order[@id='berofos-after-services'][@first='xivo-services']\
         [@then='berofos-clone'][@then-action='promote']"
    ));
    c.settle();
    assert!(
        c.has_role("berofos", "Promoted"),
        "{:?}",
        c.roles("berofos")
    );
    let locate = c.must(
        "crm_resource",
        &["--locate", "-r", "berofos", "--output-as=xml"],
    );
    assert!(
        locate.contains(&format!("<node state=\"promoted\">{node}</node>")),
        "crm_resource --locate:\n{locate}"
    );
    assert_eq!(c.promotion_score(), "100", "master_node's promotion score");
    assert_eq!(
        std::fs::read_to_string(STATE_FILE)
            .unwrap_or_default()
            .trim(),
        "promoted",
        "agent state file {STATE_FILE}"
    );
    // The simulator saw the switch: one applied `cmd=4&mode=1` on each berofos.
    let new = &sim.requests()[requests_before..];
    for k in [1u64, 2] {
        assert!(
            new.iter().any(|r| r["device"] == k
                && r["face"] == "http"
                && r["query"] == "cmd=4&mode=1"
                && r["applied"] == true),
            "no applied mode=1 request to fos{k} in the request log: {new:?}"
        );
    }
    assert!(
        c.failures("berofos").is_empty(),
        "{:?}",
        c.failures("berofos")
    );
    c.assert_services_started("after create.sh");

    // ---------------------------------------------------------------- 1b
    step("1b. check, the monitoring plugin, compares each relay with the promoted node");
    let check = |file: &str| -> Out {
        c.run(
            Command::new(BIN)
                .args(["check", "--config", file, "-t", "5", "-w", "4", "-c", "4.5"])
                .env_clear()
                .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            Duration::from_secs(30),
        )
    };
    // The HA settings of the XiVO documentation (the relay stays: no --relay), or the
    // check warns about them.
    for f in ["fos1", "fos2"] {
        sim.cmd().args(["setup", "-f", f]).assert().success();
    }
    let out = check(&config);
    assert_eq!(out.code, Some(0), "{}", out.both());
    assert!(
        out.stdout.contains(&format!("{node} promoted (berofos)"))
            && out.stdout.contains("fos1_match=1")
            && out.stdout.contains("fos2_match=1"),
        "{}",
        out.stdout
    );
    // The same berofos through another file than the resource's: said, not compared.
    let other = sim.dir.path().join("other.conf");
    std::fs::copy(&sim.config, &other).expect("copy the configuration");
    let out = check(other.to_str().expect("utf-8 path"));
    assert_eq!(out.code, Some(1), "{}", out.both());
    assert!(
        out.stdout.contains(&format!("berofos reads {config}")) && !out.stdout.contains("_match"),
        "{}",
        out.stdout
    );
    // A relay on the other side: in maintenance mode, so that no monitor repairs it
    // while the check runs.
    c.must("pcs", &["property", "set", "maintenance-mode=true"]);
    assert_eq!(sim.flip(2, "0"), 200);
    let out = check(&config);
    // Put back by hand before the cluster looks again: the next steps start clean.
    assert_eq!(sim.flip(2, "1"), 200);
    c.must("pcs", &["property", "set", "maintenance-mode=false"]);
    assert_eq!(out.code, Some(2), "{}", out.both());
    assert!(
        out.stdout
            .starts_with("BEROFOS CRITICAL - fos2 relay 0 (slave), answered in ")
            && out.stdout.contains(&format!(
                "but {node} is promoted and its side is relay 1 (master)"
            ))
            && out.stdout.contains("fos2_match=0")
            && out.stdout.contains("fos1_match=1"),
        "{}",
        out.stdout
    );
    eprintln!("  {}", out.stdout.trim());
    c.wait(ROLE_CHANGE, "berofos Promoted after maintenance", || {
        c.has_role("berofos", "Promoted")
    });
    c.must("pcs", &["resource", "cleanup", "berofos-clone"]);
    c.wait(ROLE_CHANGE, "no failure left after maintenance", || {
        c.failures("berofos").is_empty()
    });
    c.settle();
    let out = check(&config);
    assert_eq!(out.code, Some(0), "{}", out.both());

    // ---------------------------------------------------------------- 2
    step("2. a relay flipped behind the cluster's back is put back by the monitor");
    let before = sim.requests().len();
    assert_eq!(sim.flip(2, "0"), 200);
    let t_flip = Instant::now();
    assert_eq!(sim.mode(2), "0");
    let limit = 2 * MONITOR + Duration::from_secs(8);
    let mut reason = String::new();
    let seen = c.wait(limit, "flipped relay seen by the Promoted monitor", || {
        let found = c
            .failures("berofos")
            .into_iter()
            .find(|f| f.get("op_key").map(String::as_str) == Some("berofos_monitor_10000"));
        found
            .map(|f| reason = f.get("exitreason").cloned().unwrap_or_default())
            .is_some()
    });
    c.wait(
        limit.saturating_sub(t_flip.elapsed()),
        "fos2 back to 1",
        || sim.mode(2) == "1",
    );
    let restored = t_flip.elapsed();
    eprintln!(
        "FIGURE flip-to-restored: {:.1} s (failure seen after {:.1} s; bound {} s)",
        restored.as_secs_f64(),
        seen.as_secs_f64(),
        limit.as_secs()
    );
    eprintln!("  exit reason: {reason}");
    assert!(
        reason.contains("fos2") && reason.contains("relay 0"),
        "{reason}"
    );
    c.wait(ROLE_CHANGE, "berofos Promoted again", || {
        c.has_role("berofos", "Promoted")
    });
    assert_eq!(sim.mode(1), "1");
    let new = &sim.requests()[before..];
    assert!(
        new.iter()
            .any(|r| r["device"] == 2 && r["query"] == "cmd=4&mode=1" && r["applied"] == true),
        "the agent did not switch fos2 back: {new:?}"
    );
    c.assert_services_started("after the flip");
    c.must("pcs", &["resource", "cleanup", "berofos-clone"]);
    c.wait(ROLE_CHANGE, "flip failure cleaned up", || {
        c.failures("berofos").is_empty()
    });
    c.settle();

    // ---------------------------------------------------------------- 3
    step("3. disable/enable, standby/unstandby");
    c.must("pcs", &["resource", "disable", "berofos-clone"]);
    c.wait(ROLE_CHANGE, "berofos stopped", || {
        c.roles("berofos").is_empty()
    });
    assert!(
        !Path::new(STATE_FILE).exists(),
        "{STATE_FILE} left by the stop"
    );
    c.assert_services_started("with berofos disabled");
    // The relays moved while nobody watched: the next promote must switch them back.
    for k in [1, 2] {
        sim.flip(k, "0");
    }
    let t0 = Instant::now();
    c.must("pcs", &["resource", "enable", "berofos-clone"]);
    c.wait(ROLE_CHANGE, "Promoted after enable, relays at 1", || {
        sim.mode(1) == "1" && sim.mode(2) == "1" && c.has_role("berofos", "Promoted")
    });
    eprintln!("  enable -> promoted and switched: {}", secs(t0.elapsed()));
    c.assert_services_started("after enable");

    c.must("pcs", &["node", "standby", &node]);
    c.wait(ROLE_CHANGE, "berofos stopped by standby", || {
        c.roles("berofos").is_empty()
    });
    assert!(!Path::new(STATE_FILE).exists());
    for k in [1, 2] {
        sim.flip(k, "0");
    }
    let t0 = Instant::now();
    c.must("pcs", &["node", "unstandby", &node]);
    c.wait(ROLE_CHANGE, "Promoted after unstandby, relays at 1", || {
        sim.mode(1) == "1" && sim.mode(2) == "1" && c.has_role("berofos", "Promoted")
    });
    eprintln!(
        "  unstandby -> promoted and switched: {}",
        secs(t0.elapsed())
    );
    // Standby stops the services too (that is what standby means); they are back.
    c.wait(ROLE_CHANGE, "xivo-services Started after unstandby", || {
        c.has_role("xivo-services", "Started")
    });
    c.settle();

    // ---------------------------------------------------------------- 4
    step("4. a dead berofos fails the Promoted monitor; cleanup brings it back");
    assert!(
        c.failures("berofos").is_empty(),
        "{:?}",
        c.failures("berofos")
    );
    sim.fault("2", "dead");
    // Read in the same crm_mon call that sees it: the record is replaced quickly by
    // the failed promote of the recovery (crm_mon keeps one per operation).
    let mut failure = HashMap::new();
    let t = c.wait(
        MONITOR + Duration::from_secs(20),
        "Promoted monitor failure naming fos2",
        || {
            let found = c.failures("berofos").into_iter().find(|f| {
                f.get("op_key").map(String::as_str) == Some("berofos_monitor_10000")
                    && f.get("exitreason").is_some_and(|r| r.contains("fos2"))
            });
            found.map(|f| failure = f).is_some()
        },
    );
    let reason = failure["exitreason"].clone();
    eprintln!("  failure seen after {}: exit reason: {reason}", secs(t));
    assert_eq!(failure.get("exitcode").map(String::as_str), Some("9"));
    // The text an admin reads. crm_mon keeps one failure per resource: by now it may be
    // the monitor's, or the failed promote of the recovery; both name fos2.
    let mut plain = String::new();
    c.wait(
        ROLE_CHANGE,
        "plain crm_mon -1 naming fos2 in a failed action",
        || {
            plain = c.must("crm_mon", &["-1"]);
            plain
                .split_once("Failed Resource Actions:")
                .is_some_and(|(_, failed)| failed.contains("fos2 (127.0.0.3)"))
        },
    );
    let failed_lines: Vec<&str> = plain
        .lines()
        .skip_while(|l| !l.starts_with("Failed Resource Actions:"))
        .collect();
    eprintln!("  crm_mon -1:\n    {}", failed_lines.join("\n    "));
    c.assert_services_started("with fos2 dead");
    // Pacemaker keeps trying (recover = demote, stop, start, promote: the promote
    // fails on fos2 again); the services are never touched.
    std::thread::sleep(Duration::from_secs(3));
    c.assert_services_started("while the berofos recovery fails");
    sim.fault("2", "none");
    let t0 = Instant::now();
    c.must("pcs", &["resource", "cleanup", "berofos-clone"]);
    c.wait(
        Duration::from_secs(45),
        "Promoted again after cleanup, relays at 1, no failure",
        || {
            c.has_role("berofos", "Promoted")
                && sim.mode(1) == "1"
                && sim.mode(2) == "1"
                && c.failures("berofos").is_empty()
        },
    );
    eprintln!("  cleanup -> promoted: {}", secs(t0.elapsed()));
    c.assert_services_started("after the cleanup");
    c.settle();

    // ---------------------------------------------------------------- no fail-back
    step("no-failback.sh: prefer_master=false, still Promoted");
    c.example("no-failback.sh", &[("SERVICES", "xivo-services")]);
    assert!(c.cib_has("//primitive[@id='berofos']//nvpair[@name='prefer_master'][@value='false']"));
    assert!(c.cib_has(
        "//clone[@id='berofos-clone']//nvpair[@name='resource-stickiness'][@value='INFINITY']"
    ));
    c.settle();
    c.wait(ROLE_CHANGE, "Promoted after no-failback.sh", || {
        c.has_role("berofos", "Promoted")
    });
    c.wait(
        ROLE_CHANGE,
        "promotion score 50 (prefer_master=false)",
        || c.promotion_score() == "50",
    );
    assert_eq!((sim.mode(1), sim.mode(2)), ("1".into(), "1".into()));
    c.assert_services_started("after no-failback.sh");

    // ---------------------------------------------------------------- 6
    step("remove.sh");
    c.example("remove.sh", &[]);
    c.settle();
    assert!(
        !c.cib_has("//*[@id='berofos-clone']"),
        "clone left in the CIB"
    );
    assert!(!c.cib_has("//primitive[@type='berofos']"), "berofos left");
    assert!(
        !c.cib_has("//rsc_colocation[@id='berofos-with-services']"),
        "colocation left"
    );
    assert!(!c.cib_has("//rsc_order[@id='berofos-after-services']"));
    assert!(c.roles("berofos").is_empty());
    assert_eq!(c.promotion_score(), "", "promotion score left behind");
    assert!(!Path::new(STATE_FILE).exists());
    assert_eq!((sim.mode(1), sim.mode(2)), ("1".into(), "1".into()));
    c.assert_services_started("after remove.sh");
    eprintln!("== done in {}", secs(started.elapsed()));
}
