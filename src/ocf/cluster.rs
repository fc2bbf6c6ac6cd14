//! What the agent asks of the cluster: this node's name and the promotion score.
//!
//! Both go through Pacemaker's command-line tools (`crm_node -n`,
//! `crm_attribute --promotion`, or `crm_master` on Pacemaker 2.0), found in `HA_SBIN_DIR` or on PATH, run with a bounded
//! wait – at most [`TOOL_LIMIT`], never past the action's deadline, which every call
//! takes as a value (`until`) – and never with a secret in their arguments. A missing tool is logged, never
//! fatal: the agent also runs where no cluster does (ocf-tester, a test machine); only
//! an unknown node name stops what depends on it (see [`node_name`]).

use crate::log;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The longest a cluster tool may take (and never past the action's deadline: a stop
/// that times out gets the node fenced).
pub const TOOL_LIMIT: Duration = Duration::from_secs(5);

/// `HA_SBIN_DIR/<name>` when it exists, else the first `<name>` on PATH.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let sbin = std::env::var_os("HA_SBIN_DIR").map(|d| PathBuf::from(d).join(name));
    let path = std::env::var_os("PATH").unwrap_or_default();
    sbin.into_iter()
        .chain(std::env::split_paths(&path).map(|d| d.join(name)))
        .find(|p| p.is_file())
}

/// Reads a pipe to its end in a thread of its own; the text comes on the channel.
fn drain(mut pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

/// What a tool did: its exit code (`None`: killed by a signal), stdout and stderr.
struct Ran {
    code: Option<i32>,
    status: std::process::ExitStatus,
    out: String,
    err: String,
}

/// Runs a tool with a bounded wait (until `until`, at most [`TOOL_LIMIT`]);
/// `Ok(stdout)` on exit status 0. Its output is read while it runs: a tool that writes
/// more than a pipe holds must not block on it.
fn run_tool(name: &str, args: &[&str], until: Instant) -> Result<String, String> {
    let ran = run_tool_status(name, args, until)?;
    if ran.status.success() {
        Ok(ran.out)
    } else {
        Err(failed(name, args, &ran))
    }
}

fn failed(name: &str, args: &[&str], ran: &Ran) -> String {
    let path = find_tool(name).unwrap_or_else(|| PathBuf::from(name));
    format!(
        "{} {} failed ({}): {}",
        path.display(),
        args.join(" "),
        ran.status,
        ran.err
    )
}

/// [`run_tool`], whatever its exit status.
fn run_tool_status(name: &str, args: &[&str], until: Instant) -> Result<Ran, String> {
    let path = find_tool(name).ok_or_else(|| format!("{name} not found in HA_SBIN_DIR or PATH"))?;
    let mut child = Command::new(&path)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let end = until.min(Instant::now() + TOOL_LIMIT);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < end => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} {} did not finish in time (the action's deadline, at most {} s) and was stopped",
                    path.display(),
                    args.join(" "),
                    TOOL_LIMIT.as_secs()
                ));
            }
        }
    };
    // The rest of the output; bounded too (a child of the tool may hold the pipe).
    let text = |rx: Option<mpsc::Receiver<Vec<u8>>>| {
        let left = end.saturating_duration_since(Instant::now());
        rx.and_then(|rx| rx.recv_timeout(left.max(Duration::from_millis(100))).ok())
            .map(|b| String::from_utf8_lossy(&b).trim().to_string())
            .unwrap_or_default()
    };
    let (out, err) = (text(stdout), text(stderr));
    Ok(Ran {
        code: status.code(),
        status,
        out,
        err,
    })
}

/// This node's cluster name: `OCF_RESKEY_CRM_meta_on_node`, else `crm_node -n`.
/// Never a guess such as the host name: it decides which way the relays go, and a host
/// name in another form than `master_node` (full vs short) would send the lines to the
/// wrong XiVO. `Err` says why neither source gave it.
pub fn node_name(until: Instant) -> Result<String, String> {
    if let Some(n) = std::env::var("OCF_RESKEY_CRM_meta_on_node")
        .ok()
        .filter(|n| !n.trim().is_empty())
    {
        return Ok(n.trim().to_string());
    }
    let why = match run_tool("crm_node", &["-n"], until) {
        Ok(n) if !n.is_empty() => return Ok(n),
        Ok(_) => "crm_node -n printed nothing".to_string(),
        Err(e) => e,
    };
    Err(format!(
        "this node's cluster name is unknown: OCF_RESKEY_CRM_meta_on_node is not set and {why}"
    ))
}

