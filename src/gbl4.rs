//! The GBL4 face (UDP): frames, and the exchanges built on them (docs/protocol.md §2).
//!
//! [`encode`]/[`decode`] and the payload types are pure and testable without sockets;
//! [`Gbl4`] sends them. Waiting for an answer skips foreign, garbled and late
//! datagrams until the deadline, as the vendor tool does not. An answer is taken as the
//! vendor's tool takes it (the command byte; the status byte of set netconf and reset),
//! and a request is sent again only after a wait as long as the vendor's own.

use crate::error::Problem;
use crate::mac::Mac;
use crate::signals::Cancel;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

pub const PREFIX: [u8; 4] = *b"GBL\x04";
pub const DEFAULT_PORT: u16 = 50123;
/// Environment variable naming another UDP port (for simulators).
pub const PORT_ENV: &str = "BEROFOS_GBL4_PORT";
/// Flash page size.
pub const PAGE: usize = 512;
/// How often `flash` sends a page whose answer was lost.
pub const PAGE_TRIES: u32 = 3;
/// The vendor's wait for any answer (its `timeout = 3`): a request is sent again only
/// after this long without one, and a flash prepare or page is given at least this
/// long whatever `-t` says.
pub const VENDOR_WAIT: Duration = Duration::from_secs(3);
/// The vendor's wait for a reset's answer (its `reset_timeout = 8`).
pub const RESET_WAIT: Duration = Duration::from_secs(8);
/// Longest single wait for a datagram, so that a signal ends an exchange promptly.
const WAIT_SLICE: Duration = Duration::from_millis(100);

/// Command bytes.
pub mod cmd {
    pub const GET_NETCONF: u8 = 1;
    pub const SET_NETCONF: u8 = 2;
    pub const FLASH_PREPARE: u8 = 3;
    pub const FLASH_PAGE: u8 = 4;
    pub const RESET: u8 = 5;
    pub const PING: u8 = 9;
    pub const KICK: u8 = 11;
}

/// A decoded datagram.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub cmd: u8,
    pub payload: &'a [u8],
}

/// Why a datagram is not a GBL4 frame.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameError {
    TooShort,
    BadPrefix,
    BadChecksum,
}

fn xor(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |a, b| a ^ b)
}

/// `"GBL" 4 | cmd | payload | xor of all before`.
pub fn encode(cmd: u8, payload: &[u8]) -> Vec<u8> {
    let mut d = Vec::with_capacity(payload.len() + 6);
    d.extend_from_slice(&PREFIX);
    d.push(cmd);
    d.extend_from_slice(payload);
    d.push(xor(&d));
    d
}

pub fn decode(d: &[u8]) -> Result<Frame<'_>, FrameError> {
    if d.len() < 6 {
        return Err(FrameError::TooShort);
    }
    if d[..4] != PREFIX {
        return Err(FrameError::BadPrefix);
    }
    let (body, sum) = d.split_at(d.len() - 1);
    if xor(body) != sum[0] {
        return Err(FrameError::BadChecksum);
    }
    Ok(Frame {
        cmd: d[4],
        payload: &body[5..],
    })
}

/// Hardware magics that identify a berofos in a netconf answer.
pub const BEROFOS_MAGICS: [u16; 2] = [0x0050, 0x00BB];

/// Ethernet link settings (phy conf byte, `-e` of netconf).
pub fn phy_conf_from_user(e: u8) -> Option<u8> {
    match e {
        0 => Some(3),
        1 => Some(1),
        2 => Some(2),
        _ => None,
    }
}

/// The 30-byte answer to "get netconf" (§2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetConf {
    pub mac: Mac,
    pub hw_magic: u16,
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

pub const OPT_DHCP: u8 = 1;
pub const OPT_AUTH: u8 = 2;
pub const OPT_ACL: u8 = 4;

fn ip_at(p: &[u8], at: usize) -> Ipv4Addr {
    Ipv4Addr::new(p[at], p[at + 1], p[at + 2], p[at + 3])
}

