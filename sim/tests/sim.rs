//! Tests of the `berofos-sim` binary over raw loopback sockets: both faces, faults,
//! the control port and the request log. Every wait is bounded by a socket timeout.

use berofos_sim::proto::gbl4::{cmd, decode, encode, xor, NetConf, SetNetConf, OPT_AUTH, OPT_DHCP};
use berofos_sim::proto::mac::Mac;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const T: Duration = Duration::from_secs(3);
/// How long "no answer" is waited for.
const SILENCE: Duration = Duration::from_millis(300);

struct Sim {
    child: Child,
    ready: Value,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sim {
    fn start(args: &[&str]) -> Sim {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log.jsonl");
        let mut child = Command::new(env!("CARGO_BIN_EXE_berofos-sim"))
            .args(["--exit-with-stdin", "--log"])
            .arg(&log)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("no ready line");
        let ready: Value = serde_json::from_str(&line).expect("ready line is JSON");
        assert_eq!(ready["ready"], true);
        Sim {
            child,
            ready,
            log,
            _dir: dir,
        }
    }

    fn dev(&self, k: usize) -> &Value {
        &self.ready["devices"][k - 1]
    }

    fn http_addr(&self, k: usize) -> SocketAddr {
        let d = self.dev(k);
        let ip: Ipv4Addr = d["host"].as_str().unwrap().parse().unwrap();
        SocketAddr::from((ip, d["http_port"].as_u64().unwrap() as u16))
    }

    fn udp_addr(&self, k: usize) -> SocketAddr {
        SocketAddr::from((
            self.http_addr(k).ip(),
            self.ready["udp_port"].as_u64().unwrap() as u16,
        ))
    }

    fn mac(&self, k: usize) -> Mac {
        self.dev(k)["mac"].as_str().unwrap().parse().unwrap()
    }

    fn get(&self, k: usize, target: &str, auth: Option<&str>) -> (u16, String, String) {
        http(self.http_addr(k), target, auth).expect("HTTP request")
    }

    fn control(&self, target: &str) -> (u16, Value) {
        let port = self.ready["control_port"].as_u64().unwrap() as u16;
        let (status, _, body) = http((Ipv4Addr::LOCALHOST, port).into(), target, None).unwrap();
        (
            status,
            serde_json::from_str(&body).expect("control answers JSON"),
        )
    }

    fn log_lines(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("log line is JSON"))
            .collect()
    }

    /// Sends one frame to device k, returns the answer's payload if one comes.
    fn gbl4(&self, k: usize, c: u8, payload: &[u8]) -> Option<Vec<u8>> {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_read_timeout(Some(SILENCE)).unwrap();
        s.send_to(&encode(c, payload), self.udp_addr(k)).unwrap();
        let mut buf = [0u8; 2048];
        let (n, _) = s.recv_from(&mut buf).ok()?;
        let f = decode(&buf[..n]).expect("the answer is a GBL4 frame");
        assert_eq!(f.cmd, c);
        Some(f.payload.to_vec())
    }

    fn ping(&self, k: usize) -> bool {
        let mut p = self.mac(k).0.to_vec();
        p.extend_from_slice(&[0, 0]);
        self.gbl4(k, cmd::PING, &p).is_some()
    }
}

/// The `key=value` lines of a `config.txt` body after its magic line; `None` without
/// the magic (docs/protocol.md §1.1).
fn config_txt(body: &str) -> Option<BTreeMap<String, String>> {
    let mut lines = body.lines();
    lines.find(|l| *l == "bnfos_confmap_magic=0.1")?;
    Some(
        lines
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// One GET; returns status, head and body.
fn http(
    addr: SocketAddr,
    target: &str,
    auth: Option<&str>,
) -> std::io::Result<(u16, String, String)> {
    let mut s = TcpStream::connect_timeout(&addr, T)?;
    s.set_read_timeout(Some(T))?;
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    write!(s, "GET {target} HTTP/1.1\r\nHost: {addr}\r\n{auth}\r\n")?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, head.to_string(), body.to_string()))
}

