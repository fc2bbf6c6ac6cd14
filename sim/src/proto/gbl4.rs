//! GBL4 as the device speaks it (docs/protocol.md §2): frames, command bytes and the
//! netconf payloads. Pure functions, no sockets.

use super::mac::Mac;
use std::net::Ipv4Addr;

/// §2.1: every datagram starts with these four bytes.
pub const PREFIX: [u8; 4] = [b'G', b'B', b'L', 0x04];
/// §2: the port a real berofos listens on.
pub const DEFAULT_PORT: u16 = 50123;
/// §2.2: the data of one flash page.
pub const PAGE: usize = 512;

/// §2.2: the command bytes.
pub mod cmd {
    pub const GET_NETCONF: u8 = 1;
    pub const SET_NETCONF: u8 = 2;
    pub const FLASH_PREPARE: u8 = 3;
    pub const FLASH_PAGE: u8 = 4;
    pub const RESET: u8 = 5;
    pub const PING: u8 = 9;
    pub const KICK: u8 = 11;
}

/// §2.3, options byte.
pub const OPT_DHCP: u8 = 0b001;
pub const OPT_AUTH: u8 = 0b010;

/// A datagram taken apart.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub cmd: u8,
    pub payload: &'a [u8],
}

/// Why a datagram is not a frame; [`FrameError::note`] is what the request log says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    TooShort,
    BadPrefix,
    BadChecksum,
}

impl FrameError {
    pub fn note(self) -> &'static str {
        match self {
            FrameError::TooShort => "too short",
            FrameError::BadPrefix => "bad prefix",
            FrameError::BadChecksum => "bad checksum",
        }
    }
}

/// XOR of the bytes: the frame checksum, and the firmware crc of §2.2.
pub fn xor(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |a, b| a ^ b)
}

/// `prefix | cmd | payload | checksum`.
pub fn encode(cmd: u8, payload: &[u8]) -> Vec<u8> {
    let mut d = PREFIX.to_vec();
    d.push(cmd);
    d.extend_from_slice(payload);
    d.push(xor(&d));
    d
}

/// A frame has at least the prefix, the command and the checksum (6 bytes, §2.1).
pub fn decode(d: &[u8]) -> Result<Frame<'_>, FrameError> {
    let Some((&sum, body)) = d.split_last().filter(|_| d.len() >= 6) else {
        return Err(FrameError::TooShort);
    };
    if !body.starts_with(&PREFIX) {
        return Err(FrameError::BadPrefix);
    }
    if xor(body) != sum {
        return Err(FrameError::BadChecksum);
    }
    Ok(Frame {
        cmd: body[4],
        payload: &body[5..],
    })
}

/// Reads the fixed-size fields of a payload in order, big-endian (§2.1).
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        head.try_into().unwrap_or([0; N])
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.take())
    }
    fn ip(&mut self) -> Ipv4Addr {
        Ipv4Addr::from(self.take::<4>())
    }
    fn mac(&mut self) -> Mac {
        Mac(self.take())
    }
}

/// The answer to "get netconf" (§2.3, 30 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetConf {
    pub mac: Mac,
    pub hw_magic: u16,
    /// Major, minor.
    pub bootloader: (u8, u8),
    pub firmware: (u8, u8),
    pub flash_mode: bool,
    pub ip: Ipv4Addr,
    pub netmask: Ipv4Addr,
    pub gateway: Ipv4Addr,
    pub phy_conf: u8,
    pub phy_state: u8,
    pub options: u8,
    pub http_port: u16,
}

impl NetConf {
    pub const LEN: usize = 30;

    pub fn encode(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(Self::LEN);
        p.extend_from_slice(&self.mac.0);
        p.extend_from_slice(&self.hw_magic.to_be_bytes());
        p.extend_from_slice(&[self.bootloader.0, self.bootloader.1]);
        p.extend_from_slice(&[self.firmware.0, self.firmware.1]);
        p.push(u8::from(self.flash_mode));
        for a in [self.ip, self.netmask, self.gateway] {
            p.extend_from_slice(&a.octets());
        }
        p.extend_from_slice(&[self.phy_conf, self.phy_state, self.options]);
        p.extend_from_slice(&self.http_port.to_be_bytes());
        p
    }

    /// `None` when shorter than 30 bytes; bytes after the 30th are ignored.
    pub fn decode(p: &[u8]) -> Option<NetConf> {
        let mut r = Reader(p.get(..Self::LEN)?);
        Some(NetConf {
            mac: r.mac(),
            hw_magic: r.u16(),
            bootloader: (r.u8(), r.u8()),
            firmware: (r.u8(), r.u8()),
            flash_mode: r.u8() != 0,
            ip: r.ip(),
            netmask: r.ip(),
            gateway: r.ip(),
            phy_conf: r.u8(),
            phy_state: r.u8(),
            options: r.u8(),
            http_port: r.u16(),
        })
    }
}