fn mac_at(p: &[u8]) -> Mac {
    let mut m = [0; 6];
    m.copy_from_slice(&p[..6]);
    Mac(m)
}

impl NetConf {
    pub const LEN: usize = 30;

    pub fn decode(p: &[u8]) -> Option<NetConf> {
        if p.len() < Self::LEN {
            return None;
        }
        Some(NetConf {
            mac: mac_at(p),
            hw_magic: u16::from_be_bytes([p[6], p[7]]),
            bootloader: (p[8], p[9]),
            firmware: (p[10], p[11]),
            flash_mode: p[12] != 0,
            ip: ip_at(p, 13),
            netmask: ip_at(p, 17),
            gateway: ip_at(p, 21),
            phy_conf: p[25],
            phy_state: p[26],
            options: p[27],
            http_port: u16::from_be_bytes([p[28], p[29]]),
        })
    }

    pub fn is_berofos(&self) -> bool {
        BEROFOS_MAGICS.contains(&self.hw_magic)
    }

    pub fn dhcp(&self) -> bool {
        self.options & OPT_DHCP != 0
    }

    pub fn auth(&self) -> bool {
        self.options & OPT_AUTH != 0
    }

    /// `link up, 100 Mbit, full duplex`.
    pub fn link(&self) -> String {
        if self.phy_state & 1 == 0 {
            return "link down".into();
        }
        format!(
            "link up, {} Mbit, {} duplex",
            if self.phy_state & 2 != 0 { 100 } else { 10 },
            if self.phy_state & 4 != 0 {
                "full"
            } else {
                "half"
            }
        )
    }
}

/// The payload of "set netconf" (§2.2, cmd 2).
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

    pub fn encode(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(Self::LEN);
        p.extend_from_slice(&self.mac.0);
        p.extend_from_slice(&self.ip.octets());
        p.extend_from_slice(&self.netmask.octets());
        p.extend_from_slice(&self.gateway.octets());
        p.push(self.phy_conf);
        p.push(self.options);
        p.extend_from_slice(&self.http_port.to_be_bytes());
        p
    }
}

/// The classful netmask of an address (vendor default, §2.4).
pub fn classful_netmask(ip: Ipv4Addr) -> Ipv4Addr {
    match ip.octets()[0] {
        0..=127 => Ipv4Addr::new(255, 0, 0, 0),
        128..=191 => Ipv4Addr::new(255, 255, 0, 0),
        _ => Ipv4Addr::new(255, 255, 255, 0),
    }
}

/// A firmware image cut into pages (§2.2).
pub struct Firmware {
    pub pages: Vec<[u8; PAGE]>,
    pub crc: u8,
}

impl Firmware {
    pub fn from_bytes(data: &[u8]) -> Firmware {
        let pages = data
            .chunks(PAGE)
            .map(|c| {
                let mut p = [0u8; PAGE];
                p[..c.len()].copy_from_slice(c);
                p
            })
            .collect();
        Firmware {
            pages,
            crc: xor(data),
        }
    }

    pub fn prepare_payload(&self, mac: Mac) -> Vec<u8> {
        let mut p = mac.0.to_vec();
        p.extend_from_slice(&(self.pages.len() as u16).to_be_bytes());
        p.push(self.crc);
        p
    }

    pub fn page_payload(&self, mac: Mac, index: usize) -> Vec<u8> {
        let mut p = mac.0.to_vec();
        p.extend_from_slice(&(index as u16).to_be_bytes());
        p.extend_from_slice(&self.pages[index]);
        p
    }
}