#[test]
fn config_txt_write_and_log() {
    let sim = Sim::start(&["--devices", "2", "--device-mode", "2=1"]);
    assert_eq!(sim.dev(2)["host"], "127.0.0.3");
    assert_eq!(sim.dev(2)["mac"], "00:19:32:00:00:02");
    assert_ne!(sim.ready["udp_port"], 50123);

    let (status, _, body) = sim.get(1, "/config.txt", None);
    assert_eq!(status, 200);
    let cfg = config_txt(&body).expect("magic present");
    assert_eq!(cfg["4_mode"], "0");
    assert_eq!(cfg["1_p0"], "checked");
    let (_, _, body) = sim.get(2, "/config.txt", None);
    assert_eq!(config_txt(&body).unwrap()["4_mode"], "1");

    let (status, _, _) = sim.get(1, "/?cmd=4&mode=1", None);
    assert_eq!(status, 200);
    let (_, _, body) = sim.get(1, "/config.txt", None);
    assert_eq!(config_txt(&body).unwrap()["4_mode"], "1");
    let (_, _, _) = sim.get(1, "/?cmd=99&x=1", None);
    let (_, st) = sim.control("/state?device=1");
    assert_eq!(st["settings"]["mode"], "1");
    assert_eq!(st["http_requests"], 4);

    let all = sim.log_lines();
    assert_eq!(all.len(), 5, "{all:?}");
    assert!(all.iter().all(|l| l["face"] == "http"));
    let log: Vec<&Value> = all.iter().filter(|l| l["device"] == 1).collect();
    assert_eq!(log.len(), 4);
    assert_eq!(log[1]["query"], "cmd=4&mode=1");
    assert_eq!(log[1]["applied"], true);
    assert_eq!(log[1]["status"], 200);
    assert_eq!(log[1]["authorization"], Value::Null);
    assert_eq!(log[3]["applied"], false);
    assert!(log[0]["ts_ms"].as_u64().unwrap() > 0);
}

#[test]
fn basic_login() {
    let sim = Sim::start(&["--login", "1=admin:pw"]);
    assert_eq!(sim.dev(1)["login"], "admin:pw");
    let (status, head, _) = sim.get(1, "/config.txt", None);
    assert_eq!(status, 401);
    assert!(
        head.contains("WWW-Authenticate: Basic realm=\"berofos\""),
        "{head}"
    );
    // base64("admin:pw"), base64("admin:no")
    assert_eq!(sim.get(1, "/config.txt", Some("Basic YWRtaW46cHc=")).0, 200);
    assert_eq!(sim.get(1, "/config.txt", Some("Basic YWRtaW46bm8=")).0, 401);
    // Changing the password over HTTP.
    assert_eq!(
        sim.get(1, "/?cmd=3&apwd=n%26w", Some("Basic YWRtaW46cHc="))
            .0,
        200
    );
    assert_eq!(sim.get(1, "/config.txt", Some("Basic YWRtaW46cHc=")).0, 401);
    let log = sim.log_lines();
    assert_eq!(log[1]["authorization"], "Basic YWRtaW46cHc=");
}

#[test]
fn digest_login() {
    use digest_auth::{AuthContext, WwwAuthenticateHeader};
    let sim = Sim::start(&["--login", "all=admin:s3cret", "--auth", "digest"]);
    let (status, head, _) = sim.get(1, "/?cmd=4&mode=1", None);
    assert_eq!(status, 401);
    let challenge = head
        .lines()
        .find_map(|l| l.strip_prefix("WWW-Authenticate: "))
        .expect("a challenge");
    assert!(challenge.contains("qop=\"auth\"") && challenge.contains("algorithm=MD5"));
    let mut prompt = WwwAuthenticateHeader::parse(challenge).unwrap();
    let answer = prompt
        .respond(&AuthContext::new("admin", "s3cret", "/?cmd=4&mode=1"))
        .unwrap()
        .to_string();
    assert_eq!(sim.get(1, "/?cmd=4&mode=1", Some(&answer)).0, 200);
    let (_, st) = sim.control("/state?device=1");
    assert_eq!(st["settings"]["mode"], "1");
    assert_eq!(
        sim.get(1, "/config.txt", Some("Basic YWRtaW46czNjcmV0")).0,
        401
    );
}

#[test]
fn dead_refuses_and_comes_back() {
    let sim = Sim::start(&["--fault", "1=dead"]);
    let e = TcpStream::connect_timeout(&sim.http_addr(1), T).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(!sim.ping(1));
    let (status, v) = sim.control("/fault?device=1&fault=none");
    assert_eq!((status, v["fault"].as_str()), (200, Some("none")));
    assert_eq!(sim.get(1, "/config.txt", None).0, 200);
    assert!(sim.ping(1));
}