/// The node names of the cluster (`crm_node -l`), or `None` when no cluster answers.
pub fn members(until: Instant) -> Option<Vec<String>> {
    let out = run_tool("crm_node", &["-l"], until).ok()?;
    // "<id> <name> <state>" per line.
    let names: Vec<String> = out
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect();
    (!names.is_empty()).then_some(names)
}

/// How this node's Pacemaker sets a promotion score: `crm_attribute --promotion`
/// (Pacemaker 2.1 and later; 3.0 has nothing else), else `crm_master` (2.0.5, where
/// `--promotion` is a usage error). Found once per call, from `crm_attribute --help-all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoreTool {
    /// `crm_attribute --promotion -v N` / `-D`.
    Promotion,
    /// `crm_master -l reboot -v N` / `-D` (the same transient `master-<resource>` attribute).
    CrmMaster,
}

/// The promotion-score tool of this node, or why there is none.
pub fn score_tool(until: Instant) -> Result<ScoreTool, String> {
    static TOOL: std::sync::OnceLock<Result<ScoreTool, String>> = std::sync::OnceLock::new();
    TOOL.get_or_init(|| {
        // 2.0.5's crm_attribute knows no --help-all either (a usage error, exit 64).
        let help = run_tool("crm_attribute", &["--help-all"], until);
        match help {
            Ok(h) if h.contains("--promotion") => Ok(ScoreTool::Promotion),
            _ if find_tool("crm_master").is_some() => Ok(ScoreTool::CrmMaster),
            Ok(_) => Err("crm_attribute has no --promotion (Pacemaker before 2.1) and crm_master is not found".into()),
            Err(e) => Err(e),
        }
    })
    .clone()
}

fn score_command(args: &[&str], until: Instant) -> Result<(), String> {
    match score_tool(until)? {
        ScoreTool::Promotion => {
            let mut a = vec!["--promotion"];
            a.extend_from_slice(args);
            run_tool("crm_attribute", &a, until)
        }
        ScoreTool::CrmMaster => {
            let mut a = vec!["-l", "reboot"];
            a.extend_from_slice(args);
            run_tool("crm_master", &a, until)
        }
    }
    .map(drop)
}

/// Sets this node's promotion score (logged first, so it shows even without a cluster).
/// `Err` says why it could not be set; the caller decides whether that is fatal.
pub fn set_score(score: u32, why: &str, until: Instant) -> Result<(), String> {
    log::info(&format!("promotion score {score} ({why})"));
    score_command(&["-v", &score.to_string()], until).map_err(|e| {
        let e = format!("cannot set the promotion score: {e}");
        log::warn(&e);
        e
    })
}

/// Removes this node's promotion score.
pub fn delete_score(until: Instant) {
    log::info("removing the promotion score");
    if let Err(e) = score_command(&["-D"], until) {
        log::warn(&format!("cannot remove the promotion score: {e}"));
    }
}

/// A berofos resource as the live cluster shows it (for `xivo-berofos check`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// The primitive's id (`berofos`).
    pub id: String,
    /// The nodes where an instance is promoted (one, when all is well).
    pub promoted: Vec<String>,
}

/// The `ocf:xivo:berofos` primitives of the running cluster and where each is
/// promoted, from `crm_mon --output-as=xml`; `Err` when no cluster answers (no
/// crm_mon, not a cluster node, the cluster stopped).
pub fn berofos_resources(until: Instant) -> Result<Vec<Resource>, String> {
    let xml = run_tool("crm_mon", &["-1", "--output-as=xml"], until)?;
    Ok(resources_in(&xml))
}

