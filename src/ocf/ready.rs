//! The standby's readiness, known before it is needed: the unpromoted monitor checks
//! what a promote on this node would need (docs/reference.md, "The standby's
//! readiness"):
//!
//! - the configuration file present when another node has one;
//! - the same berofos as the other node: each node publishes a digest of its
//!   selected sections (names, MACs, hosts, ports; never a login) as the transient
//!   node attribute `berofos-config-<instance>` (`attrd_updater`), and compares it
//!   with the others';
//! - each berofos answering this node, its login accepted (one read of `config.txt`).
//!
//! Not ready: OCF 190 (degraded; Pacemaker shows the reason and recovers nothing)
//! naming the node, the berofos and the fix; no write to any berofos. With no file on
//! any node the agent is the no-op the XiVO documentation promises, and says nothing.
//! A promote on a node without the file while another node has one fails: the lines
//! must go to a node that can switch them.

use super::agent::{select, Agent};
use super::cluster;
use super::exit_reason::{broken_fault, summarize, Fault};
use super::params::Params;
use super::state::instance_name;
use super::{env, Failure, OcfExit};
use crate::http::Http;
use crate::log;
use crate::relay;
use crate::select::Selection;

/// What a node publishes when it has no configuration file.
pub const NONE: &str = "none";

/// The attribute's name for this resource instance.
pub fn attribute() -> String {
    format!(
        "berofos-config-{}",
        instance_name(&env("OCF_RESOURCE_INSTANCE").unwrap_or_else(|| "default".into()))
    )
}

/// A short, stable digest of the selected berofos: section names (ignoring case),
/// MACs, hosts and ports, in name order. Logins are left out: an attribute is visible
/// to every node and every `crm_mon` reader.
pub fn digest(sel: &Selection) -> String {
    let mut rows: Vec<String> = sel
        .devices
        .iter()
        .map(|d| {
            format!(
                "{}={}@{}:{}",
                d.name.clone().unwrap_or_default().to_ascii_lowercase(),
                d.mac.map(|m| m.to_string()).unwrap_or_default(),
                d.host.clone().unwrap_or_default(),
                d.port
            )
        })
        .chain(sel.broken.iter().map(|b| format!("broken:{}", b.brief())))
        .collect();
    rows.sort();
    // FNV-1a, 64 bits: stable across versions and machines (not a secret).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in rows.join("\n").bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}x{h:016x}", rows.len())
}

/// The values of node attribute `name` in `crm_mon -A --output-as=xml`
/// (`<node_attributes><node name="xivo1"><attribute name=".." value=".."/>`): (node,
/// value) pairs, empty values left out.
pub fn parse_attributes(xml: &str, name: &str) -> Vec<(String, String)> {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return Vec::new();
    };
    doc.descendants()
        .filter(|n| n.has_tag_name("node_attributes"))
        .flat_map(|a| a.children().filter(|n| n.has_tag_name("node")))
        .filter_map(|node| {
            let host = node.attribute("name")?;
            let value = node
                .children()
                .find(|a| a.has_tag_name("attribute") && a.attribute("name") == Some(name))?
                .attribute("value")?;
            (!host.is_empty() && !value.is_empty()).then(|| (host.to_string(), value.to_string()))
        })
        .collect()
}

