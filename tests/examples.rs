//! The cluster and fencing scripts of pcs-examples/ checked offline, without a
//! cluster: `tests/pcs-examples/offline.sh` runs cluster-setup.sh (its
//! COROSYNC_CONF mode, the file checked by `corosync -t` in private
//! namespaces), fencing.sh for every KIND and fencing-policy.sh verbatim
//! against CIB files (pcs checks every option against the real fence agents'
//! metadata), then crm_verify and crm_simulate (which node's fence is delayed).
//!
//! Needs root and the packages `pcs corosync pacemaker fence-agents fence-virt
//! libxml2-utils` (scripts/deps installs them). Without them it prints
//! "skipped: ..." — or fails when CI=true. Starts no daemon.
//!
//! Also the two-node harness's fence device on loopback
//! (`tests/twonode/agent-test.sh`): power-controller on 127.0.0.1 with fake
//! nodes whose commands only touch files in a temporary folder, and
//! fence_xivolab for every action (stdin and argv), its metadata checked
//! against fence-agents' metadata.rng. Needs python3 and xmllint, not root.

use std::process::Command;

/// The tools of `tools` that are not on PATH.
fn missing(tools: &[&'static str]) -> Vec<&'static str> {
    tools
        .iter()
        .copied()
        .filter(|tool| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect()
}

/// Skips (prints why) unless CI=true, where it fails.
fn skip(what: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} cannot run and CI=true: {why}");
    }
    eprintln!("skipped: {what}: {why}");
}

/// Runs a check script of this repository under `timeout`; asserts it passed.
fn run_script(script: &str, limit_secs: u32, done_line: &str) {
    let out = Command::new("timeout")
        .args(["-k", "10", &limit_secs.to_string(), "bash", script])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("run {script}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    assert!(
        out.status.success(),
        "{script} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains(done_line), "{script}: no '{done_line}'");
}

#[test]
fn fence_lab_on_loopback() {
    let gone = missing(&["python3", "xmllint", "timeout"]);
    if !gone.is_empty() {
        skip("fence lab test", &format!("missing {}", gone.join(", ")));
        return;
    }
    // Each step is bounded in the script; this bounds the whole (about 5 s).
    run_script(
        "tests/twonode/agent-test.sh",
        120,
        "fence lab: all checks passed",
    );
}

#[test]
fn pcs_examples_offline() {
    let root = nix::unistd::Uid::effective().is_root();
    let gone = missing(&[
        "pcs",
        "corosync",
        "cibadmin",
        "crm_simulate",
        "fence_ipmilan",
        "fence_xvm",
        "xmllint",
        "timeout",
        "unshare",
    ]);
    if !root || !gone.is_empty() {
        let why = if root {
            format!("missing {}", gone.join(", "))
        } else {
            "needs root".to_string()
        };
        skip("pcs-examples offline check", &why);
        return;
    }
    // Every command in the script has its own time limit; this bounds the
    // whole (it takes about 35 s).
    run_script(
        "tests/pcs-examples/offline.sh",
        600,
        "pcs-examples offline: all checks passed",
    );
}
