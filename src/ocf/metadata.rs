//! The `meta-data` XML, generated from the parameter table.
//!
//! It must validate against ra-api-1.dtd as Debian's resource-agents ships it (that is
//! what `ocf-tester` checks). That DTD predates OCF 1.1: it has no `reloadable`
//! attribute and no `reload-agent` action, so neither is printed even though the agent
//! implements both (a comment in the XML says so). Nothing here reads a file, takes a
//! lock or logs: `meta-data` works as any user.

use super::params::{Param, PARAMS};

/// One `<action>` line (and its entry in the ocf_xivo_berofos(7) page).
pub struct ActionMeta {
    pub name: &'static str,
    pub timeout: &'static str,
    /// Extra attributes, already well-formed.
    pub extra: &'static str,
    /// What it does, for the man page (not in the XML: the DTD has no place for it).
    pub does: &'static str,
}

/// The actions, as the meta-data lists them.
pub const ACTIONS: &[ActionMeta] = &[
    ActionMeta {
        name: "start",
        timeout: "20s",
        extra: "",
        does: "Records \"unpromoted\" in the state file and sets this node's promotion score (100 on master_node, 50 elsewhere; 50 on both with prefer_master=false). Touches no berofos.",
    },
    ActionMeta {
        name: "stop",
        timeout: "20s",
        extra: "",
        does: "Removes the state file and the promotion score. The relay stays where it is.",
    },
    ActionMeta {
        name: "promote",
        timeout: "30s",
        extra: "",
        does: "Switches every selected berofos to this node's relay mode at once (1, A--B, on master_node; 0, A--D, elsewhere), reads each back, and records \"promoted\"; fails naming every berofos that did not switch.",
    },
    ActionMeta {
        name: "demote",
        timeout: "20s",
        extra: "",
        does: "Records \"unpromoted\"; the relay stays until the other node is promoted.",
    },
    ActionMeta {
        name: "monitor",
        timeout: "20s",
        extra: r#" depth="0" interval="10s" role="Promoted""#,
        does: "Promoted: reads every selected berofos; 8 when all show this node's mode, 9 when one shows the other mode or does not answer.",
    },
    ActionMeta {
        name: "monitor",
        timeout: "20s",
        extra: r#" depth="0" interval="11s" role="Unpromoted""#,
        does: "Unpromoted: 0 while started (7 when not); with OCF_CHECK_LEVEL 10 or more it also logs a warning for each berofos that does not answer. A probe restores the promotion score.",
    },
    ActionMeta {
        name: "notify",
        timeout: "5s",
        extra: "",
        does: "Logs the notification.",
    },
    ActionMeta {
        name: "meta-data",
        timeout: "5s",
        extra: "",
        does: "Prints this description as XML (ra-api-1.dtd).",
    },
    ActionMeta {
        name: "validate-all",
        timeout: "20s",
        extra: "",
        does: "Checks the parameters and the configuration file (and, where a cluster answers, that master_node is one of its nodes).",
    },
];

/// What the agent does, for the meta-data and the man page.
pub const LONGDESC: &str = "Moves the ISDN lines of a XiVO HA pair with the cluster: a berofos \
failover switch has a relay that connects the lines (port A) either to port B, where the \
master XiVO is wired (relay mode 1, A--B), or to port D, where the slave XiVO is wired \
(relay mode 0, A--D). Configure this agent as a promotable clone on the two XiVO nodes: \
promoting a node sets every selected berofos to that node's mode (mode 1 on master_node, \
mode 0 on the other node) and reads it back; the promoted monitor fails when a berofos shows \
the other mode or does not answer. Demote and stop leave the relay as it is: it moves only \
when the other node is promoted. Colocate the promoted role with the XiVO services (the \
berofos follows the services, never the reverse) so that the lines follow them. Without a configuration file the agent does nothing (a XiVO without \
berofos).";

/// The agent in a few words.
pub const SHORTDESC: &str = "berofos relay follows the promoted XiVO";

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

fn parameter(p: &Param) -> String {
    let default = p
        .default
        .map(|d| format!(r#" default="{}""#, escape(d)))
        .unwrap_or_default();
    let reload = if p.reloadable {
        " Read afresh by every action; reload-agent applies it."
    } else {
        ""
    };
    format!(
        r#"<parameter name="{name}" unique="{unique}" required="{required}">
<longdesc lang="en">
{longdesc}{reload}
</longdesc>
<shortdesc lang="en">{shortdesc}</shortdesc>
<content type="{ty}"{default} />
</parameter>
"#,
        name = escape(p.name),
        unique = u8::from(p.unique),
        required = u8::from(p.required),
        longdesc = escape(p.longdesc),
        reload = reload,
        shortdesc = escape(p.shortdesc),
        ty = p.content.xml(),
    )
}

/// The whole document.
pub fn xml() -> String {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\"?>\n<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n");
    x.push_str(&format!(
        "<resource-agent name=\"berofos\" version=\"{}\">\n<version>1.1</version>\n\n",
        escape(env!("CARGO_PKG_VERSION"))
    ));
    x.push_str(&format!(
        "<longdesc lang=\"en\">\n{}\n</longdesc>\n<shortdesc lang=\"en\">{}</shortdesc>\n\n<parameters>\n",
        escape(LONGDESC),
        escape(SHORTDESC)
    ));
    for p in PARAMS {
        x.push_str(&parameter(p));
    }
    x.push_str("</parameters>\n\n<actions>\n");
    for a in ACTIONS {
        x.push_str(&format!(
            "<action name=\"{}\" timeout=\"{}\"{} />\n",
            a.name, a.timeout, a.extra
        ));
    }
    x.push_str(
        "<!-- reload-agent is implemented (timeout 20s) but not listed: ra-api-1.dtd does not know it -->\n",
    );
    x.push_str("</actions>\n</resource-agent>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&apos;");
    }

    #[test]
    fn derived_from_the_table() {
        let x = xml();
        for p in PARAMS {
            assert!(x.contains(&format!("<parameter name=\"{}\"", p.name)));
        }
        assert!(x.contains(r#"name="master_node" unique="0" required="1""#));
        assert!(x.contains(r#"role="Promoted""#) && x.contains(r#"role="Unpromoted""#));
        assert!(x.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))));
    }
}
