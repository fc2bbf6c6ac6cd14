//! The GBL4 face of a simulated berofos (docs/protocol.md §2).
//!
//! Each device has its own UDP socket on its IP (or on 0.0.0.0 with `--udp-any`, so
//! that broadcasts reach it); answers go back to the sender from that socket. The log
//! shows each datagram's destination address (IP_PKTINFO), 255.255.255.255 for a
//! broadcast. "get netconf" is answered by anyone; other commands only for this
//! device's MAC; set netconf, flash prepare, flash page and reset only in flash mode.

use crate::device::DeviceState;
use crate::log::Gbl4Entry;
use crate::proto::gbl4::{cmd, decode, encode, xor, SetNetConf, PAGE};
use crate::Sim;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

/// The receive loop of device `i`.
pub fn spawn(sim: Arc<Sim>, i: usize, sock: UdpSocket) {
    use nix::sys::socket::{setsockopt, sockopt};
    if let Err(e) = setsockopt(&sock, sockopt::Ipv4PacketInfo, &true) {
        eprintln!("berofos-sim: IP_PKTINFO: {e} (the log will not show destinations)");
    }
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        loop {
            match recv(&sock, &mut buf) {
                Ok((n, from, to)) => handle(&sim, i, &sock, &buf[..n], from, to),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // ICMP errors from earlier answers, and the like: keep serving.
                Err(_) => std::thread::sleep(Duration::from_millis(1)),
            }
        }
    });
}

/// One datagram: its length, its sender and the address it was sent to (when the
/// system says).
fn recv(
    sock: &UdpSocket,
    buf: &mut [u8],
) -> std::io::Result<(usize, SocketAddr, Option<Ipv4Addr>)> {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags, SockaddrIn};
    use std::os::fd::AsRawFd;
    let mut iov = [std::io::IoSliceMut::new(buf)];
    let mut cmsg = nix::cmsg_space!(nix::libc::in_pktinfo);
    let msg = recvmsg::<SockaddrIn>(
        sock.as_raw_fd(),
        &mut iov,
        Some(&mut cmsg),
        MsgFlags::empty(),
    )
    .map_err(std::io::Error::from)?;
    let to = msg.cmsgs().ok().and_then(|mut c| {
        c.find_map(|m| match m {
            ControlMessageOwned::Ipv4PacketInfo(p) => {
                Some(Ipv4Addr::from(u32::from_be(p.ipi_addr.s_addr)))
            }
            _ => None,
        })
    });
    let from = msg
        .address
        .map(|a| SocketAddr::from((a.ip(), a.port())))
        .ok_or_else(|| std::io::Error::other("a datagram without a sender"))?;
    Ok((msg.bytes, from, to))
}

/// What the device does with a valid frame: the answer payload, or why none.
enum Outcome {
    Answer(Vec<u8>),
    /// Answered, with something odd to note in the log.
    AnswerNoted(Vec<u8>, &'static str),
    /// Answer after the reset delay.
    AnswerLater(Vec<u8>),
    Silent(&'static str),
}

fn with_code(mac: &[u8], code: u8) -> Vec<u8> {
    let mut p = mac.to_vec();
    p.push(code);
    p
}

fn react(sim: &Sim, i: usize, st: &mut DeviceState, c: u8, payload: &[u8]) -> Outcome {
    let id = &sim.devices[i].id;
    if c == cmd::GET_NETCONF {
        return Outcome::Answer(st.netconf(id).encode());
    }
    if payload.len() < 6 {
        return Outcome::Silent("payload shorter than a MAC");
    }
    let mac = &payload[..6];
    if mac != id.mac.0 {
        return Outcome::Silent("another MAC");
    }
    match c {
        cmd::PING => Outcome::Answer(payload.to_vec()),
        cmd::KICK => {
            st.kick();
            Outcome::Answer(payload.to_vec())
        }
        cmd::SET_NETCONF | cmd::FLASH_PREPARE | cmd::FLASH_PAGE | cmd::RESET if !st.flash_mode => {
            Outcome::Silent("flash mode command in operational mode")
        }
        cmd::SET_NETCONF => match SetNetConf::decode(payload) {
            Some(n) => {
                st.set_netconf(&n);
                Outcome::Answer(with_code(mac, 0))
            }
            None => Outcome::Answer(with_code(mac, 1)),
        },
        cmd::FLASH_PREPARE => {
            if payload.len() < 9 {
                return Outcome::Answer(with_code(mac, 1));
            }
            st.upload = Default::default();
            st.upload.page_count = u16::from_be_bytes([payload[6], payload[7]]);
            st.upload.crc_expected = payload[8];
            Outcome::Answer(with_code(mac, 0))
        }
        cmd::FLASH_PAGE => {
            if payload.len() < 8 {
                return Outcome::Silent("flash page without an index");
            }
            let index = u16::from_be_bytes([payload[6], payload[7]]);
            let data = &payload[8..payload.len().min(8 + PAGE)];
            let mut answer = mac.to_vec();
            answer.extend_from_slice(&index.to_be_bytes());
            if index >= st.upload.page_count {
                eprintln!(
                    "berofos-sim: {}: flash page {index} out of range (page count {})",
                    id.name(),
                    st.upload.page_count
                );
                return Outcome::AnswerNoted(answer, "page index out of range");
            }
            st.upload.pages.insert(index, xor(data));
            Outcome::Answer(answer)
        }
        cmd::RESET => {
            st.factory_reset(id);
            Outcome::AnswerLater(with_code(mac, 0))
        }
        _ => Outcome::Silent("unknown command"),
    }
}

fn handle(sim: &Sim, i: usize, sock: &UdpSocket, d: &[u8], from: SocketAddr, to: Option<Ipv4Addr>) {
    let dev = &sim.devices[i];
    let mut entry = Gbl4Entry {
        device: dev.id.index,
        cmd: None,
        len: d.len(),
        from: from.to_string(),
        to: to.map(|t| t.to_string()),
        valid: false,
        dropped: false,
        answered: false,
        note: None,
    };
    let frame = match decode(d) {
        Ok(f) => f,
        Err(e) => {
            entry.cmd = (d.len() > 4).then(|| d[4]);
            entry.note = Some(e.note());
            sim.log.gbl4(&entry);
            return;
        }
    };
    entry.cmd = Some(frame.cmd);
    entry.valid = true;
    let mut st = dev.state();
    st.gbl4_requests += 1;
    let outcome = if st.faults.dead {
        Outcome::Silent("dead")
    } else if st.faults.hang {
        Outcome::Silent("hang")
    } else if st.faults.udp_drop > 0 {
        st.faults.udp_drop -= 1;
        entry.dropped = true;
        Outcome::Silent("dropped")
    } else {
        react(sim, i, &mut st, frame.cmd, frame.payload)
    };
    let delay = st.faults.delay().unwrap_or_default();
    drop(st);
    let (answer, delay) = match outcome {
        Outcome::Answer(p) => (p, delay),
        Outcome::AnswerNoted(p, note) => {
            entry.note = Some(note);
            (p, delay)
        }
        Outcome::AnswerLater(p) => (p, delay + sim.reset_delay),
        Outcome::Silent(why) => {
            entry.note = Some(why);
            sim.log.gbl4(&entry);
            return;
        }
    };
    entry.answered = true;
    sim.log.gbl4(&entry);
    let out = encode(frame.cmd, &answer);
    if delay.is_zero() {
        let _ = sock.send_to(&out, from);
    } else if let Ok(s) = sock.try_clone() {
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            let _ = s.send_to(&out, from);
        });
    }
}