/// A netconf answer to a broadcast counts only when it came from the address it names:
/// anyone on the LAN can answer with a known MAC and an address of its own, and `scan
/// -x` would give it that berofos's section. (A unicast answer was already checked to
/// come from the address asked.) A berofos without an address yet (0.0.0.0) is shown
/// as found, with no host.
fn answered_from_itself(n: &NetConf, from: SocketAddr, dest: Ipv4Addr) -> bool {
    if !dest.is_broadcast() || n.ip.is_unspecified() {
        return true;
    }
    let ok = from.ip() == std::net::IpAddr::V4(n.ip);
    if !ok {
        crate::log::warn(&format!(
            "scan: ignored an answer for {} naming {} that came from {} – a berofos answers from its own address; is another host on this LAN answering for it?",
            n.mac, n.ip, from.ip()
        ));
    }
    ok
}

/// The UDP client: one socket per exchange, answers read on the same socket.
#[derive(Clone, Debug)]
pub struct Gbl4 {
    pub port: u16,
    pub timeout: Duration,
    /// What a SIGTERM or SIGINT sets: the waits end at once, as cancelled.
    pub cancel: Cancel,
}

/// Whether to keep reading after a matching answer.
enum Collect {
    First,
    UntilDeadline,
}

/// How to wait for answers: how long, whether to keep reading after the first, and
/// whether to send the request again while none came.
struct Wait {
    timeout: Duration,
    collect: Collect,
    resend: Resend,
}

/// Whether a request may be sent again while no answer came.
#[derive(Clone, Copy)]
enum Resend {
    /// Every [`VENDOR_WAIT`] without an answer, while the wait lasts.
    Yes,
    /// Once: a reset (the device is busy erasing for seconds), a flash prepare (whether
    /// a berofos takes a second one safely is unknown) and a flash page (resent by
    /// [`Gbl4::flash`] itself, after a whole wait).
    No,
}

impl Gbl4 {
    /// The device port from `BEROFOS_GBL4_PORT`, else 50123.
    pub fn new(timeout: Duration, cancel: Cancel) -> Gbl4 {
        let port = std::env::var(PORT_ENV)
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(DEFAULT_PORT);
        Gbl4 {
            port,
            timeout,
            cancel,
        }
    }