impl Agent {
    /// The unpromoted monitor's readiness check (see the module's text).
    pub(super) fn check_ready(&self, p: &Params) -> Result<OcfExit, Failure> {
        let degraded = |e: String| Failure::new(OcfExit::Degraded, e);
        let sel = select(p).map_err(&degraded)?;
        let node = self.node_name().ok();
        let mine = sel.as_ref().map_or_else(|| NONE.to_string(), digest);
        let others = self.publish_and_compare(node.as_deref(), &mine);
        let here = node.clone().unwrap_or_else(|| "this node".into());
        let config = p.config.display().to_string();
        let Some(sel) = sel else {
            // No file here: a fault only when another node has one.
            if let Some((other, _)) = others.iter().find(|(_, v)| v != NONE) {
                let full = format!(
                    "{config} is missing on {here}, but {other} has one: this node could not switch the lines if promoted – copy it from {other} (install -m 0600 {config} on {here})"
                );
                log::error(&full);
                return Err(degraded(format!(
                    "not ready: no {config} on {here} ({other} has one): copy it from {other}"
                )));
            }
            return Ok(OcfExit::Success);
        };
        let mut faults: Vec<Fault> = sel.broken.iter().map(broken_fault).collect();
        if let Some((other, _)) = others.iter().find(|(_, v)| v != NONE && *v != mine) {
            faults.push(Fault::new(
                format!("{config} differs from {other}'s"),
                format!(
                    "{config} on {here} names other berofos (sections, MACs, hosts or ports) than {other}'s: copy the same file to both nodes (install -m 0600)"
                ),
            ));
        }
        let http = Http::new().map_err(|pr| degraded(pr.describe("")))?;
        for (d, r) in sel.devices.iter().zip(relay::read_all(
            &http,
            &sel.devices,
            p.timeout,
            self.deadline(),
        )) {
            if let Err(e) = r {
                let mut f = Fault::of(&e);
                f.full = format!(
                    "{} – node {here} could not switch it if promoted: try xivo-berofos ping {} and xivo-berofos status on {here}",
                    f.full,
                    d.sel()
                );
                faults.push(f);
            }
        }
        if faults.is_empty() {
            return Ok(OcfExit::Success);
        }
        Err(degraded(summarize(&format!("{here} not ready"), &faults)))
    }

    /// Publishes this node's digest (when it changed) and returns the other nodes'
    /// (host, digest). Empty when there is no cluster to ask: nothing to compare.
    pub(super) fn publish_and_compare(
        &self,
        node: Option<&str>,
        mine: &str,
    ) -> Vec<(String, String)> {
        let name = attribute();
        let until = self.deadline.at;
        let all = cluster::attribute_all(&name, until).unwrap_or_default();
        let published = node.and_then(|n| all.iter().find(|(h, _)| h == n).map(|(_, v)| v));
        if published.map(String::as_str) != Some(mine) {
            if let Err(e) = cluster::attribute_set(&name, mine, until) {
                log::debug(&format!("configuration digest not published: {e}"));
            }
        }
        all.into_iter()
            .filter(|(h, _)| Some(h.as_str()) != node)
            .collect()
    }

    /// A promote on a node without the file while another node has one fails: the lines
    /// must go where they can be switched.
    pub(super) fn refuse_without_file(&self, p: &Params) -> Result<(), Failure> {
        if p.config.exists() {
            return Ok(());
        }
        let node = self.node_name().ok();
        let others = self.publish_and_compare(node.as_deref(), NONE);
        match others.iter().find(|(_, v)| v != NONE) {
            Some((other, _)) => Err(Failure::new(
                OcfExit::ErrGeneric,
                format!(
                    "no {} on {} ({other} has one): not promoting a node that cannot switch the lines – copy it from {other}",
                    p.config.display(),
                    node.unwrap_or_else(|| "this node".into())
                ),
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_attributes_of_crm_mon() {
        let xml = r#"<pacemaker-result api-version="2.29" request="crm_mon -1 -A --output-as=xml">
  <nodes><node name="xivo1" id="1" online="true"/></nodes>
  <node_attributes>
    <node name="xivo1">
      <attribute name="berofos-config-berofos" value="2x0123"/>
      <attribute name="master-berofos" value="100"/>
    </node>
    <node name="xivo2">
      <attribute name="berofos-config-berofos" value="none"/>
    </node>
    <node name="xivo3">
      <attribute name="master-berofos" value="50"/>
    </node>
  </node_attributes>
</pacemaker-result>"#;
        assert_eq!(
            parse_attributes(xml, "berofos-config-berofos"),
            vec![
                ("xivo1".to_string(), "2x0123".to_string()),
                ("xivo2".to_string(), "none".to_string())
            ]
        );
        assert!(parse_attributes("not xml", "x").is_empty());
    }
}
