//! The settings table of docs/protocol.md §1.3, copied by hand from the page (a test
//! below holds it to the page, row by row).
//!
//! Each row says how a write request names the setting (`cmd=4&mode=V`, with `V`
//! where the value goes, as the page writes it) and under which key `config.txt`
//! shows it. The device side of a setting's type is here too: which values a device
//! takes (a client sends booleans as `0`/`1`; the words users type are the client's
//! business, not the device's).

use std::net::Ipv4Addr;

/// The type column of §1.3.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Type {
    /// **b**: `0` or `1`.
    Bool,
    /// **a**: an IPv4 address.
    Addr,
    /// **h**: a host name.
    Host,
    /// **p**: a number 1..65535.
    Port,
    /// **s**: free text.
    Text,
    /// **d**: a password of at most 15 characters (set only).
    Password,
    /// No value: the request is the action (`smtptest`).
    Action,
    /// A number the device reports (read only; the control port may set it).
    Reported,
}

/// One row of §1.3.
#[derive(Debug)]
pub struct Setting {
    pub name: &'static str,
    pub ty: Type,
    /// The write request as §1.3 writes it, `V` standing for the value
    /// (`cmd=5&p=0&s=V`); `None`: read only.
    pub set: Option<&'static str>,
    /// The `config.txt` key; `None`: set only.
    pub key: Option<&'static str>,
}

const fn row(
    name: &'static str,
    ty: Type,
    set: Option<&'static str>,
    key: Option<&'static str>,
) -> Setting {
    Setting { name, ty, set, key }
}

use Type::*;

/// docs/protocol.md §1.3, in the page's order (which is also the order of the lines
/// of `config.txt`).
pub static SETTINGS: &[Setting] = &[
    row("scenario", Bool, Some("cmd=1&sz=V"), Some("1_sz")),
    row("mode", Bool, Some("cmd=4&mode=V"), Some("4_mode")),
    row("modedef", Bool, Some("cmd=1&rm=V"), Some("1_rm")),
    row("power1", Bool, Some("cmd=5&p=0&s=V"), Some("5_p0")),
    row("power1def", Bool, Some("cmd=1&p0=V"), Some("1_p0")),
    row("power2", Bool, Some("cmd=5&p=1&s=V"), Some("5_p1")),
    row("power2def", Bool, Some("cmd=1&p1=V"), Some("1_p1")),
    row("hostname", Host, Some("cmd=3&dn=V"), Some("3_dn")),
    row("address", Addr, Some("cmd=3&ip=V"), Some("3_ip")),
    row("netmask", Addr, Some("cmd=3&nm=V"), Some("3_nm")),
    row("gateway", Addr, Some("cmd=3&gw=V"), Some("3_gw")),
    row("dns", Addr, Some("cmd=3&dns=V"), Some("3_dns")),
    row("dhcp", Bool, Some("cmd=3&dhcp=V"), Some("3_dhcp")),
    row("port", Port, Some("cmd=3&port=V"), Some("3_port")),
    row("pwd", Bool, Some("cmd=3&pwd=V"), Some("3_pwd")),
    row("apwd", Password, Some("cmd=3&apwd=V"), None),
    row("smtpserv", Text, Some("cmd=2&mhost=V"), Some("2_mhost")),
    row("smtpfrom", Text, Some("cmd=2&mfrom=V"), Some("2_mfrom")),
    row("smtpto", Text, Some("cmd=2&mto=V"), Some("2_mto")),
    row("smtptest", Action, Some("cmd=7"), None),
    row("syslog", Bool, Some("cmd=3&syslog=V"), Some("3_log")),
    row("slgip", Addr, Some("cmd=3&slgip=V"), Some("3_loghost")),
    row("slgpt", Port, Some("cmd=3&slgpt=V"), Some("3_logport")),
    row("wdog", Bool, Some("cmd=6&wen=V"), Some("6_wen")),
    row("wdogdef", Bool, Some("cmd=2&wen=V"), Some("2_wen")),
    row("wdogstate", Reported, None, Some("6_wstate")),
    row("wdogitime", Port, Some("cmd=2&wintv=V"), Some("2_wintv")),
    row("wdogaudio", Bool, Some("cmd=2&as=V"), Some("2_as")),
    row("wdogmail", Bool, Some("cmd=2&men=V"), Some("2_men")),
    row("wdogrtime", Reported, None, Some("0_wretv")),
];

/// The `config.txt` magic line (§1.1).
pub const MAGIC: &str = "bnfos_confmap_magic=0.1";

/// Finds a row by name (case-insensitive).
pub fn lookup(name: &str) -> Result<&'static Setting, String> {
    SETTINGS
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
            format!("unknown setting '{name}'; settings: {}", names.join(", "))
        })
}

/// A write request taken apart: the pairs that must be in the query as they are,
/// and the parameter that carries the value (`None` for an action).
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    pub fixed: Vec<(&'static str, &'static str)>,
    pub value: Option<&'static str>,
}

impl Setting {
    /// Whether the device keeps a value for it (all but `apwd` and `smtptest`, whose
    /// effects are the password and a mail).
    pub fn has_value(&self) -> bool {
        !matches!(self.ty, Password | Action)
    }

    /// The write request of this row; `None` when it is read only.
    pub fn request(&self) -> Option<Request> {
        let set = self.set?;
        let mut fixed = Vec::new();
        let mut value = None;
        for pair in set.split('&') {
            match pair.split_once('=') {
                Some((k, "V")) => value = Some(k),
                Some((k, v)) => fixed.push((k, v)),
                None => fixed.push((pair, "")),
            }
        }
        Some(Request { fixed, value })
    }

