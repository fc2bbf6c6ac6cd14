//! The berofos settings table (docs/protocol.md §1.3), written once.
//!
//! Everything about a setting comes from [`SETTINGS`]: how `set` checks and encodes a
//! value, where `get`/`show` find it in `config.txt`, what `keys` and `--help` print, and
//! which values the HA set-up recommends.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// The type of a setting's value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// 0/1; users may type yes/no/y/n/true/false/on/off.
    Bool,
    /// An IPv4 address.
    Addr,
    /// A host name.
    Host,
    /// A number 1..65535.
    Port,
    /// Free text.
    Text,
    /// A password of at most 15 characters.
    Password,
    /// No value: the request itself is the action (`smtptest`).
    Action,
    /// A number the device reports (read only).
    Number,
}

impl Kind {
    /// What a user may type, for help and error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Bool => "0 or 1 (also yes/no, true/false, on/off)",
            Kind::Addr => "an IPv4 address, like 10.34.1.20",
            Kind::Host => "a host name (letters, digits, '-' and '.')",
            Kind::Port => "a number from 1 to 65535",
            Kind::Text => "free text",
            Kind::Password => "a password of 1 to 15 characters",
            Kind::Action => "no value (the request itself is the action)",
            Kind::Number => "a number (read only)",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Kind::Bool => "bool",
            Kind::Addr => "ipv4",
            Kind::Host => "host",
            Kind::Port => "port",
            Kind::Text => "text",
            Kind::Password => "password",
            Kind::Action => "action",
            Kind::Number => "number",
        }
    }
}

/// One row of the table.
#[derive(Debug)]
pub struct Setting {
    /// What users type: `set mode=1`, `get mode`.
    pub name: &'static str,
    pub kind: Kind,
    /// The query of the write request, without the value (`cmd=4&mode=`); `None` = read only.
    pub set_query: Option<&'static str>,
    /// The key in `config.txt`; `None` = set only.
    pub key: Option<&'static str>,
    pub help: &'static str,
}

macro_rules! row {
    ($name:literal, $kind:ident, $set:expr, $key:expr, $help:literal) => {
        Setting {
            name: $name,
            kind: Kind::$kind,
            set_query: $set,
            key: $key,
            help: $help,
        }
    };
}

