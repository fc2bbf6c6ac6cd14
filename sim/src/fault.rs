//! Faults a simulated berofos can show, as typed on the command line and the control
//! port: `none`, `dead`, `hang`, `slow:MS`, `http500`, `deny`, `garbage`, `crlf`,
//! `udp-drop:N`, `flash`, combined with `+` (`slow:200+crlf`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// The active faults of one device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// HTTP connection refused, no GBL4 answer.
    pub dead: bool,
    /// HTTP: read the request, never answer. GBL4: no answer.
    pub hang: bool,
    /// Delay of every answer, in ms (0 = none).
    pub slow_ms: u64,
    /// Every HTTP request gets 500.
    pub http500: bool,
    /// Every HTTP request gets 401, whatever the credentials.
    pub deny: bool,
    /// `config.txt` is not a configuration.
    pub garbage: bool,
    /// `config.txt` has `\r\n` line ends.
    pub crlf: bool,
    /// GBL4 datagrams still to drop.
    pub udp_drop: u32,
    /// The device is in flash mode (kept as the device's `flash_mode`, not here).
    pub flash: bool,
}

pub const FAULT_NAMES: &str =
    "none, dead, hang, slow:MS, http500, deny, garbage, crlf, udp-drop:N, flash (combine with +)";

impl Faults {
    pub fn delay(&self) -> Option<Duration> {
        (self.slow_ms > 0).then(|| Duration::from_millis(self.slow_ms))
    }

    /// The same faults, `flash` as given.
    pub fn with_flash(&self, flash: bool) -> Faults {
        Faults {
            flash,
            ..self.clone()
        }
    }
}

impl FromStr for Faults {
    type Err = String;

    fn from_str(s: &str) -> Result<Faults, String> {
        let mut f = Faults::default();
        for part in s.split('+').map(str::trim) {
            let (name, arg) = match part.split_once(':') {
                Some((n, a)) => (n, Some(a)),
                None => (part, None),
            };
            let number = |what: &str| -> Result<u64, String> {
                arg.and_then(|a| a.trim().parse().ok()).ok_or_else(|| {
                    format!("fault '{part}': {name} needs a number of {what}, like {name}:200")
                })
            };
            match (name, arg) {
                ("none", None) => {}
                ("dead", None) => f.dead = true,
                ("hang", None) => f.hang = true,
                ("slow", _) => f.slow_ms = number("milliseconds")?,
                ("http500", None) => f.http500 = true,
                ("deny", None) => f.deny = true,
                ("garbage", None) => f.garbage = true,
                ("crlf", None) => f.crlf = true,
                ("udp-drop", _) => {
                    f.udp_drop = u32::try_from(number("datagrams")?)
                        .map_err(|_| format!("fault '{part}': too many datagrams"))?
                }
                ("flash", None) => f.flash = true,
                _ => return Err(format!("unknown fault '{part}'; faults: {FAULT_NAMES}")),
            }
        }
        Ok(f)
    }
}

impl fmt::Display for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        let flags = [
            (self.dead, "dead"),
            (self.hang, "hang"),
            (self.http500, "http500"),
            (self.deny, "deny"),
            (self.garbage, "garbage"),
            (self.crlf, "crlf"),
            (self.flash, "flash"),
        ];
        parts.extend(
            flags
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, n)| n.to_string()),
        );
        if self.slow_ms > 0 {
            parts.push(format!("slow:{}", self.slow_ms));
        }
        if self.udp_drop > 0 {
            parts.push(format!("udp-drop:{}", self.udp_drop));
        }
        if parts.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&parts.join("+"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_show() {
        let f: Faults = "slow:200+crlf".parse().unwrap();
        assert_eq!(f.slow_ms, 200);
        assert!(f.crlf && !f.dead);
        assert_eq!(f.to_string(), "crlf+slow:200");
        assert_eq!("none".parse::<Faults>().unwrap(), Faults::default());
        assert_eq!("udp-drop:3".parse::<Faults>().unwrap().udp_drop, 3);
        assert_eq!(Faults::default().to_string(), "none");
        for bad in ["", "slow", "slow:x", "dead:1", "boom", "udp-drop:-1"] {
            assert!(bad.parse::<Faults>().is_err(), "{bad}");
        }
    }
}
