//! The bytes on the wire, pinned: each kind of request `xivo-berofos` sends, captured
//! on a plain TCP (and UDP) listener of the test's own, compared byte for byte with the
//! shape of the vendor's client (libcurl: `Host` first, no credentials until a `401`;
//! docs/protocol.md §1.4), and GBL4 answers accepted as the vendor accepts them (§2).
//!
//! The listeners are stand-ins for a berofos that answer only what each test scripts;
//! everything else these tests need is the real binary.

use assert_cmd::Command;
use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_xivo-berofos");
const UA: &str = concat!(
    "User-Agent: xivo-berofos/",
    env!("CARGO_PKG_VERSION"),
    "\r\n"
);

/// What the stand-in answers: a status line with its headers, and a body.
type Script = Box<dyn Fn(usize, &str) -> (String, String) + Send>;

/// An HTTP stand-in on 127.0.0.1: records each request's bytes as received, answers
/// by `script(index, request)`, and closes each connection after its answer.
struct Device {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Device {
    fn start(script: Script) -> Device {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { return };
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut buf = Vec::new();
                let mut byte = [0u8; 1];
                while !buf.ends_with(b"\r\n\r\n") && buf.len() < 8192 {
                    match s.read(&mut byte) {
                        Ok(1) => buf.push(byte[0]),
                        _ => break,
                    }
                }
                let req = String::from_utf8_lossy(&buf).into_owned();
                let i = {
                    let mut l = log.lock().unwrap();
                    l.push(req.clone());
                    l.len() - 1
                };
                let (head, body) = script(i, &req);
                let _ = write!(
                    s,
                    "{head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Device { port, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// A bnfos.conf naming this stand-in as fos1.
    fn config(&self, dir: &tempfile::TempDir, login: Option<&str>) -> std::path::PathBuf {
        let path = dir.path().join("bnfos.conf");
        let mut text = format!(
            "[fos1]\nmac = 00:19:32:00:12:1D\nhost = 127.0.0.1\nport = {}\n",
            self.port
        );
        if let Some(l) = login {
            text.push_str(&format!("login = {l}\n"));
        }
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn cmd(config: &std::path::Path, dir: &tempfile::TempDir) -> Command {
    let mut c = Command::new(BIN);
    c.env("XIVO_BEROFOS_LOCK_DIR", dir.path())
        .env_remove("XIVO_BEROFOS_PASSWORD")
        .arg("-q")
        .arg("-c")
        .arg(config)
        .timeout(Duration::from_secs(30));
    c
}

const OK: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";

/// A config.txt whose relay is `mode`.
fn config_txt(mode: u8) -> String {
    format!("<!-- berofos -->\nbnfos_confmap_magic=0.1\n4_mode={mode}\n1_rm=checked\n")
}

/// The request `target` to the stand-in, as libcurl shapes it, with `auth` (a whole
/// `Authorization: ...\r\n` line, or nothing).
fn expected(target: &str, port: u16, auth: &str) -> String {
    request(target, &format!("127.0.0.1:{port}"), auth)
}

fn request(target: &str, host: &str, auth: &str) -> String {
    format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n{auth}{UA}Accept: */*\r\n\r\n")
}

/// docs/protocol.md §1.4 shows the bytes these tests pin (for a berofos on port 80).
#[test]
fn protocol_md_shows_the_pinned_bytes() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/protocol.md")).unwrap();
    let section = &doc[doc.find("### 1.4").expect("§1.4")..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let blocks: Vec<String> = section
        .split("```")
        .skip(1)
        .step_by(2)
        .map(|b| b.trim_start_matches('\n').replace('\n', "\r\n"))
        .collect();
    let (read, write) = ("/config.txt", "/?cmd=4&mode=1");
    let basic = "Authorization: Basic YWRtaW46c2U6YyZyZXQ=\r\n";
    let host = "10.34.1.50";
    let ua = UA.trim_end();
    let shown = |b: &str| b.replace("User-Agent: xivo-berofos/0.1.0", ua);
    assert_eq!(
        shown(&blocks[0]),
        request(read, host, "") + &request(write, host, "")
    );
    assert_eq!(
        shown(&blocks[1]),
        request(write, host, basic) + &request(read, host, basic)
    );
}

#[test]
fn a_read_and_a_write_without_a_login() {
    let dev = Device::start(Box::new(|_, req: &str| {
        let mode = if req.starts_with("GET /config.txt") {
            1
        } else {
            0
        };
        (OK.to_string(), config_txt(mode))
    }));
    let dir = tempfile::tempdir().unwrap();
    let conf = dev.config(&dir, None);
    cmd(&conf, &dir)
        .args(["get", "mode", "-f", "fos1"])
        .assert()
        .success();
    cmd(&conf, &dir)
        .args(["set", "mode=1", "-f", "fos1"])
        .assert()
        .success();
    let seen = dev.seen();
    assert_eq!(seen[0], expected("/config.txt", dev.port, ""));
    let write = seen
        .iter()
        .find(|r| r.starts_with("GET /?"))
        .expect("a write");
    assert_eq!(*write, expected("/?cmd=4&mode=1", dev.port, ""));
}

#[test]
fn credentials_only_after_the_berofos_asks_then_reused() {
    // The password holds a ':' and a '&': both go inside the Basic token.
    let dev = Device::start(Box::new(|_, req: &str| {
        if !req.contains("\r\nAuthorization: ") {
            return (
                "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"berofos\"\r\n".into(),
                "Authorization required.".into(),
            );
        }
        (OK.to_string(), config_txt(1))
    }));
    let dir = tempfile::tempdir().unwrap();
    let conf = dev.config(&dir, Some("admin:se:c&ret"));
    cmd(&conf, &dir)
        .args(["master", "-f", "fos1"])
        .assert()
        .success();
    let seen = dev.seen();
    // base64("admin:se:c&ret")
    let basic = "Authorization: Basic YWRtaW46c2U6YyZyZXQ=\r\n";
    let write = expected("/?cmd=4&mode=1", dev.port, "");
    let write_auth = expected("/?cmd=4&mode=1", dev.port, basic);
    let read_auth = expected("/config.txt", dev.port, basic);
    assert_eq!(seen, vec![write, write_auth, read_auth], "{seen:#?}");
}

#[test]
fn a_digest_challenge_is_answered_and_its_nonce_reused() {
    let nonce = "4e6f6e6365";
    let dev = Device::start(Box::new(move |_, req: &str| {
        if !req.contains("\r\nAuthorization: Digest ") {
            return (
                format!(
                    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"berofos\"\r\nWWW-Authenticate: Digest realm=\"berofos\", nonce=\"{nonce}\", qop=\"auth\", algorithm=MD5\r\n"
                ),
                String::new(),
            );
        }
        (OK.to_string(), config_txt(1))
    }));
    let dir = tempfile::tempdir().unwrap();
    let conf = dev.config(&dir, Some("admin:secret"));
    cmd(&conf, &dir)
        .args(["master", "-f", "fos1"])
        .assert()
        .success();
    let seen = dev.seen();
    assert_eq!(seen.len(), 3, "{seen:#?}");
    assert_eq!(seen[0], expected("/?cmd=4&mode=1", dev.port, ""));
    for (req, target, nc) in [
        (&seen[1], "/?cmd=4&mode=1", "00000001"),
        (&seen[2], "/config.txt", "00000002"),
    ] {
        let line = req
            .lines()
            .find(|l| l.starts_with("Authorization: Digest "))
            .unwrap_or_else(|| panic!("Digest, not Basic, when both are offered: {req}"));
        let sent = digest_auth::AuthorizationHeader::parse(&line["Authorization: Digest ".len()..])
            .unwrap();
        assert_eq!(sent.nonce, nonce);
        assert_eq!(sent.uri, target);
        assert_eq!(sent.nc, u32::from_str_radix(nc, 16).unwrap());
        // The response is right for the password.
        let mut want = sent.clone();
        want.digest(&digest_auth::AuthContext::new("admin", "secret", target));
        assert_eq!(want.response, sent.response);
        // Same header order as without a login.
        assert_eq!(
            *req,
            expected(target, dev.port, &format!("{line}\r\n")),
            "{req}"
        );
    }
}

#[test]
fn a_refused_login_is_asked_once_and_named() {
    let dev = Device::start(Box::new(|_, _| {
        (
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"berofos\"\r\n".into(),
            String::new(),
        )
    }));
    let dir = tempfile::tempdir().unwrap();
    let conf = dev.config(&dir, Some("admin:wrong-password"));
    let out = cmd(&conf, &dir)
        .args(["get", "mode", "-f", "fos1"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("fos1"), "{stderr}");
    assert!(!stderr.contains("wrong-password"), "{stderr}");
    // Once without, once with: a wrong password is not tried again.
    assert_eq!(dev.seen().len(), 2, "{:#?}", dev.seen());
}

/// A GBL4 stand-in on 127.0.0.1: answers by `script(cmd, payload)` (None: silence) and
/// records when each request came.
struct Udp {
    port: u16,
    seen: Arc<Mutex<Vec<(u8, Instant)>>>,
}

type UdpScript = Box<dyn Fn(u8, &[u8], usize) -> Option<Vec<u8>> + Send>;

impl Udp {
    fn start(script: UdpScript) -> Udp {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = sock.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while let Ok((n, from)) = sock.recv_from(&mut buf) {
                let Ok(f) = xivo_berofos::gbl4::decode(&buf[..n]) else {
                    continue;
                };
                let count = {
                    let mut l = log.lock().unwrap();
                    l.push((f.cmd, Instant::now()));
                    l.iter().filter(|(c, _)| *c == f.cmd).count()
                };
                if let Some(p) = script(f.cmd, f.payload, count) {
                    let _ = sock.send_to(&xivo_berofos::gbl4::encode(f.cmd, &p), from);
                }
            }
        });
        Udp { port, seen }
    }

    fn times(&self, cmd: u8) -> Vec<Instant> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(c, _)| *c == cmd)
            .map(|(_, t)| *t)
            .collect()
    }

    fn cmd(&self, dir: &tempfile::TempDir) -> Command {
        let mut c = Command::new(BIN);
        c.env("BEROFOS_GBL4_PORT", self.port.to_string())
            .env("XIVO_BEROFOS_LOCK_DIR", dir.path())
            .arg("-c")
            .arg(dir.path().join("none.conf"))
            .timeout(Duration::from_secs(30));
        c
    }
}

const MAC: &str = "00:19:32:00:12:1D";

/// A netconf answer (§2.3) for MAC at 127.0.0.1; `flash` sets the device mode byte.
fn netconf(flash: bool) -> Vec<u8> {
    vec![
        0x00,
        0x19,
        0x32,
        0x00,
        0x12,
        0x1D,
        0x00,
        0x50,
        1,
        2,
        1,
        53,
        flash as u8,
        127,
        0,
        0,
        1,
        255,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        3,
        7,
        1,
        0,
        80,
    ]
}

#[test]
fn gbl4_answers_need_no_mac_echo() {
    // The vendor's tool reads only the command byte of a ping, kick, flash prepare and
    // flash page answer: a device that answers with an empty payload works with it.
    let udp = Udp::start(Box::new(|cmd, _, _| match cmd {
        1 => Some(netconf(true)),
        9 | 11 | 3 | 4 => Some(Vec::new()),
        _ => None,
    }));
    let dir = tempfile::tempdir().unwrap();
    for args in [["ping"], ["kick"]] {
        udp.cmd(&dir)
            .args(args)
            .args(["-h", "127.0.0.1", "-m", MAC])
            .assert()
            .success();
    }
    let fw = dir.path().join("fw.bin");
    std::fs::write(&fw, vec![7u8; 1500]).unwrap();
    udp.cmd(&dir)
        .args(["flash"])
        .arg(&fw)
        .args(["-h", "127.0.0.1", "-m", MAC])
        .assert()
        .success();
    assert_eq!(udp.times(4).len(), 3, "three pages, each once");
}

#[test]
fn gbl4_resends_no_faster_than_the_vendors_wait() {
    // Ping: the first one is lost. With -t 5 the request goes again only after the
    // vendor's 3 s wait.
    let udp = Udp::start(Box::new(|cmd, _, count| match (cmd, count) {
        (1, _) => Some(netconf(true)),
        (9, 1) => None,
        (9, _) => Some(Vec::new()),
        // Flash prepare: never answered.
        _ => None,
    }));
    let dir = tempfile::tempdir().unwrap();
    udp.cmd(&dir)
        .args(["-t", "5", "ping", "-h", "127.0.0.1", "-m", MAC])
        .assert()
        .success();
    let pings = udp.times(9);
    assert_eq!(pings.len(), 2, "one lost, one resent");
    assert!(
        pings[1] - pings[0] >= Duration::from_millis(2900),
        "resent after {:?}",
        pings[1] - pings[0]
    );
    // A short timeout: the ping is sent once and fails, as the vendor's would.
    let udp = Udp::start(Box::new(|cmd, _, _| (cmd == 1).then(|| netconf(true))));
    udp.cmd(&dir)
        .args(["-t", "0.5", "ping", "-h", "127.0.0.1", "-m", MAC])
        .assert()
        .code(1);
    assert_eq!(udp.times(9).len(), 1);
    // A flash prepare is sent once and given its 3 s, whatever -t says.
    let fw = dir.path().join("fw.bin");
    std::fs::write(&fw, vec![7u8; 600]).unwrap();
    let start = Instant::now();
    udp.cmd(&dir)
        .args(["-t", "0.5", "flash"])
        .arg(&fw)
        .args(["-h", "127.0.0.1", "-m", MAC])
        .assert()
        .code(1);
    assert!(start.elapsed() >= Duration::from_millis(2900));
    assert_eq!(udp.times(3).len(), 1, "one prepare");
}