/// The berofos primitives of crm_mon's XML: `<resource id="berofos"
/// resource_agent="ocf:xivo:berofos" role="Promoted" ...>` then `<node name="xivo1" .../>`
/// (`role="Master"` before Pacemaker 2.1), one element per instance.
pub fn resources_in(xml: &str) -> Vec<Resource> {
    let mut found: Vec<Resource> = Vec::new();
    let mut promoted_here: Option<String> = None;
    for line in xml.lines().map(str::trim_start) {
        if line.starts_with("<resource ") {
            promoted_here = None;
            let a = |name: &str| attr(line, name);
            if a("resource_agent").as_deref() != Some("ocf:xivo:berofos") {
                continue;
            }
            let Some(id) = a("id") else { continue };
            let id = id.split(':').next().unwrap_or_default().to_string();
            if !found.iter().any(|r| r.id == id) {
                found.push(Resource {
                    id: id.clone(),
                    promoted: Vec::new(),
                });
            }
            let role = a("role").unwrap_or_default();
            if (role == "Promoted" || role == "Master") && !line.ends_with("/>") {
                promoted_here = Some(id);
            }
        } else if line.starts_with("<node ") {
            if let (Some(id), Some(node)) = (&promoted_here, attr(line, "name")) {
                if let Some(r) = found.iter_mut().find(|r| &r.id == id) {
                    r.promoted.push(node);
                }
            }
        } else if line.starts_with("</resource>") {
            promoted_here = None;
        }
    }
    found
}

/// The value of attribute `name` in one XML start tag (the entities crm_mon writes
/// decoded).
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(
        tag[start..start + len]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

/// A parameter of primitive `id` as the CIB holds it (`crm_resource -g`); `None` when
/// it is not set (its default applies).
pub fn parameter(id: &str, name: &str, until: Instant) -> Result<Option<String>, String> {
    let args = ["--resource", id, "--get-parameter", name];
    let ran = run_tool_status("crm_resource", &args, until)?;
    match ran.code {
        // 2.1 and later: not set is exit 0 and nothing on stdout.
        Some(0) => Ok(Some(ran.out.trim().to_string()).filter(|v| !v.is_empty())),
        // CRM_EX_NOSUCH: how Pacemaker 2.0 says "not set".
        Some(105) => Ok(None),
        _ => Err(failed("crm_resource", &args, &ran)),
    }
}

/// Where the cluster's other nodes are, as this node sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peers {
    /// The cluster has no other node: nobody else can take the relay.
    None,
    /// At least one other node is a member of this node's partition.
    Here,
    /// Every other node is outside this partition (their names).
    Away(Vec<String>),
    /// The cluster did not say (a tool failed, timed out or printed nothing): why.
    Unknown(String),
}

/// [`Peers`] of `node`, from `crm_node -l` (every node) and `crm_node -p` (this
/// partition). Never "here" for a failure to ask: that is [`Peers::Unknown`].
pub fn peers(node: &str, until: Instant) -> Peers {
    let all = match run_tool("crm_node", &["-l"], until) {
        Ok(out) => out
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
            .collect::<Vec<_>>(),
        Err(e) => return Peers::Unknown(e),
    };
    if all.is_empty() {
        return Peers::Unknown("crm_node -l printed no node".into());
    }
    let others: Vec<String> = all.into_iter().filter(|m| m != node).collect();
    if others.is_empty() {
        return Peers::None;
    }
    match run_tool("crm_node", &["-p"], until) {
        Ok(out) if !out.trim().is_empty() => {
            if out.split_whitespace().any(|m| m != node) {
                Peers::Here
            } else {
                Peers::Away(others)
            }
        }
        Ok(_) => Peers::Unknown("crm_node -p printed no member".into()),
        Err(e) => Peers::Unknown(e),
    }
}

/// Whether the cluster holds `peer` safely down: fencing is enabled and `crm_mon`
/// shows it offline and not unclean (Pacemaker marks a node that left without being
/// fenced or stopping cleanly "unclean" until it is fenced). `Ok` says how (the
/// latest fence of it, from the fencing history, when there is one); `Err` why not.
pub fn safely_down(peer: &str, until: Instant) -> Result<String, String> {
    let xml = run_tool("crm_mon", &["-1", "--output-as=xml"], until)?;
    let doc = roxmltree::Document::parse(&xml).map_err(|e| format!("crm_mon: {e}"))?;
    let fencing = doc
        .descendants()
        .find(|n| n.has_tag_name("cluster_options"))
        .and_then(|n| n.attribute("stonith-enabled"))
        == Some("true");
    if !fencing {
        return Err("fencing is not enabled (stonith-enabled)".into());
    }
    let Some(n) = doc
        .descendants()
        .find(|n| n.has_tag_name("node") && n.attribute("name") == Some(peer))
    else {
        return Err(format!("crm_mon does not list {peer}"));
    };
    if n.attribute("online") != Some("false") {
        return Err(format!("{peer} is online for the cluster"));
    }
    if n.attribute("unclean") != Some("false") {
        return Err(format!("{peer} is unclean: not fenced yet"));
    }
    Ok(match last_fence(peer, until) {
        Some(how) => how,
        None => format!("{peer} is offline and clean (stopped cleanly)"),
    })
}