#[test]
fn hang_never_answers() {
    let sim = Sim::start(&["--fault", "1=hang"]);
    let mut s = TcpStream::connect_timeout(&sim.http_addr(1), T).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    s.write_all(b"GET /config.txt HTTP/1.1\r\n\r\n").unwrap();
    let mut buf = [0u8; 64];
    let e = s.read(&mut buf).unwrap_err();
    assert!(matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
    assert!(!sim.ping(1));
    let log = sim.log_lines();
    assert_eq!(log[0]["status"], Value::Null);
    assert_eq!(log[0]["path"], "/config.txt");
}

#[test]
fn http_faults() {
    let sim = Sim::start(&[
        "--devices",
        "3",
        "--fault",
        "1=http500",
        "--fault",
        "2=deny",
    ]);
    assert_eq!(sim.get(1, "/config.txt", None).0, 500);
    let (status, head, _) = sim.get(2, "/config.txt", Some("Basic YWRtaW46cHc="));
    assert_eq!(status, 401);
    assert!(head.contains("Basic realm="));
    sim.control("/fault?device=3&fault=garbage");
    let (status, _, body) = sim.get(3, "/config.txt", None);
    assert_eq!(status, 200);
    assert!(config_txt(&body).is_none());
    sim.control("/fault?device=3&fault=crlf%2Bslow:50");
    let (_, _, body) = sim.get(3, "/config.txt", None);
    assert!(body.contains("4_mode=0\r\n"));
    assert_eq!(config_txt(&body.replace('\r', "")).unwrap()["4_mode"], "0");
    assert_eq!(sim.control("/state?device=3").1["fault"], "crlf+slow:50");
}

#[test]
fn udp_drop_drops_exactly_one() {
    let sim = Sim::start(&["--fault", "1=udp-drop:1"]);
    assert!(!sim.ping(1));
    assert!(sim.ping(1));
    let log = sim.log_lines();
    let dropped: Vec<bool> = log.iter().map(|l| l["dropped"] == true).collect();
    assert_eq!(dropped, [true, false]);
    assert!(log
        .iter()
        .all(|l| l["face"] == "gbl4" && l["cmd"] == 9 && l["len"] == 14));
}

#[test]
fn gbl4_netconf_mac_and_garbage() {
    let sim = Sim::start(&["--devices", "2", "--login", "2=admin:pw"]);
    let n = NetConf::decode(&sim.gbl4(2, cmd::GET_NETCONF, &[]).unwrap()).unwrap();
    assert_eq!(n.mac, sim.mac(2));
    assert_eq!(n.ip, Ipv4Addr::new(127, 0, 0, 3));
    assert_eq!(
        n.http_port as u64,
        sim.dev(2)["http_port"].as_u64().unwrap()
    );
    assert_eq!(n.hw_magic, 0x0050);
    assert!(!n.flash_mode);
    assert_eq!(n.options, OPT_DHCP | OPT_AUTH);
    assert_eq!(n.firmware, (1, 53));
    // Device 1 ignores a ping for device 2's MAC.
    let mut p = sim.mac(2).0.to_vec();
    p.extend_from_slice(&[0, 0]);
    assert!(sim.gbl4(1, cmd::PING, &p).is_none());
    // Garbage and a short datagram: logged as invalid, and the device lives on.
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.send_to(b"GB", sim.udp_addr(1)).unwrap();
    let mut bad = encode(cmd::PING, &p);
    bad[6] ^= 0xFF;
    s.send_to(&bad, sim.udp_addr(1)).unwrap();
    assert!(sim.ping(1));
    let log = sim.log_lines();
    assert_eq!(
        log.iter().filter(|l| l["valid"] == false).count(),
        2,
        "{log:?}"
    );
}

#[test]
fn flash_mode() {
    let sim = Sim::start(&[]);
    let mac = sim.mac(1);
    let conf = SetNetConf {
        mac,
        ip: Ipv4Addr::new(127, 0, 0, 2),
        netmask: Ipv4Addr::new(255, 0, 0, 0),
        gateway: Ipv4Addr::new(127, 0, 0, 1),
        phy_conf: 3,
        options: 0,
        http_port: sim.dev(1)["http_port"].as_u64().unwrap() as u16,
    };
    // Operational mode: flash-only commands get no answer.
    assert!(sim.gbl4(1, cmd::SET_NETCONF, &conf.encode()).is_none());
    let mut reset = mac.0.to_vec();
    assert!(sim.gbl4(1, cmd::RESET, &reset).is_none());

    let (status, _) = sim.control("/fault?device=1&fault=flash");
    assert_eq!(status, 200);
    let e = TcpStream::connect_timeout(&sim.http_addr(1), T).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
    let n = NetConf::decode(&sim.gbl4(1, cmd::GET_NETCONF, &[]).unwrap()).unwrap();
    assert!(n.flash_mode);
    assert_eq!(sim.gbl4(1, cmd::SET_NETCONF, &conf.encode()).unwrap()[6], 0);
    // A 1000-byte firmware: two pages, the second padded with zeros (§2.2).
    let firmware = [7u8; 1000];
    let crc = xor(&firmware);
    let mut prepare = mac.0.to_vec();
    prepare.extend_from_slice(&[0, 2, crc]);
    assert!(sim.gbl4(1, cmd::FLASH_PREPARE, &prepare).is_some());
    for (i, chunk) in firmware.chunks(512).enumerate() {
        let mut page = mac.0.to_vec();
        page.extend_from_slice(&(i as u16).to_be_bytes());
        page.extend_from_slice(chunk);
        page.resize(6 + 2 + 512, 0);
        assert!(sim.gbl4(1, cmd::FLASH_PAGE, &page).is_some());
    }
    let st = sim.control("/state?device=1").1;
    assert_eq!(st["settings"]["gateway"], "127.0.0.1");
    assert_eq!(st["settings"]["dhcp"], "0");
    assert_eq!(
        (st["page_count"].as_u64(), st["pages_received"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(st["crc_expected"].as_u64(), Some(crc as u64));
    assert_eq!(st["flash_complete"], true);
    // A page beyond the count is still answered, and noted in the log.
    let mut page9 = mac.0.to_vec();
    page9.extend_from_slice(&[0, 9]);
    page9.extend_from_slice(&[0u8; 512]);
    assert!(sim.gbl4(1, cmd::FLASH_PAGE, &page9).is_some());
    let noted = sim
        .log_lines()
        .into_iter()
        .filter(|l| l["note"] == "page index out of range")
        .count();
    assert_eq!(noted, 1);
    assert_eq!(sim.control("/state?device=1").1["pages_received"], 2);
    reset.truncate(6);
    assert_eq!(sim.gbl4(1, cmd::RESET, &reset).unwrap()[6], 0);

    // Power-cycled without the button: operational again, HTTP back.
    let st = sim.control("/power-cycle?device=1").1;
    assert_eq!(st["flash_mode"], false);
    assert_eq!(sim.get(1, "/config.txt", None).0, 200);
}

#[test]
fn control_set_power_cycle_and_bad_input() {
    let sim = Sim::start(&["--devices", "2"]);
    let (status, st) = sim.control("/set?device=all&name=modedef&value=1");
    assert_eq!(status, 200);
    assert_eq!(st.as_array().unwrap().len(), 2);
    sim.control("/set?device=2&name=wdogdef&value=0");
    let st = sim.control("/power-cycle?device=2").1;
    assert_eq!(st["settings"]["mode"], "1");
    assert_eq!(st["settings"]["wdog"], "0");
    assert_eq!(st["settings"]["wdogstate"], "0");
    for bad in [
        "/set?device=3&name=mode&value=1",
        "/set?device=1&name=nosuch&value=1",
        "/set?device=1&name=mode&value=2",
        "/fault?device=1&fault=boom",
        "/fault?fault=dead",
        "/power-cycle?device=x",
    ] {
        let (status, v) = sim.control(bad);
        assert_eq!(status, 400, "{bad}");
        assert!(v["error"].is_string(), "{bad}");
    }
    assert_eq!(sim.control("/nothing").0, 404);
    // Control requests are not device requests.
    assert!(sim.log_lines().is_empty());
    // Malformed HTTP to a device: 400, and it lives on.
    let mut s = TcpStream::connect_timeout(&sim.http_addr(1), T).unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    s.write_all(b"\x00\x01garbage\r\n\r\n").unwrap();
    let mut raw = String::new();
    let _ = s.read_to_string(&mut raw);
    assert!(raw.starts_with("HTTP/1.1 400"), "{raw}");
    assert_eq!(sim.get(1, "/config.txt", None).0, 200);
}

#[test]
fn bad_arguments_exit_2_and_write_config() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_berofos-sim"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .unwrap()
    };
    for args in [
        &["--devices", "0"][..],
        &["--fault", "2=dead"],
        &["--fault", "1=boom"],
        &["--login", "1=nopass"],
        &["--base-mac", "zz"],
        &["--udp-any", "--devices", "2"],
        &["--ip", "255.255.255.255"],
        &["--ip", "255.255.255.254", "--devices", "2"],
        &["--ip", "127.0.0"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("bnfos.conf");
    let sim = Sim::start(&[
        "--devices",
        "2",
        "--login",
        "2=admin:a:b",
        "--write-config",
        conf.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&conf).unwrap();
    let port = sim.dev(2)["http_port"].as_u64().unwrap();
    assert!(text.contains(&format!(
        "[fos2]\nmac = 00:19:32:00:00:02\nhost = 127.0.0.3\nport = {port}\nlogin = admin:a:b\n"
    )));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&conf).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn ip_sets_every_address_of_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("bnfos.conf");
    let sim = Sim::start(&[
        "--devices",
        "2",
        "--ip",
        "127.0.0.20",
        "--write-config",
        conf.to_str().unwrap(),
    ]);
    assert_eq!(sim.dev(1)["host"], "127.0.0.20");
    assert_eq!(sim.dev(2)["host"], "127.0.0.21");
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(text.contains("[fos1]\nmac = 00:19:32:00:00:01\nhost = 127.0.0.20\n"));
    assert!(text.contains("[fos2]\nmac = 00:19:32:00:00:02\nhost = 127.0.0.21\n"));
    let n = NetConf::decode(&sim.gbl4(2, cmd::GET_NETCONF, &[]).unwrap()).unwrap();
    assert_eq!(n.ip, Ipv4Addr::new(127, 0, 0, 21));
    let (_, _, body) = sim.get(2, "/config.txt", None);
    assert_eq!(config_txt(&body).unwrap()["3_ip"], "127.0.0.21");
    // Each GBL4 socket is bound to its device's address: another address of the
    // machine gets no answer, and the log shows where each datagram went.
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(SILENCE)).unwrap();
    let port = sim.ready["udp_port"].as_u64().unwrap() as u16;
    s.send_to(&encode(cmd::GET_NETCONF, &[]), ("127.0.0.1", port))
        .unwrap();
    assert!(s.recv_from(&mut [0u8; 64]).is_err());
    let log: Vec<Value> = sim
        .log_lines()
        .into_iter()
        .filter(|l| l["face"] == "gbl4")
        .collect();
    assert_eq!(
        log.len(),
        1,
        "only the netconf to device 2 arrived: {log:?}"
    );
    assert_eq!(
        (&log[0]["device"], &log[0]["to"]),
        (&2.into(), &"127.0.0.21".into())
    );
}

#[test]
fn udp_any_answers_whatever_address_and_broadcast() {
    let sim = Sim::start(&["--ip", "127.0.0.30", "--udp-any"]);
    assert_eq!(sim.dev(1)["host"], "127.0.0.30");
    let port = sim.ready["udp_port"].as_u64().unwrap() as u16;
    let ask = |to: Ipv4Addr| {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_broadcast(true).unwrap();
        s.set_read_timeout(Some(T)).unwrap();
        s.send_to(&encode(cmd::GET_NETCONF, &[]), (to, port))
            .unwrap();
        let mut buf = [0u8; 64];
        let (n, _) = s.recv_from(&mut buf).expect("an answer");
        NetConf::decode(decode(&buf[..n]).unwrap().payload).unwrap()
    };
    // Not its address, and the loopback network's broadcast address: the device
    // answers both with its own address.
    for to in [
        Ipv4Addr::new(127, 0, 0, 1),
        Ipv4Addr::new(127, 255, 255, 255),
    ] {
        let n = ask(to);
        assert_eq!(n.ip, Ipv4Addr::new(127, 0, 0, 30));
        assert_eq!(n.mac, sim.mac(1));
    }
    let to: Vec<Value> = sim.log_lines().iter().map(|l| l["to"].clone()).collect();
    assert_eq!(
        to,
        ["127.0.0.1", "127.255.255.255"],
        "the log shows each destination"
    );
    // HTTP stays on the device's own address.
    assert_eq!(sim.get(1, "/config.txt", None).0, 200);
}

#[test]
fn exits_with_stdin() {
    let mut sim = Sim::start(&[]);
    drop(sim.child.stdin.take());
    let deadline = std::time::Instant::now() + T;
    loop {
        if let Some(status) = sim.child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still running");
        std::thread::sleep(Duration::from_millis(10));
    }
}
