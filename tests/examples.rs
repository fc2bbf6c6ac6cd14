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

use std::process::Command;

#[test]
fn pcs_examples_offline() {
    let root = nix::unistd::Uid::effective().is_root();
    let missing: Vec<&str> = [
        "pcs",
        "corosync",
        "cibadmin",
        "crm_simulate",
        "fence_ipmilan",
        "fence_xvm",
        "xmllint",
        "timeout",
        "unshare",
    ]
    .into_iter()
    .filter(|tool| {
        !Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    })
    .collect();
    if !root || !missing.is_empty() {
        let why = if root {
            format!("missing {}", missing.join(", "))
        } else {
            "needs root".to_string()
        };
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("the pcs-examples offline check cannot run and CI=true: {why}");
        }
        eprintln!("skipped: pcs-examples offline check: {why}");
        return;
    }
    // Every command in the script has its own time limit; this bounds the
    // whole (it takes about 35 s).
    let out = Command::new("timeout")
        .args(["-k", "10", "600", "bash", "tests/pcs-examples/offline.sh"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run tests/pcs-examples/offline.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    assert!(
        out.status.success(),
        "tests/pcs-examples/offline.sh failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("pcs-examples offline: all checks passed"));
}