/// The latest successful fence of `peer` in the fencing history
/// (`stonith_admin --history`): `fenced (reboot) by xivo2 at 2026-12-03 06:40:12 +00:00`.
fn last_fence(peer: &str, until: Instant) -> Option<String> {
    let history = format!("--history={peer}");
    let xml = run_tool("stonith_admin", &[&history, "--output-as=xml"], until).ok()?;
    let doc = roxmltree::Document::parse(&xml).ok()?;
    doc.descendants()
        .filter(|n| {
            n.has_tag_name("fence_event")
                && n.attribute("target") == Some(peer)
                && n.attribute("status") == Some("success")
        })
        .filter_map(|n| {
            let when = n.attribute("completed")?;
            let by = n
                .attribute("delegate")
                .or(n.attribute("origin"))
                .unwrap_or("the cluster");
            let action = n.attribute("action").unwrap_or("fence");
            Some((
                when.to_string(),
                format!("{peer} fenced ({action}) by {by} at {when}"),
            ))
        })
        // The timestamps share one format and time zone: the greatest is the latest.
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, how)| how)
}

/// Every node's value of the transient node attribute `name`, from the node
/// attributes of `crm_mon` (`attrd_updater -Q -A` of Pacemaker 2.1.5 answers for the
/// local node only): (node, value) pairs; `Err` when the cluster does not answer.
pub fn attribute_all(name: &str, until: Instant) -> Result<Vec<(String, String)>, String> {
    run_tool("crm_mon", &["-1", "-A", "--output-as=xml"], until)
        .map(|xml| super::ready::parse_attributes(&xml, name))
}

/// Sets this node's value of the transient node attribute `name` (`attrd_updater -U`;
/// it lasts until the node reboots or leaves).
pub fn attribute_set(name: &str, value: &str, until: Instant) -> Result<(), String> {
    run_tool("attrd_updater", &["-n", name, "-U", value], until).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berofos_resources_of_crm_mon() {
        // Pacemaker 2.1's crm_mon --output-as=xml, trimmed.
        let xml = r#"<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">
  <resources>
    <resource id="xivo-services" resource_agent="ocf:pacemaker:Dummy" role="Started" active="true" nodes_running_on="1">
      <node name="xivo1" id="1" cached="true"/>
    </resource>
    <clone id="berofos-clone" multi_state="true" unique="false">
      <resource id="berofos" resource_agent="ocf:xivo:berofos" role="Promoted" active="true" nodes_running_on="1">
        <node name="xivo1" id="1" cached="true"/>
      </resource>
      <resource id="berofos" resource_agent="ocf:xivo:berofos" role="Unpromoted" active="true" nodes_running_on="1">
        <node name="xivo2" id="2" cached="true"/>
      </resource>
    </clone>
    <clone id="other-clone" multi_state="true" unique="false">
      <resource id="other" resource_agent="ocf:xivo:berofos" role="Stopped" active="false" nodes_running_on="0"/>
      <resource id="other:1" resource_agent="ocf:xivo:berofos" role="Master" active="true" nodes_running_on="1">
        <node name="xivo2" id="2" cached="true"/>
      </resource>
    </clone>
  </resources>
</pacemaker-result>"#;
        assert_eq!(
            resources_in(xml),
            [
                Resource {
                    id: "berofos".into(),
                    promoted: vec!["xivo1".into()]
                },
                Resource {
                    id: "other".into(),
                    promoted: vec!["xivo2".into()]
                }
            ]
        );
        assert!(resources_in("<pacemaker-result/>").is_empty());
    }
}
