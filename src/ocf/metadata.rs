//! The `meta-data` XML, generated from the parameter table.
//!
//! It must validate against ra-api-1.dtd as Debian's resource-agents ships it (that is
//! what `ocf-tester` checks). That DTD predates OCF 1.1: it has no `reloadable`
//! attribute and no `reload-agent` action, so neither is printed even though the agent
//! implements both (a comment in the XML says so). Nothing here reads a file, takes a
//! lock or logs: `meta-data` works as any user.

use super::params::{Param, PARAMS};

/// One `<action>` line.
struct ActionMeta {
    name: &'static str,
    timeout: &'static str,
    /// Extra attributes, already well-formed.
    extra: &'static str,
}

const ACTIONS: &[ActionMeta] = &[
    ActionMeta {
        name: "start",
        timeout: "20s",
        extra: "",
    },
    ActionMeta {
        name: "stop",
        timeout: "20s",
        extra: "",
    },
    ActionMeta {
        name: "promote",
        timeout: "30s",
        extra: "",
    },
    ActionMeta {
        name: "demote",
        timeout: "20s",
        extra: "",
    },
    ActionMeta {
        name: "monitor",
        timeout: "20s",
        extra: r#" depth="0" interval="10s" role="Promoted""#,
    },
    ActionMeta {
        name: "monitor",
        timeout: "20s",
        extra: r#" depth="0" interval="11s" role="Unpromoted""#,
    },
    ActionMeta {
        name: "notify",
        timeout: "5s",
        extra: "",
    },
    ActionMeta {
        name: "meta-data",
        timeout: "5s",
        extra: "",
    },
    ActionMeta {
        name: "validate-all",
        timeout: "20s",
        extra: "",
    },
];

const LONGDESC: &str = "Moves the ISDN lines of a XiVO HA pair with the cluster: a berofos \
failover switch has a relay that connects the lines (port A) either to port B, where the \
master XiVO is wired (relay mode 1, A--B), or to port D, where the slave XiVO is wired \
(relay mode 0, A--D). Configure this agent as a promotable clone on the two XiVO nodes: \
promoting a node sets every selected berofos to that node's mode (mode 1 on master_node, \
mode 0 on the other node) and reads it back; the promoted monitor fails when a berofos shows \
the other mode or does not answer. Demote and stop leave the relay as it is: it moves only \
when the other node is promoted. Colocate the promoted role with the XiVO services (the \
berofos follows the services, never the reverse) so that the lines follow them. Without a configuration file the agent does nothing (a XiVO without \
berofos).";

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
        escape("berofos relay follows the promoted XiVO")
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