/// docs/protocol.md §1.3, in order.
pub static SETTINGS: &[Setting] = &[
    row!(
        "scenario",
        Bool,
        Some("cmd=1&sz="),
        Some("1_sz"),
        "0 = fallback, 1 = bypass"
    ),
    row!(
        "mode",
        Bool,
        Some("cmd=4&mode="),
        Some("4_mode"),
        "relay mode: 1 = A--B (master XiVO), 0 = A--D (slave XiVO)"
    ),
    row!(
        "modedef",
        Bool,
        Some("cmd=1&rm="),
        Some("1_rm"),
        "relay mode after power-up"
    ),
    row!(
        "power1",
        Bool,
        Some("cmd=5&p=0&s="),
        Some("5_p0"),
        "power port 1 on/off"
    ),
    row!(
        "power1def",
        Bool,
        Some("cmd=1&p0="),
        Some("1_p0"),
        "power port 1 after power-up"
    ),
    row!(
        "power2",
        Bool,
        Some("cmd=5&p=1&s="),
        Some("5_p1"),
        "power port 2 on/off"
    ),
    row!(
        "power2def",
        Bool,
        Some("cmd=1&p1="),
        Some("1_p1"),
        "power port 2 after power-up"
    ),
    row!(
        "hostname",
        Host,
        Some("cmd=3&dn="),
        Some("3_dn"),
        "device host name"
    ),
    row!(
        "address",
        Addr,
        Some("cmd=3&ip="),
        Some("3_ip"),
        "IP address"
    ),
    row!("netmask", Addr, Some("cmd=3&nm="), Some("3_nm"), "netmask"),
    row!("gateway", Addr, Some("cmd=3&gw="), Some("3_gw"), "gateway"),
    row!("dns", Addr, Some("cmd=3&dns="), Some("3_dns"), "DNS server"),
    row!(
        "dhcp",
        Bool,
        Some("cmd=3&dhcp="),
        Some("3_dhcp"),
        "use DHCP"
    ),
    row!(
        "port",
        Port,
        Some("cmd=3&port="),
        Some("3_port"),
        "HTTP listen port"
    ),
    row!(
        "pwd",
        Bool,
        Some("cmd=3&pwd="),
        Some("3_pwd"),
        "HTTP password protection"
    ),
    row!(
        "apwd",
        Password,
        Some("cmd=3&apwd="),
        None,
        "admin password (set only)"
    ),
    row!(
        "smtpserv",
        Text,
        Some("cmd=2&mhost="),
        Some("2_mhost"),
        "SMTP server"
    ),
    row!(
        "smtpfrom",
        Text,
        Some("cmd=2&mfrom="),
        Some("2_mfrom"),
        "SMTP sender"
    ),
    row!(
        "smtpto",
        Text,
        Some("cmd=2&mto="),
        Some("2_mto"),
        "SMTP recipient"
    ),
    row!(
        "smtptest",
        Action,
        Some("cmd=7"),
        None,
        "send a test mail (set only, no value)"
    ),
    row!(
        "syslog",
        Bool,
        Some("cmd=3&syslog="),
        Some("3_log"),
        "remote syslog on/off"
    ),
    row!(
        "slgip",
        Addr,
        Some("cmd=3&slgip="),
        Some("3_loghost"),
        "syslog server"
    ),
    row!(
        "slgpt",
        Port,
        Some("cmd=3&slgpt="),
        Some("3_logport"),
        "syslog port"
    ),
    row!(
        "wdog",
        Bool,
        Some("cmd=6&wen="),
        Some("6_wen"),
        "watchdog enabled"
    ),
    row!(
        "wdogdef",
        Bool,
        Some("cmd=2&wen="),
        Some("2_wen"),
        "watchdog after power-up"
    ),
    row!(
        "wdogstate",
        Number,
        None,
        Some("6_wstate"),
        "watchdog state: 0 off, 1 on, 2 failure (read only)"
    ),
    row!(
        "wdogitime",
        Port,
        Some("cmd=2&wintv="),
        Some("2_wintv"),
        "watchdog interval, seconds"
    ),
    row!(
        "wdogaudio",
        Bool,
        Some("cmd=2&as="),
        Some("2_as"),
        "watchdog audio alarm"
    ),
    row!(
        "wdogmail",
        Bool,
        Some("cmd=2&men="),
        Some("2_men"),
        "watchdog alarm mails"
    ),
    row!(
        "wdogrtime",
        Number,
        None,
        Some("0_wretv"),
        "seconds left before watchdog failure (read only)"
    ),
];

/// The HA settings of the XiVO documentation's procedure, in the order `setup` applies them.
/// `status` reports those that differ (but `mode`, which is the live relay state).
pub static HA_SETTINGS: &[(&str, &str)] = &[
    ("wdog", "0"),
    ("wdogdef", "0"),
    ("scenario", "0"),
    ("mode", "1"),
    ("modedef", "1"),
];

/// Why a `set`/`get` request was refused before any device was asked (exit 2).
#[derive(Debug, PartialEq, Eq)]
pub struct BadSetting(pub String);

impl std::fmt::Display for BadSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bad setting is a usage error (exit 2).
impl From<BadSetting> for crate::error::Error {
    fn from(b: BadSetting) -> Self {
        crate::error::Error::Usage(b.0)
    }
}

/// Finds a setting by name (case-insensitive), or says which names exist.
pub fn lookup(name: &str) -> Result<&'static Setting, BadSetting> {
    SETTINGS
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            BadSetting(format!(
                "unknown setting '{}'; valid settings: {} (see: xivo-berofos keys)",
                // Only the word: `apwd:secret` typed for `apwd=secret` must not echo it.
                name.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or(""),
                names(|_| true)
            ))
        })
}

fn names(filter: impl Fn(&Setting) -> bool) -> String {
    SETTINGS
        .iter()
        .filter(|s| filter(s))
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a user's boolean.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "y" | "true" | "on" => Some(true),
        "0" | "no" | "n" | "false" | "off" => Some(false),
        _ => None,
    }
}

impl Setting {
    pub fn writable(&self) -> bool {
        self.set_query.is_some()
    }

    pub fn readable(&self) -> bool {
        self.key.is_some()
    }

