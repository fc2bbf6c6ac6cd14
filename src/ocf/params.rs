//! The agent's parameters, described once.
//!
//! [`PARAMS`] is the only description of `config`, `master_node`, `devices`, `timeout`
//! and `prefer_master`: the meta-data XML, the `OCF_RESKEY_<name>` parsing (defaults,
//! required values, types) and `validate-all` are all derived from it, the way
//! fence-agents derive everything from `all_opt`.

use super::{Failure, OcfExit};
use crate::settings::parse_bool;
use std::path::PathBuf;
use std::time::Duration;

/// An OCF content type (ra-api-1.dtd knows string, integer, boolean and time).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Content {
    String,
    /// A positive number (of seconds, for `timeout`).
    Integer,
    Boolean,
}

impl Content {
    pub fn xml(self) -> &'static str {
        match self {
            Content::String => "string",
            Content::Integer => "integer",
            Content::Boolean => "boolean",
        }
    }

    /// Checks a value against the type; the message completes "parameter X ...".
    fn check(self, value: &str) -> Result<(), String> {
        match self {
            Content::String => Ok(()),
            Content::Boolean => parse_bool(value)
                .map(drop)
                .ok_or_else(|| format!("must be true or false, not '{value}'")),
            Content::Integer => positive_seconds(value)
                .map(drop)
                .ok_or_else(|| format!("must be a positive number of seconds, not '{value}'")),
        }
    }
}

/// One parameter of the agent.
#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub shortdesc: &'static str,
    pub longdesc: &'static str,
    pub content: Content,
    pub default: Option<&'static str>,
    pub required: bool,
    /// Changing it needs no restart (`reload-agent` re-reads it).
    pub reloadable: bool,
    pub unique: bool,
}

/// The table.
pub static PARAMS: &[Param] = &[
    Param {
        name: "config",
        shortdesc: "berofos configuration file",
        longdesc: "The berofos configuration file: one [section] per berofos with its mac, host \
and optional login = user:password and port (the file of bnfos and xivo-berofos; create it \
with 'xivo-berofos scan -x'). When the file does not exist this XiVO is not configured: \
every action succeeds without touching any device.",
        content: Content::String,
        default: Some(crate::config::DEFAULT_PATH),
        required: false,
        reloadable: true,
        unique: false,
    },
    Param {
        name: "master_node",
        shortdesc: "cluster node of the master XiVO (port B)",
        longdesc: "The cluster node name (as in 'crm_node -n') of the XiVO wired to port B of \
every berofos. Promoting that node sets relay mode 1 (A--B: the lines go to port B); promoting \
any other node sets relay mode 0 (A--D: the lines go to port D, the slave XiVO).",
        content: Content::String,
        default: None,
        required: true,
        reloadable: false,
        unique: false,
    },
    Param {
        name: "devices",
        shortdesc: "berofos to switch (section names)",
        longdesc: "Space-separated section names of the configuration file: the berofos this \
resource switches. Empty (the default) means every section of the file.",
        content: Content::String,
        default: Some(""),
        required: false,
        reloadable: true,
        unique: false,
    },
    Param {
        name: "timeout",
        shortdesc: "seconds per berofos request",
        longdesc: "How long one HTTP request to a berofos may take, in seconds. Every berofos \
is asked in parallel, and the requests shrink to fit the operation's own timeout.",
        content: Content::Integer,
        default: Some("3"),
        required: false,
        reloadable: true,
        unique: false,
    },
    Param {
        name: "prefer_master",
        shortdesc: "the master XiVO gets the higher promotion score",
        longdesc: "When true, master_node gets promotion score 100 and the other node 50, so \
the lines go back to the master XiVO when it returns. When false, both nodes get 50 and the \
lines stay where they are. Colocated with the XiVO services (constraints.sh), the lines follow \
the services: constraints.sh reads this parameter and gives the services the same preference \
for master_node (no-failback.sh removes it).",
        content: Content::Boolean,
        default: Some("true"),
        required: false,
        reloadable: true,
        unique: false,
    },
];

/// The parameters of one call, typed.
#[derive(Clone, Debug)]
pub struct Params {
    pub config: PathBuf,
    pub master_node: String,
    /// `None`: every section.
    pub devices: Option<Vec<String>>,
    pub timeout: Duration,
    pub prefer_master: bool,
}

