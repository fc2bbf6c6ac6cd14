//! What the real-cluster tests share: bounded commands, and the bits of crm_mon's XML
//! they read.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a command did.
pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
    pub fn both(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `cmd` (stdin closed, output to files, so a daemon that keeps a descriptor
/// cannot block us) for at most `limit`. With `own_group`, the command gets its own
/// process group and the whole group is killed past the limit (pcs under sh...).
/// `Err` when the limit was hit.
pub fn exec(cmd: &mut Command, limit: Duration, own_group: bool) -> Result<Out, String> {
    let mut out = tempfile::tempfile().map_err(|e| e.to_string())?;
    let mut err = tempfile::tempfile().map_err(|e| e.to_string())?;
    cmd.stdin(Stdio::null())
        .stdout(out.try_clone().map_err(|e| e.to_string())?)
        .stderr(err.try_clone().map_err(|e| e.to_string())?)
        .env("LC_ALL", "C");
    if own_group {
        cmd.process_group(0);
    }
    let shown = format!("{cmd:?}");
    let mut child = cmd.spawn().map_err(|e| format!("{shown}: {e}"))?;
    let end = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() < end => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let pid = child.id() as i32;
                if own_group {
                    let _ = nix::sys::signal::killpg(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{shown} did not finish within {} s (killed)",
                    limit.as_secs()
                ));
            }
        }
    };
    let read = |f: &mut File| {
        let mut s = String::new();
        let _ = f.rewind();
        let _ = f.read_to_string(&mut s);
        s
    };
    Ok(Out {
        code: status.code(),
        stdout: read(&mut out),
        stderr: read(&mut err),
    })
}

/// `name="value"` attributes of one XML start tag (entities decoded).
pub fn attrs(tag: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq]
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("")
            .to_string();
        let after = &rest[eq + 2..];
        let Some(close) = after.find('"') else { break };
        let value = after[..close]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        map.insert(name, value);
        rest = &after[close + 1..];
    }
    map
}

/// Every start tag `<name ...>` of `xml`, as attribute maps, in document order.
pub fn elements(xml: &str, name: &str) -> Vec<HashMap<String, String>> {
    let open = format!("<{name} ");
    let mut v = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let tag = &rest[i..];
        let end = tag.find('>').unwrap_or(tag.len());
        v.push(attrs(&tag[..end]));
        rest = &tag[end..];
    }
    v
}

/// `(node, role)` of each active instance of primitive `id` in crm_mon's XML:
/// `<resource id="berofos" role="Promoted" ...>` then `<node name="vm" .../>`.
pub fn roles_in(xml: &str, id: &str) -> Vec<(String, String)> {
    let mut roles = Vec::new();
    let mut current: Option<String> = None;
    for line in xml.lines() {
        let l = line.trim_start();
        if l.starts_with("<resource ") {
            let a = attrs(l);
            current = (a.get("id").map(String::as_str) == Some(id)
                && a.get("role").map(String::as_str) != Some("Stopped")
                && !l.ends_with("/>"))
            .then(|| a.get("role").cloned().unwrap_or_default());
        } else if l.starts_with("<node ") {
            if let Some(role) = &current {
                if let Some(n) = attrs(l).get("name") {
                    roles.push((n.clone(), role.clone()));
                }
            }
        } else if l.starts_with("</resource>") {
            current = None;
        }
    }
    roles
}

/// The repository (pcs-examples/, the tests' scripts).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A cluster tool where Debian installs it.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// Whether the real-cluster test `what` can run here (root, and `tools`, which
/// `packages` provide). When it cannot: "skipped" and `false`, or a failure with
/// CI=true, where everything it needs must be there.
pub fn can_run(what: &str, tools: &[&str], packages: &str) -> bool {
    let why = if !nix::unistd::geteuid().is_root() {
        Some("needs root (corosync, pacemakerd, namespaces, /usr/lib/ocf)".to_string())
    } else {
        let missing: Vec<&str> = tools
            .iter()
            .copied()
            .filter(|t| find_tool(t).is_none())
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "missing {} (apt-get install {packages}; scripts/deps does it)",
                missing.join(", ")
            )
        })
    };
    match why {
        None => true,
        Some(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("the {what} cannot run and CI=true: {why}")
        }
        Some(why) => {
            eprintln!("skipped: {what}: {why}");
            false
        }
    }
}

/// Never beside another cluster: a corosync or pacemakerd of the machine (or a
/// leftover of a test) is not ours to touch. `hint` says how to clear a leftover.
pub fn refuse_beside_a_cluster(hint: &str) {
    for daemon in ["corosync", "pacemakerd"] {
        let out = exec(
            Command::new("pgrep").args(["-x", daemon]),
            Duration::from_secs(10),
            true,
        )
        .expect("pgrep");
        assert!(
            !out.ok(),
            "{daemon} already runs (pid {}): a cluster test never runs beside a cluster; {hint}",
            out.stdout.trim()
        );
    }
}

pub fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