    /// The value a device keeps for `raw`, or why it refuses it. The control port
    /// uses this too, and may also set the reported numbers.
    pub fn accept(&self, raw: &str) -> Result<String, String> {
        let bad = |what: &str| format!("{}: '{raw}' is not {what}", self.name);
        match self.ty {
            Bool => match raw.trim() {
                v @ ("0" | "1") => Ok(v.to_string()),
                _ => Err(bad("0 or 1")),
            },
            Addr => raw
                .trim()
                .parse::<Ipv4Addr>()
                .map(|a| a.to_string())
                .map_err(|_| bad("an IPv4 address")),
            Host => {
                let v = raw.trim();
                let ok = !v.is_empty()
                    && v.len() <= 63
                    && !v.starts_with(['-', '.'])
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
                ok.then(|| v.to_string()).ok_or_else(|| bad("a host name"))
            }
            Port => match raw.trim().parse::<u32>() {
                Ok(n) if (1..=65535).contains(&n) => Ok(n.to_string()),
                _ => Err(bad("a number from 1 to 65535")),
            },
            Text if raw.chars().any(char::is_control) => {
                Err(bad("text without control characters"))
            }
            Text => Ok(raw.to_string()),
            Password => {
                let ok = !raw.is_empty()
                    && raw.len() <= 15
                    && raw.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
                // Never echo a password.
                ok.then(|| raw.to_string()).ok_or_else(|| {
                    format!(
                        "{}: a password is 1 to 15 printable ASCII characters",
                        self.name
                    )
                })
            }
            Action => Ok(String::new()),
            Reported => raw
                .trim()
                .parse::<u32>()
                .map(|n| n.to_string())
                .map_err(|_| bad("a number")),
        }
    }
}

/// The rows of the settings table of docs/protocol.md (§1.3), given the page's text:
/// name, type letter, set query, config.txt key (code spans unquoted, "— (...)" as
/// "—"). This crate's table and the client's are both checked against it.
pub fn table_of_the_page(page: &str) -> Vec<[String; 4]> {
    let table = page
        .split("### 1.3")
        .nth(1)
        .unwrap_or_default()
        .split("\n## ")
        .next()
        .unwrap_or_default();
    let cell = |c: &str| {
        let c = c.trim();
        // `cmd=4&mode=V` → cmd=4&mode=V; "— (set only)" → "—".
        match c.strip_prefix('`').and_then(|c| c.split_once('`')) {
            Some((code, _)) => code.to_string(),
            None if c.starts_with('—') => "—".to_string(),
            None => c.to_string(),
        }
    };
    table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| name"))
        .filter_map(|l| {
            let c: Vec<&str> = l.trim_matches('|').split('|').collect();
            (c.len() >= 4).then(|| [cell(c[0]), cell(c[1]), cell(c[2]), cell(c[3])])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of_the_page() -> Vec<[String; 4]> {
        let rows = table_of_the_page(include_str!("../../../docs/protocol.md"));
        assert!(!rows.is_empty(), "docs/protocol.md has a §1.3 table");
        rows
    }

    fn letter(t: Type) -> &'static str {
        match t {
            Bool => "b",
            Addr => "a",
            Host => "h",
            Port => "p",
            Text => "s",
            Password => "d",
            Action | Reported => "—",
        }
    }

    #[test]
    fn the_table_is_the_one_of_the_page() {
        let page = rows_of_the_page();
        let ours: Vec<[String; 4]> = SETTINGS
            .iter()
            .map(|s| {
                [
                    s.name.to_string(),
                    letter(s.ty).to_string(),
                    s.set.unwrap_or("—").to_string(),
                    s.key.unwrap_or("—").to_string(),
                ]
            })
            .collect();
        assert_eq!(ours.len(), 30);
        assert_eq!(ours, page);
    }

    #[test]
    fn requests() {
        let power2 = lookup("POWER2").unwrap().request().unwrap();
        assert_eq!(power2.fixed, [("cmd", "5"), ("p", "1")]);
        assert_eq!(power2.value, Some("s"));
        let test = lookup("smtptest").unwrap().request().unwrap();
        assert_eq!((test.fixed, test.value), (vec![("cmd", "7")], None));
        assert!(lookup("wdogrtime").unwrap().request().is_none());
        assert!(lookup("nosuch").unwrap_err().contains("wdogmail"));
        for s in SETTINGS {
            assert!(s.set.is_some() || s.key.is_some(), "{}", s.name);
            if let Some(r) = s.request() {
                assert_eq!(r.fixed[0].0, "cmd", "{}", s.name);
                assert_eq!(r.value.is_none(), s.ty == Action, "{}", s.name);
            }
        }
    }

    #[test]
    fn what_a_device_takes() {
        let ok = |n: &str, v: &str| lookup(n).unwrap().accept(v);
        assert_eq!(ok("mode", "1").unwrap(), "1");
        assert!(ok("mode", "yes").is_err() && ok("mode", "2").is_err());
        assert_eq!(ok("address", " 10.0.0.1").unwrap(), "10.0.0.1");
        assert!(ok("address", "10.0.0.256").is_err());
        assert!(ok("port", "0").is_err() && ok("port", "65536").is_err());
        assert!(ok("hostname", "-x").is_err() && ok("hostname", "fos-1.lan").is_ok());
        assert!(ok("smtpto", "a\nb").is_err());
        assert_eq!(ok("apwd", "se&cret ok").unwrap(), "se&cret ok");
        assert!(ok("apwd", "0123456789abcdef").is_err());
        assert!(!ok("apwd", "ééééé-secret").unwrap_err().contains("secret"));
        assert_eq!(ok("wdogrtime", "42").unwrap(), "42");
    }
}