/// `3`, `0.5`, `2s`: a positive number of seconds, at most an hour.
fn positive_seconds(v: &str) -> Option<Duration> {
    let v = v.trim();
    let n: f64 = v.strip_suffix('s').unwrap_or(v).trim().parse().ok()?;
    (n.is_finite() && n > 0.0 && n <= 3600.0).then(|| Duration::from_secs_f64(n))
}

pub(super) fn bad_param(reason: String) -> Failure {
    Failure::new(OcfExit::ErrArgs, reason)
}

impl Params {
    /// Reads `OCF_RESKEY_<name>` through `get` (which gets the bare parameter name):
    /// defaults applied, required values and types checked as the table says.
    pub fn from(get: impl Fn(&str) -> Option<String>) -> Result<Params, Failure> {
        let mut values = std::collections::HashMap::new();
        for p in PARAMS {
            let given = get(p.name).filter(|v| !v.trim().is_empty());
            let value = match (given, p.default) {
                (Some(v), _) => v,
                (None, _) if p.required => {
                    return Err(bad_param(format!(
                        "parameter {} is required: {} (pcs resource update <resource> {}=<value>)",
                        p.name, p.shortdesc, p.name
                    )))
                }
                (None, d) => d.unwrap_or_default().to_string(),
            };
            if !value.is_empty() {
                p.content
                    .check(&value)
                    .map_err(|e| bad_param(format!("parameter {} {e}", p.name)))?;
            }
            values.insert(p.name, value);
        }
        let value = |name: &str| values.get(name).cloned().unwrap_or_default();
        let devices: Vec<String> = value("devices")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        Ok(Params {
            config: PathBuf::from(value("config")),
            master_node: value("master_node").trim().to_string(),
            devices: (!devices.is_empty()).then_some(devices),
            timeout: positive_seconds(&value("timeout")).unwrap_or(Duration::from_secs(3)),
            prefer_master: parse_bool(&value("prefer_master")).unwrap_or(true),
        })
    }

    /// From the process environment.
    pub fn from_env() -> Result<Params, Failure> {
        Params::from(|name| std::env::var(format!("OCF_RESKEY_{name}")).ok())
    }

    /// The sections this resource switches; empty: every section.
    pub fn names(&self) -> &[String] {
        self.devices.as_deref().unwrap_or_default()
    }

    /// Whether this resource switches the section `name`.
    pub fn selects(&self, name: &str) -> bool {
        self.devices
            .as_ref()
            .map_or(true, |d| d.iter().any(|n| n == name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Result<Params, Failure> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Params::from(|n| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_from_the_table() {
        let p = params(&[("master_node", "xivo1")]).unwrap();
        assert_eq!(p.config, PathBuf::from("/etc/bnfos.conf"));
        assert_eq!(p.timeout, Duration::from_secs(3));
        assert!(p.prefer_master && p.devices.is_none());
    }

    #[test]
    fn checks_by_type_and_requirement() {
        let e = params(&[]).unwrap_err();
        assert_eq!(
            (e.exit, e.reason.contains("master_node")),
            (OcfExit::ErrArgs, true)
        );
        assert!(params(&[("master_node", "  ")]).is_err());
        for bad in ["0", "-1", "abc", "nan", "inf"] {
            let e = params(&[("master_node", "a"), ("timeout", bad)]).unwrap_err();
            assert!(e.reason.contains("timeout"), "{bad}: {}", e.reason);
        }
        let p = params(&[
            ("master_node", "a"),
            ("timeout", "0.5"),
            ("prefer_master", "no"),
        ]);
        let p = p.unwrap();
        assert_eq!(
            (p.timeout, p.prefer_master),
            (Duration::from_millis(500), false)
        );
        let e = params(&[("master_node", "a"), ("prefer_master", "maybe")]).unwrap_err();
        assert!(e.reason.contains("prefer_master"));
        let p = params(&[("master_node", "a"), ("devices", " fos1  fos2 ")]).unwrap();
        assert_eq!(p.devices.unwrap(), vec!["fos1", "fos2"]);
    }

    #[test]
    fn every_required_param_has_no_default() {
        for p in PARAMS {
            assert_ne!(p.required, p.default.is_some(), "{}", p.name);
        }
    }
}
