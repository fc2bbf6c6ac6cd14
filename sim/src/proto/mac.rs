//! A MAC address: six bytes, written `00:19:32:00:12:1D` (docs/protocol.md §3).

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Mac(pub [u8; 6]);

impl fmt::Display for Mac {
    /// Upper-case hex pairs separated by `:`, as the vendor tool writes `bnfos.conf`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl FromStr for Mac {
    type Err = String;

    /// Six hex pairs, either case, separated by `:` (or `-`).
    fn from_str(s: &str) -> Result<Mac, String> {
        let bad = || format!("'{s}' is not a MAC address (six hex pairs, like 00:19:32:00:00:00)");
        let mut mac = [0u8; 6];
        let mut pairs = s.trim().split([':', '-']);
        for byte in &mut mac {
            let pair = pairs.next().ok_or_else(bad)?;
            if pair.len() != 2 || !pair.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
        }
        if pairs.next().is_some() {
            return Err(bad());
        }
        Ok(Mac(mac))
    }
}

impl serde::Serialize for Mac {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_and_read() {
        let m: Mac = "00:19:32:0a:12:1d".parse().unwrap();
        assert_eq!(m, Mac([0x00, 0x19, 0x32, 0x0A, 0x12, 0x1D]));
        assert_eq!(m.to_string(), "00:19:32:0A:12:1D");
        assert_eq!("00-19-32-0A-12-1D".parse::<Mac>().unwrap(), m);
        for bad in [
            "",
            "00:19:32:00:12",
            "00:19:32:00:12:1D:00",
            "0:19:32:00:12:1D",
            "+0:19:32:00:12:1D",
            "zz:19:32:00:12:1D",
        ] {
            assert!(bad.parse::<Mac>().is_err(), "{bad}");
        }
    }
}