    /// Checks a `set NAME=VALUE` and returns the value to send (unencoded), or why not.
    pub fn check_value(&self, value: &str) -> Result<String, BadSetting> {
        if !self.writable() {
            return Err(BadSetting(format!(
                "'{}' is read only; settings that can be set: {}",
                self.name,
                names(Setting::writable)
            )));
        }
        let bad = || {
            BadSetting(format!(
                "invalid value for {}: expected {}",
                self.name,
                self.kind.describe()
            ))
        };
        let v = value.trim();
        match self.kind {
            Kind::Bool => parse_bool(v)
                .map(|b| if b { "1" } else { "0" }.to_string())
                .ok_or_else(bad),
            Kind::Addr => v
                .parse::<Ipv4Addr>()
                .map(|a| a.to_string())
                .map_err(|_| bad()),
            Kind::Host => {
                let ok = !v.is_empty()
                    && v.len() <= 63
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                    && !v.starts_with(['-', '.']);
                if ok {
                    Ok(v.to_string())
                } else {
                    Err(bad())
                }
            }
            Kind::Port => match v.parse::<u32>() {
                Ok(n) if (1..=65535).contains(&n) => Ok(n.to_string()),
                _ => Err(bad()),
            },
            Kind::Text => {
                if value.chars().any(char::is_control) {
                    Err(BadSetting(format!(
                        "invalid value for {}: control characters are not allowed",
                        self.name
                    )))
                } else {
                    Ok(value.to_string())
                }
            }
            // A password is taken literally: blanks are part of it. Never echo it back.
            Kind::Password => {
                // The device keeps 15 bytes: printable ASCII only, so a character never
                // costs more than one and the password is never stored cut.
                let n = value.chars().count();
                if n == 0
                    || value.len() > 15
                    || !value.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
                {
                    Err(BadSetting(format!(
                        "invalid value for {}: expected a password of 1 to 15 printable ASCII characters (got {n} characters)",
                        self.name
                    )))
                } else {
                    Ok(value.to_string())
                }
            }
            Kind::Action => {
                if v.is_empty() || v == "1" {
                    Ok(String::new())
                } else {
                    Err(bad())
                }
            }
            Kind::Number => Err(bad()),
        }
    }

    /// The full query of a write request: `cmd=4&mode=1` (value percent-encoded).
    pub fn query(&self, checked_value: &str) -> String {
        let q = self.set_query.expect("query() on a read-only setting");
        if self.kind == Kind::Action {
            q.to_string()
        } else {
            format!("{q}{}", percent_encode(checked_value))
        }
    }

    /// This setting's value as a device reported it, normalised (booleans as 0/1).
    pub fn read<'a>(&self, cfg: &'a ConfigTxt) -> Option<std::borrow::Cow<'a, str>> {
        let raw = cfg.values.get(self.key?)?;
        Some(if self.kind == Kind::Bool {
            let on = raw == "1" || raw.eq_ignore_ascii_case("checked");
            std::borrow::Cow::Borrowed(if on { "1" } else { "0" })
        } else {
            std::borrow::Cow::Borrowed(raw.as_str())
        })
    }

    /// One line of `keys`.
    pub fn describe_row(&self) -> String {
        let access = match (self.readable(), self.writable()) {
            (true, true) => "get/set",
            (false, true) => "set only",
            (true, false) => "read only",
            (false, false) => "",
        };
        format!(
            "{:<10} {:<8} {:<9} {}",
            self.name,
            self.kind.short(),
            access,
            self.help
        )
    }
}

