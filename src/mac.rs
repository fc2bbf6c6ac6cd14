//! A berofos's MAC address: how GBL4 names a device and how `scan -x` recognises it.

use std::fmt;
use std::str::FromStr;

/// Six bytes, shown as `00:19:32:00:12:1D` (upper-case hex, as the vendor tool writes it).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Mac(pub [u8; 6]);

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl FromStr for Mac {
    type Err = String;

    /// Accepts `XX:XX:XX:XX:XX:XX` in either case (also `-` as separator).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!("'{s}' is not a MAC address (expected six hex pairs like 00:19:32:00:12:1D)")
        };
        let parts: Vec<&str> = s.trim().split([':', '-']).collect();
        if parts.len() != 6 {
            return Err(bad());
        }
        let mut mac = [0u8; 6];
        for (byte, part) in mac.iter_mut().zip(parts) {
            if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
        }
        Ok(Mac(mac))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_case() {
        let m: Mac = "00:19:32:00:12:1d".parse().unwrap();
        assert_eq!(m.to_string(), "00:19:32:00:12:1D");
        assert_eq!(m, "00-19-32-00-12-1D".parse().unwrap());
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "+0:19:32:00:12:1D",
            "",
            "00:19:32:00:12",
            "00:19:32:00:12:1D:00",
            "0:19:32:00:12:1D",
            "zz:19:32:00:12:1D",
        ] {
            assert!(s.parse::<Mac>().is_err(), "{s}");
        }
    }
}