    /// Sends one frame to `dest` and gathers the answers that `accept` takes.
    fn exchange<T>(
        &self,
        dest: Ipv4Addr,
        cmd: u8,
        payload: &[u8],
        wait: Wait,
        mut accept: impl FnMut(&[u8], SocketAddr) -> Option<T>,
    ) -> Result<Vec<T>, Problem> {
        let Wait {
            timeout,
            collect,
            resend,
        } = wait;
        let net = |e: io::Error| Problem::Network(e.to_string());
        let sock = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).map_err(net)?;
        if dest.is_broadcast() {
            sock.set_broadcast(true).map_err(net)?;
        }
        let frame = encode(cmd, payload);
        let to = SocketAddrV4::new(dest, self.port);
        sock.send_to(&frame, to).map_err(net)?;
        let start = Instant::now();
        let deadline = start + timeout;
        // UDP loses datagrams: the request goes again after each vendor's wait without
        // an answer, never sooner (answers are deduplicated).
        let mut resends: Vec<Instant> = match resend {
            Resend::Yes => (1u32..)
                .map(|k| start + VENDOR_WAIT * k)
                .take_while(|&at| at < deadline)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect(),
            Resend::No => Vec::new(),
        };
        let mut got = Vec::new();
        let mut buf = [0u8; 2048];
        loop {
            // A signal interrupts the wait (EINTR); the short slices catch one that came
            // just before it began.
            if self.cancel.is_set() {
                return Err(Problem::Cancelled("interrupted by a signal".into()));
            }
            let now = Instant::now();
            let left = deadline.saturating_duration_since(now);
            if left.is_zero() {
                return Ok(got);
            }
            if resends.last().is_some_and(|&at| now >= at) {
                resends.pop();
                if got.is_empty() || matches!(collect, Collect::UntilDeadline) {
                    sock.send_to(&frame, to).map_err(net)?;
                }
            }
            let next_resend = resends
                .last()
                .map_or(left, |&at| at.saturating_duration_since(now));
            sock.set_read_timeout(Some(
                left.min(WAIT_SLICE)
                    .min(next_resend)
                    .max(Duration::from_millis(1)),
            ))
            .map_err(net)?;
            match sock.recv_from(&mut buf) {
                Ok((n, from)) => {
                    let Ok(frame) = decode(&buf[..n]) else {
                        continue;
                    };
                    if frame.cmd != cmd {
                        continue;
                    }
                    // An answer counts only from the address the request went to (a
                    // broadcast's answers are checked against the address they name).
                    if !dest.is_broadcast() && from.ip() != std::net::IpAddr::V4(dest) {
                        continue;
                    }
                    if let Some(t) = accept(frame.payload, from) {
                        got.push(t);
                        if matches!(collect, Collect::First) {
                            return Ok(got);
                        }
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                // ICMP port unreachable from an earlier datagram: nobody listens there.
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(net(e)),
            }
        }
    }

    /// One request to one MAC; the first answer with its command byte, whatever its
    /// payload (the vendor's tool reads no more; the source address is checked).
    fn ask(
        &self,
        dest: Ipv4Addr,
        mac: Mac,
        cmd: u8,
        rest: &[u8],
        timeout: Duration,
        resend: Resend,
    ) -> Result<Vec<u8>, Problem> {
        let mut payload = mac.0.to_vec();
        payload.extend_from_slice(rest);
        self.exchange(
            dest,
            cmd,
            &payload,
            Wait {
                timeout,
                collect: Collect::First,
                resend,
            },
            |p, _| Some(p.to_vec()),
        )?
        .pop()
        .ok_or(Problem::NoAnswer(timeout))
    }

    /// "get netconf": a unicast scan returns at the first berofos answer; a broadcast
    /// scan collects until the timeout. Each MAC once.
    pub fn scan(&self, dest: Ipv4Addr) -> Result<Vec<NetConf>, Problem> {
        let collect = if dest.is_broadcast() {
            Collect::UntilDeadline
        } else {
            Collect::First
        };
        let mut seen = std::collections::HashSet::new();
        self.exchange(
            dest,
            cmd::GET_NETCONF,
            &[],
            Wait {
                timeout: self.timeout,
                collect,
                resend: Resend::Yes,
            },
            |p, from| {
                NetConf::decode(p)
                    .filter(|n| n.is_berofos() && answered_from_itself(n, from, dest))
                    .filter(|n| seen.insert(n.mac))
            },
        )
    }

    /// The netconf of one MAC (for `-m` and mode checks).
    pub fn find(&self, dest: Ipv4Addr, mac: Mac) -> Result<NetConf, Problem> {
        let collect = Collect::First;
        self.exchange(
            dest,
            cmd::GET_NETCONF,
            &[],
            Wait {
                timeout: self.timeout,
                collect,
                resend: Resend::Yes,
            },
            |p, from| {
                NetConf::decode(p).filter(|n| {
                    n.mac == mac && n.is_berofos() && answered_from_itself(n, from, dest)
                })
            },
        )?
        .pop()
        .ok_or(Problem::NoAnswer(self.timeout))
    }

    pub fn ping(&self, dest: Ipv4Addr, mac: Mac) -> Result<(), Problem> {
        self.ask(dest, mac, cmd::PING, &[0, 0], self.timeout, Resend::Yes)
            .map(drop)
    }

    pub fn kick(&self, dest: Ipv4Addr, mac: Mac) -> Result<(), Problem> {
        self.ask(dest, mac, cmd::KICK, &[0], self.timeout, Resend::Yes)
            .map(drop)
    }

    /// The status byte after the echoed MAC, the only byte of these answers the
    /// vendor's tool reads.
    fn errcode(answer: &[u8], what: &str) -> Result<(), Problem> {
        match answer.get(6) {
            Some(0) => Ok(()),
            Some(code) => Err(Problem::Rejected(format!(
                "the berofos refused {what} (error code {code})"
            ))),
            None => Err(Problem::BadAnswer(format!("short answer to {what}"))),
        }
    }

    /// Reset to factory state (flash mode only); it may take 8 s to answer.
    pub fn reset(&self, dest: Ipv4Addr, mac: Mac) -> Result<(), Problem> {
        let answer = self.ask(
            dest,
            mac,
            cmd::RESET,
            &[],
            self.timeout.max(RESET_WAIT),
            Resend::No,
        )?;
        Self::errcode(&answer, "the reset")
    }

    pub fn set_netconf(&self, dest: Ipv4Addr, conf: &SetNetConf) -> Result<(), Problem> {
        let payload = conf.encode();
        let answer = self.ask(
            dest,
            conf.mac,
            cmd::SET_NETCONF,
            &payload[6..],
            self.timeout,
            Resend::Yes,
        )?;
        Self::errcode(&answer, "the network configuration")
    }

    /// Sends a firmware image; `progress(pages_done)` after each page.
    pub fn flash(
        &self,
        dest: Ipv4Addr,
        mac: Mac,
        fw: &Firmware,
        mut progress: impl FnMut(usize),
        cancelled: &dyn Fn() -> bool,
    ) -> Result<(), Problem> {
        let interrupted = |done: usize| {
            Problem::Cancelled(format!(
                "flash interrupted by a signal after {done} of {} pages – the firmware is incomplete: flash again before powering it up in operational mode",
                fw.pages.len()
            ))
        };
        let wait = self.timeout.max(VENDOR_WAIT);
        let prep = fw.prepare_payload(mac);
        match self.ask(dest, mac, cmd::FLASH_PREPARE, &prep[6..], wait, Resend::No) {
            Ok(_) => {}
            Err(Problem::Cancelled(_)) => {
                return Err(Problem::Cancelled(
                    "flash interrupted by a signal before the first page – the firmware was not touched".into(),
                ))
            }
            Err(_) => {
                return Err(Problem::Rejected(format!(
                    "no answer to flash prepare within {} s – is the berofos in flash mode?",
                    wait.as_secs()
                )))
            }
        }
        for i in 0..fw.pages.len() {
            if cancelled() {
                return Err(interrupted(i));
            }
            let payload = fw.page_payload(mac, i);
            let mut tries = 0;
            loop {
                tries += 1;
                match self.ask(dest, mac, cmd::FLASH_PAGE, &payload[6..], wait, Resend::No) {
                    Ok(_) => break,
                    Err(Problem::Cancelled(_)) => return Err(interrupted(i)),
                    Err(Problem::NoAnswer(_)) if tries < PAGE_TRIES => continue,
                    Err(Problem::NoAnswer(d)) => {
                        return Err(Problem::Rejected(format!(
                            "page {} of {} not acknowledged after {PAGE_TRIES} tries ({} s each) – the firmware is incomplete: flash again",
                            i + 1,
                            fw.pages.len(),
                            d.as_secs()
                        )))
                    }
                    Err(e) => return Err(e),
                }
            }
            progress(i + 1);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode() {
        let d = encode(cmd::PING, &[1, 2, 3, 4, 5, 6, 0, 0]);
        assert_eq!(&d[..5], b"GBL\x04\x09");
        assert_eq!(d.len(), 14);
        assert_eq!(
            decode(&d).unwrap(),
            Frame {
                cmd: 9,
                payload: &[1, 2, 3, 4, 5, 6, 0, 0]
            }
        );
        let mut bad = d.clone();
        bad[6] ^= 1;
        assert_eq!(decode(&bad), Err(FrameError::BadChecksum));
        assert_eq!(decode(b"GBL\x04\x01"), Err(FrameError::TooShort));
        assert_eq!(decode(b"GBL\x05\x01\x00\x00"), Err(FrameError::BadPrefix));
        // An empty payload is a valid frame (get netconf).
        assert_eq!(decode(&encode(1, &[])).unwrap().payload, &[] as &[u8]);
    }

    #[test]
    fn a_broadcast_answer_counts_only_from_the_address_it_names() {
        let p = [
            0x00, 0x19, 0x32, 0x00, 0x12, 0x1D, 0x00, 0x50, 1, 2, 1, 53, 0, 10, 34, 1, 50, 255,
            255, 255, 0, 10, 34, 1, 1, 3, 7, 3, 0, 80,
        ];
        let n = NetConf::decode(&p).unwrap();
        let from = |ip: [u8; 4]| SocketAddr::from((ip, 50123));
        let bcast = Ipv4Addr::BROADCAST;
        assert!(answered_from_itself(&n, from([10, 34, 1, 50]), bcast));
        assert!(!answered_from_itself(&n, from([10, 34, 1, 99]), bcast));
        // Unicast: the source was checked against the address asked.
        assert!(answered_from_itself(
            &n,
            from([10, 34, 1, 99]),
            Ipv4Addr::new(10, 34, 1, 99)
        ));
        let no_ip = NetConf {
            ip: Ipv4Addr::UNSPECIFIED,
            ..n
        };
        assert!(answered_from_itself(&no_ip, from([10, 34, 1, 99]), bcast));
    }

    #[test]
    fn netconf_layout() {
        let n = NetConf {
            mac: "00:19:32:00:12:1D".parse().unwrap(),
            hw_magic: 0x50,
            bootloader: (1, 2),
            firmware: (1, 53),
            flash_mode: false,
            ip: Ipv4Addr::new(10, 34, 1, 50),
            netmask: Ipv4Addr::new(255, 255, 255, 0),
            gateway: Ipv4Addr::new(10, 34, 1, 1),
            phy_conf: 3,
            phy_state: 7,
            options: OPT_DHCP | OPT_AUTH,
            http_port: 8080,
        };
        // The answer as §2.3 lays it out.
        let p = [
            0x00, 0x19, 0x32, 0x00, 0x12, 0x1D, 0x00, 0x50, 1, 2, 1, 53, 0, 10, 34, 1, 50, 255,
            255, 255, 0, 10, 34, 1, 1, 3, 7, 3, 0x1F, 0x90,
        ];
        assert_eq!(NetConf::decode(&p).unwrap(), n);
        assert!(n.is_berofos() && n.dhcp() && n.auth());
        assert_eq!(n.link(), "link up, 100 Mbit, full duplex");
        assert!(NetConf::decode(&p[..29]).is_none());
    }

    #[test]
    fn firmware_pages_and_crc() {
        let data: Vec<u8> = (0..1030u32).map(|i| i as u8).collect();
        let fw = Firmware::from_bytes(&data);
        assert_eq!(fw.pages.len(), 3);
        assert_eq!(fw.pages[2][..6], data[1024..]);
        assert!(fw.pages[2][6..].iter().all(|&b| b == 0));
        assert_eq!(fw.crc, data.iter().fold(0, |a, b| a ^ b));
        let mac = Mac([1, 2, 3, 4, 5, 6]);
        assert_eq!(
            fw.prepare_payload(mac),
            vec![1, 2, 3, 4, 5, 6, 0, 3, fw.crc]
        );
        assert_eq!(fw.page_payload(mac, 1).len(), 6 + 2 + 512);
    }

    #[test]
    fn classful() {
        assert_eq!(
            classful_netmask(Ipv4Addr::new(10, 1, 2, 3)),
            Ipv4Addr::new(255, 0, 0, 0)
        );
        assert_eq!(
            classful_netmask(Ipv4Addr::new(172, 16, 0, 1)),
            Ipv4Addr::new(255, 255, 0, 0)
        );
        assert_eq!(
            classful_netmask(Ipv4Addr::new(192, 168, 0, 2)),
            Ipv4Addr::new(255, 255, 255, 0)
        );
    }
}