/// The request payload of "set netconf" (§2.2, cmd 2, 22 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetNetConf {
    pub mac: Mac,
    pub ip: Ipv4Addr,
    pub netmask: Ipv4Addr,
    pub gateway: Ipv4Addr,
    pub phy_conf: u8,
    pub options: u8,
    pub http_port: u16,
}

impl SetNetConf {
    pub const LEN: usize = 22;

    /// `None` when shorter than 22 bytes.
    pub fn decode(p: &[u8]) -> Option<SetNetConf> {
        let mut r = Reader(p.get(..Self::LEN)?);
        Some(SetNetConf {
            mac: r.mac(),
            ip: r.ip(),
            netmask: r.ip(),
            gateway: r.ip(),
            phy_conf: r.u8(),
            options: r.u8(),
            http_port: r.u16(),
        })
    }

    /// For tests that play the client.
    pub fn encode(&self) -> Vec<u8> {
        let mut p = self.mac.0.to_vec();
        for a in [self.ip, self.netmask, self.gateway] {
            p.extend_from_slice(&a.octets());
        }
        p.extend_from_slice(&[self.phy_conf, self.options]);
        p.extend_from_slice(&self.http_port.to_be_bytes());
        p
    }
}

/// The classful netmask of an address (§2.4): a factory device's netmask.
pub fn classful_netmask(ip: Ipv4Addr) -> Ipv4Addr {
    let bits = match ip.octets()[0] {
        0..=127 => 8,
        128..=191 => 16,
        _ => 24,
    };
    Ipv4Addr::from(u32::MAX << (32 - bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        let d = encode(cmd::PING, &[1, 2, 3, 4, 5, 6, 0, 0]);
        assert_eq!(d[..5], *b"GBL\x04\x09");
        assert_eq!(d.len(), 14);
        assert_eq!(d[13], d[..13].iter().fold(0, |a, b| a ^ b));
        let f = decode(&d).unwrap();
        assert_eq!((f.cmd, f.payload), (9, &[1, 2, 3, 4, 5, 6, 0, 0][..]));
        let mut bad = d.clone();
        bad[7] ^= 1;
        assert_eq!(decode(&bad), Err(FrameError::BadChecksum));
        assert_eq!(decode(b"GBL\x04\x01"), Err(FrameError::TooShort));
        assert_eq!(decode(b"GBL\x05\x01\x00"), Err(FrameError::BadPrefix));
        assert_eq!(decode(&encode(cmd::GET_NETCONF, &[])).unwrap().payload, b"");
    }

    #[test]
    fn netconf_offsets_of_the_page() {
        let n = NetConf {
            mac: Mac([0, 0x19, 0x32, 0, 0x12, 0x1D]),
            hw_magic: 0x0050,
            bootloader: (1, 2),
            firmware: (1, 53),
            flash_mode: true,
            ip: Ipv4Addr::new(10, 34, 1, 50),
            netmask: Ipv4Addr::new(255, 255, 255, 0),
            gateway: Ipv4Addr::new(10, 34, 1, 1),
            phy_conf: 3,
            phy_state: 7,
            options: OPT_DHCP | OPT_AUTH,
            http_port: 8080,
        };
        let p = n.encode();
        assert_eq!(p.len(), NetConf::LEN);
        assert_eq!(p[6..8], [0x00, 0x50]);
        assert_eq!(p[8..13], [1, 2, 1, 53, 1]);
        assert_eq!(p[13..17], [10, 34, 1, 50]);
        assert_eq!(p[21..25], [10, 34, 1, 1]);
        assert_eq!(p[25..30], [3, 7, 3, 0x1F, 0x90]);
        assert_eq!(NetConf::decode(&p), Some(n));
        assert!(NetConf::decode(&p[..29]).is_none());

        let s = SetNetConf {
            mac: Mac([1, 2, 3, 4, 5, 6]),
            ip: Ipv4Addr::new(10, 0, 0, 2),
            netmask: Ipv4Addr::new(255, 0, 0, 0),
            gateway: Ipv4Addr::new(10, 0, 0, 1),
            phy_conf: 1,
            options: OPT_AUTH,
            http_port: 80,
        };
        let p = s.encode();
        assert_eq!(p.len(), SetNetConf::LEN);
        assert_eq!(p[18..22], [1, 2, 0, 80]);
        assert_eq!(SetNetConf::decode(&p), Some(s));
        assert!(SetNetConf::decode(&p[..21]).is_none());
    }

    #[test]
    fn classful() {
        let m = |a: [u8; 4]| classful_netmask(Ipv4Addr::from(a)).to_string();
        assert_eq!(m([10, 1, 2, 3]), "255.0.0.0");
        assert_eq!(m([127, 0, 0, 2]), "255.0.0.0");
        assert_eq!(m([172, 16, 0, 1]), "255.255.0.0");
        assert_eq!(m([192, 168, 0, 2]), "255.255.255.0");
        assert_eq!(m([230, 0, 0, 1]), "255.255.255.0");
    }
}