/// The settings table as help text (`keys`, `set --help`, `get --help`).
pub fn keys_help() -> String {
    let mut out = String::from("Settings (name, type, access, meaning):\n");
    for s in SETTINGS {
        out.push_str("  ");
        out.push_str(&s.describe_row());
        out.push('\n');
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A parsed `GET /config.txt` body.
#[derive(Debug, Default, Clone)]
pub struct ConfigTxt {
    pub values: BTreeMap<String, String>,
    /// Set when the magic names another version than 0.1.
    pub version_warning: Option<String>,
}

pub const MAGIC_KEY: &str = "bnfos_confmap_magic";
pub const MAGIC_VERSION: &str = "0.1";

impl ConfigTxt {
    /// Parses a body per docs/protocol.md §1.1; `None` when the magic line is missing.
    pub fn parse(body: &str) -> Option<ConfigTxt> {
        let mut lines = body.split('\n').map(|l| l.trim_end_matches('\r'));
        let version = lines.by_ref().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == MAGIC_KEY).then(|| v.trim().to_string())
        })?;
        let mut cfg = ConfigTxt::default();
        if version != MAGIC_VERSION {
            cfg.version_warning = Some(format!(
                "firmware version does not match (configuration map {version}, expected {MAGIC_VERSION})"
            ));
        }
        for line in lines {
            if let Some((k, v)) = line.split_once('=') {
                cfg.values
                    .insert(k.trim().to_string(), v.trim().to_string());
            }
        }
        Some(cfg)
    }

    /// Every readable setting, in table order, with its value when the device sent it.
    pub fn all(&self) -> Vec<(&'static Setting, Option<String>)> {
        SETTINGS
            .iter()
            .filter(|s| s.readable())
            .map(|s| (s, s.read(self).map(|v| v.into_owned())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_consistent() {
        for s in SETTINGS {
            assert!(s.readable() || s.writable(), "{}", s.name);
            assert_eq!(lookup(&s.name.to_uppercase()).unwrap().name, s.name);
        }
        for (name, v) in HA_SETTINGS {
            assert_eq!(lookup(name).unwrap().check_value(v).unwrap(), *v);
        }
    }

    #[test]
    fn values_are_checked_by_type() {
        let mode = lookup("mode").unwrap();
        assert_eq!(mode.check_value("YES").unwrap(), "1");
        assert_eq!(mode.check_value("off").unwrap(), "0");
        assert!(mode.check_value("2").unwrap_err().0.contains("0 or 1"));
        assert!(lookup("address")
            .unwrap()
            .check_value("10.0.0.256")
            .is_err());
        assert!(lookup("port").unwrap().check_value("0").is_err());
        assert!(lookup("port").unwrap().check_value("65536").is_err());
        assert_eq!(lookup("port").unwrap().check_value("8080").unwrap(), "8080");
        let apwd = lookup("apwd").unwrap();
        assert!(apwd.check_value("0123456789abcdef").is_err());
        assert_eq!(apwd.check_value("se&cret").unwrap(), "se&cret");
        assert!(lookup("wdogstate")
            .unwrap()
            .check_value("1")
            .unwrap_err()
            .0
            .contains("read only"));
        assert!(lookup("nosuch").unwrap_err().0.contains("wdogdef"));
        // A mistyped assignment never echoes what follows the key.
        assert!(!lookup("apwd:s3cret").unwrap_err().0.contains("s3cret"));
        // 15 bytes at most, printable ASCII: "é" would cost two.
        assert!(apwd.check_value("ééééééééé").is_err());
        assert!(apwd.check_value("fifteen chars!!").is_ok());
    }

    #[test]
    fn queries_are_encoded() {
        let apwd = lookup("apwd").unwrap();
        assert_eq!(apwd.query("se&cret"), "cmd=3&apwd=se%26cret");
        assert_eq!(lookup("power2").unwrap().query("1"), "cmd=5&p=1&s=1");
        assert_eq!(lookup("smtptest").unwrap().query(""), "cmd=7");
    }

    #[test]
    fn config_txt_magic_crlf_and_checked() {
        assert!(ConfigTxt::parse("4_mode=1\n").is_none());
        let c = ConfigTxt::parse(
            "junk\r\nbnfos_confmap_magic=0.1\r\n4_mode=checked\r\n1_sz=\r\n3_ip=10.0.0.2\r\n",
        )
        .unwrap();
        assert!(c.version_warning.is_none());
        assert_eq!(lookup("mode").unwrap().read(&c).unwrap(), "1");
        assert_eq!(lookup("scenario").unwrap().read(&c).unwrap(), "0");
        assert_eq!(lookup("address").unwrap().read(&c).unwrap(), "10.0.0.2");
        assert!(lookup("dns").unwrap().read(&c).is_none());
        let c = ConfigTxt::parse("bnfos_confmap_magic=0.2\n").unwrap();
        assert!(c.version_warning.unwrap().contains("does not match"));
    }
}
