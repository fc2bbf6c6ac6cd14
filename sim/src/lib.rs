//! `berofos-sim`: N simulated berofos on loopback, both faces, with fault injection.
//!
//! Device k (1-based) has MAC base+k, IP 127.0.0.(k+1) (or the k-th address from
//! `--ip`), its own HTTP port, and a UDP socket on the one GBL4 port shared by all
//! devices (or, with `--udp-any`, one socket on 0.0.0.0 that broadcasts reach). A
//! control port (HTTP on 127.0.0.1) changes faults and settings at run time and shows
//! each device's state. When everything is bound, one JSON "ready" line goes to stdout.
//!
//! It is written from docs/protocol.md alone, with its own protocol tables
//! ([`proto`]), and never depends on the `xivo-berofos` crate: a mistake in the
//! client's tables then shows as a failing test instead of being answered in kind.
//! The tests of the workspace use it through its binary.
//!
//! # Layout
//! - this file: arguments, binding, the ready line, running until a signal.
//! - [`proto`]: the protocol's facts: the settings table, GBL4 frames, MAC addresses.
//! - [`device`]: a device's settings and what requests do to them; `config.txt`.
//! - [`fault`]: the faults and their syntax.
//! - [`http`]: the HTTP face; [`wire`]: HTTP/1.1 reading and writing; [`auth`]: Basic/Digest.
//! - [`udp`]: the GBL4 face.
//! - [`control`]: the control port.
//! - [`log`]: the JSON request log.

pub mod auth;
pub mod control;
pub mod device;
pub mod fault;
pub mod http;
pub mod log;
pub mod proto;
pub mod udp;
pub mod wire;

use auth::Scheme;
use device::{lock, Device, Identity};
use fault::Faults;
use proto::mac::Mac;
use proto::settings;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which devices an option is for: `K` (1-based) or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    All,
    One(usize),
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Target, String> {
        match s.trim() {
            "all" => Ok(Target::All),
            n => match n.parse::<usize>() {
                Ok(k) if k >= 1 => Ok(Target::One(k)),
                _ => Err(format!(
                    "'{s}' is not a device: expected a device number (1, 2, …) or 'all'"
                )),
            },
        }
    }
}

impl Target {
    /// The 0-based indexes it names among `n` devices.
    pub fn resolve(self, n: usize) -> Result<Vec<usize>, String> {
        match self {
            Target::All => Ok((0..n).collect()),
            Target::One(k) if k <= n => Ok(vec![k - 1]),
            Target::One(k) => Err(format!(
                "there is no device {k}: the simulator plays {n} device(s), numbered from 1"
            )),
        }
    }
}

fn split_target(s: &str) -> Result<(Target, &str), String> {
    let (k, rest) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}': expected K=VALUE, with K a device number or 'all'"))?;
    Ok((k.parse()?, rest))
}

/// `K=USER:PASS`.
fn parse_login(s: &str) -> Result<(Target, String, String), String> {
    let (t, login) = split_target(s)?;
    let (user, pass) = login
        .split_once(':')
        .filter(|(u, p)| !u.is_empty() && !p.is_empty())
        .ok_or_else(|| "a login is USER:PASS, like all=admin:secret".to_string())?;
    Ok((t, user.to_string(), pass.to_string()))
}

/// `K=FAULT`.
fn parse_fault(s: &str) -> Result<(Target, Faults), String> {
    let (t, f) = split_target(s)?;
    Ok((t, f.parse()?))
}

/// `K=0|1`.
fn parse_mode(s: &str) -> Result<(Target, bool), String> {
    let (t, m) = split_target(s)?;
    match m.trim() {
        "0" => Ok((t, false)),
        "1" => Ok((t, true)),
        _ => Err(format!("relay mode '{m}': expected 0 (A--D) or 1 (A--B)")),
    }
}

/// Simulates berofos failover switches on loopback (or at --ip) for tests and demos.
///
/// Device k answers HTTP on 127.0.0.(k+1) (or the k-th address from --ip) at its own
/// port and GBL4 on the shared UDP port. When ready, one JSON line goes to stdout with
/// the ports and devices.
#[derive(Debug, clap::Parser)]
#[command(
    name = "berofos-sim",
    version,
    after_long_help = "Control port (HTTP on 127.0.0.1, JSON answers; K is a device number or 'all'):\n  \
    GET /fault?device=K&fault=FAULT\n  \
    GET /state?device=K\n  \
    GET /power-cycle?device=K[&flash=1]\n  \
    GET /set?device=K&name=SETTING&value=V\n\n\
    Example: berofos-sim --devices 2 --login all=admin:secret --write-config /tmp/bnfos.conf"
)]
pub struct Args {
    /// Number of devices (1..253).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=253))]
    pub devices: u16,
    /// HTTP port of device 1 (device k gets P+k-1); default: a free port each.
    #[arg(long, value_name = "P")]
    pub http_port: Option<u16>,
    /// GBL4 UDP port shared by all devices (50123 is the real one); default: a free
    /// port, never 50123.
    #[arg(long, value_name = "P")]
    pub udp_port: Option<u16>,
    /// IPv4 address of device 1; device k gets the k-th address from there.
    #[arg(long, value_name = "A.B.C.D", default_value_t = DEFAULT_IP)]
    pub ip: Ipv4Addr,
    /// Bind the GBL4 socket to 0.0.0.0 instead of the device's address, so that
    /// broadcasts (to 255.255.255.255) reach it; one device only (one simulator per
    /// network namespace, each with its own --ip).
    #[arg(long)]
    pub udp_any: bool,
    /// Device k gets this MAC plus k.
    #[arg(long, value_name = "MAC", default_value = "00:19:32:00:00:00")]
    pub base_mac: Mac,
    /// HTTP login of device K (or all): turns password protection on.
    #[arg(long = "login", value_name = "K=USER:PASS", value_parser = parse_login)]
    pub logins: Vec<(Target, String, String)>,
    /// HTTP authentication scheme the devices ask for.
    #[arg(long, value_enum, default_value_t = Scheme::Basic)]
    pub auth: Scheme,
    /// Fault of device K (or all): none, dead, hang, slow:MS, http500, deny, garbage,
    /// crlf, udp-drop:N, flash; combine with '+'.
    #[arg(long = "fault", value_name = "K=FAULT", value_parser = parse_fault)]
    pub faults: Vec<(Target, Faults)>,
    /// Relay mode of device K (or all) at start.
    #[arg(long = "device-mode", value_name = "K=0|1", value_parser = parse_mode)]
    pub device_modes: Vec<(Target, bool)>,
    /// Append one JSON line per request received to FILE.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Write a bnfos.conf for the devices to FILE (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub write_config: Option<PathBuf>,
    /// How long a GBL4 reset takes to answer.
    #[arg(long, value_name = "MS", default_value_t = 200)]
    pub reset_delay_ms: u64,
    /// Exit when stdin reaches end of file (the parent died or closed it).
    #[arg(long)]
    pub exit_with_stdin: bool,
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Bad arguments (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A port or file the simulator needs (exit 1).
    #[error("{0}")]
    System(String),
}

/// Exit status for bad arguments (as `xivo-berofos` uses it).
pub const EXIT_USAGE: i32 = 2;
/// Exit status when a port or file is not to be had.
pub const EXIT_SYSTEM: i32 = 1;

impl SimError {
    pub fn exit_code(&self) -> i32 {
        match self {
            SimError::Usage(_) => EXIT_USAGE,
            SimError::System(_) => EXIT_SYSTEM,
        }
    }
}

/// Everything the threads share.
pub struct Sim {
    pub devices: Vec<Device>,
    pub udp_port: u16,
    pub scheme: Scheme,
    /// The Digest nonce of this run.
    pub nonce: String,
    pub reset_delay: Duration,
    pub log: log::RequestLog,
    /// Connections of hanging devices, kept open until the simulator exits.
    parked: Mutex<Vec<TcpStream>>,
}

impl Sim {
    pub fn park(&self, s: TcpStream) {
        lock(&self.parked).push(s);
    }
}

/// A hex string that differs from run to run (Digest nonces, garbage bodies).
pub fn random_hex(bytes: usize) -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    while out.len() < bytes * 2 {
        let mut h = RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(bytes * 2);
    out
}

/// Device 1's address without `--ip`.
pub const DEFAULT_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

/// The addresses of `n` devices from `first` on, each one a host address.
fn device_ips(first: Ipv4Addr, n: usize) -> Result<Vec<Ipv4Addr>, SimError> {
    (0..n)
        .map(|i| {
            let ip = u32::from(first)
                .checked_add(i as u32)
                .map(Ipv4Addr::from)
                .filter(|ip| !ip.is_unspecified() && !ip.is_broadcast() && !ip.is_multicast());
            ip.ok_or_else(|| {
                SimError::Usage(format!(
                    "--ip {first}: device {} would get no usable address (choose a lower --ip or fewer --devices)",
                    i + 1
                ))
            })
        })
        .collect()
}

/// Where the GBL4 sockets are bound: each device's address, or the one wildcard
/// address with `--udp-any` (which therefore plays one device only).
fn udp_bind_ips(args: &Args, ips: &[Ipv4Addr]) -> Result<Vec<Ipv4Addr>, SimError> {
    if !args.udp_any {
        return Ok(ips.to_vec());
    }
    if ips.len() != 1 {
        return Err(SimError::Usage(format!(
            "--udp-any binds the GBL4 socket to 0.0.0.0, which one device only can own, not {}: \
             run one simulator per address (--devices 1 --ip A.B.C.D --udp-any)",
            ips.len()
        )));
    }
    Ok(vec![Ipv4Addr::UNSPECIFIED])
}

/// Whether a port the system gave may serve: without a wanted port, never the real
/// GBL4 port (a test must not answer another program's broadcasts); a wanted port
/// always, 50123 included.
fn udp_port_ok(wanted: Option<u16>, got: u16) -> bool {
    wanted.is_some() || got != proto::gbl4::DEFAULT_PORT
}

fn device_mac(base: Mac, k: usize) -> Result<Mac, SimError> {
    let b = base.0;
    let n = b.iter().fold(0u64, |a, &x| a << 8 | x as u64) + k as u64;
    if n > 0xFFFF_FFFF_FFFF {
        return Err(SimError::Usage(format!(
            "--base-mac {base}: device {k} would overflow the MAC range"
        )));
    }
    let bytes = n.to_be_bytes();
    let mut m = [0u8; 6];
    m.copy_from_slice(&bytes[2..]);
    Ok(Mac(m))
}

/// One UDP socket per address, all on the same port; a random port is retried
/// until every address could bind it.
fn bind_udp(ips: &[Ipv4Addr], wanted: Option<u16>) -> Result<(u16, Vec<UdpSocket>), SimError> {
    let sys = |ip: Ipv4Addr, p: u16, e: std::io::Error| {
        SimError::System(format!("cannot bind UDP {ip}:{p}: {e}"))
    };
    for _ in 0..100 {
        let first = UdpSocket::bind((ips[0], wanted.unwrap_or(0)))
            .map_err(|e| sys(ips[0], wanted.unwrap_or(0), e))?;
        let port = first.local_addr().map_err(|e| sys(ips[0], 0, e))?.port();
        if !udp_port_ok(wanted, port) {
            continue;
        }
        let mut socks = vec![first];
        for &ip in &ips[1..] {
            match UdpSocket::bind((ip, port)) {
                Ok(s) => socks.push(s),
                Err(e) if wanted.is_some() => return Err(sys(ip, port, e)),
                Err(_) => break,
            }
        }
        if socks.len() == ips.len() {
            return Ok((port, socks));
        }
    }
    Err(SimError::System(
        "cannot find a UDP port free on every device address".into(),
    ))
}

fn bind_http(ip: Ipv4Addr, port: u16) -> Result<TcpListener, SimError> {
    let l = TcpListener::bind((ip, port))
        .map_err(|e| SimError::System(format!("cannot bind HTTP {ip}:{port}: {e}")))?;
    l.set_nonblocking(true)
        .map_err(|e| SimError::System(format!("HTTP {ip}:{port}: {e}")))?;
    Ok(l)
}

fn login_of(d: &Device) -> Option<String> {
    let st = d.state();
    st.auth_on().then(|| format!("{}:{}", st.user, st.password))
}

/// A bnfos.conf naming every device (docs/protocol.md §3, with our `port`).
fn write_config(path: &Path, sim: &Sim) -> Result<(), SimError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut text = String::from("# written by berofos-sim\n");
    for d in &sim.devices {
        text.push_str(&format!(
            "[{}]\nmac = {}\nhost = {}\nport = {}\n",
            d.id.name(),
            d.id.mac,
            d.id.ip,
            d.id.http_port
        ));
        if let Some(l) = login_of(d) {
            text.push_str(&format!("login = {l}\n"));
        }
        text.push('\n');
    }
    let err = |e: std::io::Error| SimError::System(format!("cannot write {}: {e}", path.display()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(err)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(err)?;
    f.write_all(text.as_bytes()).map_err(err)
}

/// The line printed when everything is bound (fields in this order).
#[derive(serde::Serialize)]
struct Ready {
    ready: bool,
    udp_port: u16,
    control_port: u16,
    devices: Vec<ReadyDevice>,
}

#[derive(serde::Serialize)]
struct ReadyDevice {
    index: usize,
    name: String,
    mac: Mac,
    host: String,
    http_port: u16,
    /// `user:password` when the device asks for a login.
    login: Option<String>,
}

/// Binds everything, prints the ready line, serves until SIGTERM/SIGINT (or the end
/// of stdin with `--exit-with-stdin`).
pub fn run(args: Args) -> Result<(), SimError> {
    let n = args.devices as usize;
    let ips = device_ips(args.ip, n)?;
    let udp_ips = udp_bind_ips(&args, &ips)?;

    // Resolve per-device options before binding anything.
    let mut logins = vec![None; n];
    for (t, u, p) in &args.logins {
        for i in t.resolve(n).map_err(SimError::Usage)? {
            logins[i] = Some((u.clone(), p.clone()));
        }
    }
    let mut faults = vec![Faults::default(); n];
    for (t, f) in &args.faults {
        for i in t.resolve(n).map_err(SimError::Usage)? {
            faults[i] = f.clone();
        }
    }
    let mut modes = vec![None; n];
    for (t, m) in &args.device_modes {
        for i in t.resolve(n).map_err(SimError::Usage)? {
            modes[i] = Some(*m);
        }
    }
    if let Some(p) = args.http_port {
        if p == 0 || p as usize + n - 1 > 65535 {
            return Err(SimError::Usage(format!(
                "--http-port {p}: ports {p}..{} are not all valid",
                p as usize + n - 1
            )));
        }
    }
    let log = log::RequestLog::open(args.log.as_deref()).map_err(|e| {
        SimError::System(format!(
            "cannot open the log {}: {e}",
            args.log.as_deref().unwrap_or(Path::new("")).display()
        ))
    })?;

    let mut devices = Vec::with_capacity(n);
    let mut listeners = Vec::with_capacity(n);
    for (i, &ip) in ips.iter().enumerate() {
        let l = bind_http(ip, args.http_port.map_or(0, |p| p + i as u16))?;
        let port = l
            .local_addr()
            .map_err(|e| SimError::System(e.to_string()))?
            .port();
        let id = Identity {
            index: i + 1,
            mac: device_mac(args.base_mac, i + 1)?,
            ip,
            http_port: port,
        };
        let dev = Device::new(id);
        {
            let mut st = dev.state();
            if let Some((u, p)) = &logins[i] {
                st.user = u.clone();
                st.password = p.clone();
                let pwd = settings::lookup("pwd").map_err(SimError::System)?;
                st.set(pwd, "1").map_err(SimError::System)?;
            }
            if let Some(m) = modes[i] {
                let mode = settings::lookup("mode").map_err(SimError::System)?;
                st.set(mode, if m { "1" } else { "0" })
                    .map_err(SimError::System)?;
            }
            st.flash_mode = faults[i].flash;
            st.faults = faults[i].with_flash(false);
        }
        devices.push(dev);
        listeners.push(l);
    }
    let (udp_port, sockets) = bind_udp(&udp_ips, args.udp_port)?;
    let control = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| SimError::System(format!("cannot bind the control port: {e}")))?;
    let control_port = control
        .local_addr()
        .map_err(|e| SimError::System(e.to_string()))?
        .port();

    let sim = Arc::new(Sim {
        devices,
        udp_port,
        scheme: args.auth,
        nonce: random_hex(16),
        reset_delay: Duration::from_millis(args.reset_delay_ms),
        log,
        parked: Mutex::new(Vec::new()),
    });
    for (i, l) in listeners.into_iter().enumerate() {
        let d = &sim.devices[i];
        let up = d.state().http_listening();
        *lock(&d.listener) = up.then_some(l);
        http::spawn_acceptor(sim.clone(), i);
    }
    for (i, s) in sockets.into_iter().enumerate() {
        udp::spawn(sim.clone(), i, s);
    }
    control::spawn(sim.clone(), control);

    if let Some(path) = &args.write_config {
        write_config(path, &sim)?;
    }
    let ready = Ready {
        ready: true,
        udp_port,
        control_port,
        devices: sim
            .devices
            .iter()
            .map(|d| ReadyDevice {
                index: d.id.index,
                name: d.id.name(),
                mac: d.id.mac,
                host: d.id.ip.to_string(),
                http_port: d.id.http_port,
                login: login_of(d),
            })
            .collect(),
    };
    let ready = serde_json::to_string(&ready).map_err(|e| SimError::System(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{ready}")
        .and_then(|_| out.flush())
        .map_err(|e| SimError::System(format!("cannot write the ready line: {e}")))?;
    drop(out);

    if args.exit_with_stdin {
        std::thread::spawn(|| {
            let mut buf = [0u8; 256];
            let mut stdin = std::io::stdin();
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) => std::process::exit(0),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => std::process::exit(0),
                }
            }
        });
    }
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ])
    .map_err(|e| SimError::System(format!("cannot handle signals: {e}")))?;
    if let Some(sig) = signals.forever().next() {
        eprintln!("berofos-sim: signal {sig}, exiting");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_options() {
        assert_eq!("all".parse::<Target>().unwrap(), Target::All);
        assert_eq!("2".parse::<Target>().unwrap(), Target::One(2));
        assert!("0".parse::<Target>().is_err());
        assert!(Target::One(3).resolve(2).is_err());
        assert_eq!(Target::All.resolve(2).unwrap(), vec![0, 1]);
        let (t, u, p) = parse_login("1=admin:se:cret").unwrap();
        assert_eq!(
            (t, u.as_str(), p.as_str()),
            (Target::One(1), "admin", "se:cret")
        );
        assert!(parse_login("1=admin").is_err());
        assert!(parse_mode("all=2").is_err());
        assert_eq!(parse_fault("all=slow:5").unwrap().1.slow_ms, 5);
    }

    fn args(a: &[&str]) -> Args {
        use clap::Parser;
        Args::try_parse_from(std::iter::once("berofos-sim").chain(a.iter().copied())).unwrap()
    }

    #[test]
    fn addresses_and_udp_binding() {
        let a = args(&[]);
        assert_eq!(
            device_ips(a.ip, 2).unwrap(),
            [DEFAULT_IP, "127.0.0.3".parse().unwrap()]
        );
        assert_eq!(udp_bind_ips(&a, &[DEFAULT_IP]).unwrap(), [DEFAULT_IP]);

        let a = args(&["--ip", "198.18.1.11", "--devices", "3"]);
        let ips = device_ips(a.ip, a.devices as usize).unwrap();
        let want: Vec<Ipv4Addr> = ["198.18.1.11", "198.18.1.12", "198.18.1.13"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(ips, want);
        assert_eq!(udp_bind_ips(&a, &ips).unwrap(), ips);
        // The last addresses of the space, and nonsense.
        assert!(device_ips("255.255.255.253".parse().unwrap(), 2).is_ok());
        let e = device_ips("255.255.255.253".parse().unwrap(), 3).unwrap_err();
        assert!(
            matches!(&e, SimError::Usage(m) if m.contains("device 3")),
            "{e}"
        );
        assert!(device_ips(Ipv4Addr::UNSPECIFIED, 1).is_err());
        assert!(device_ips("224.0.0.1".parse().unwrap(), 1).is_err());
        use clap::Parser;
        assert!(Args::try_parse_from(["berofos-sim", "--ip", "198.18.1"]).is_err());

        // --udp-any: the wildcard address, for one device only.
        let a = args(&["--udp-any", "--ip", "198.18.1.11"]);
        let ips = device_ips(a.ip, a.devices as usize).unwrap();
        assert_eq!(udp_bind_ips(&a, &ips).unwrap(), [Ipv4Addr::UNSPECIFIED]);
        let a = args(&["--udp-any", "--devices", "2"]);
        let ips = device_ips(a.ip, 2).unwrap();
        let e = udp_bind_ips(&a, &ips).unwrap_err();
        assert_eq!(e.exit_code(), EXIT_USAGE);
        assert!(e.to_string().contains("--devices 1"), "{e}");
    }

    #[test]
    fn default_ports_of_a_real_berofos() {
        let a = args(&["--http-port", "80", "--udp-port", "50123"]);
        assert_eq!((a.http_port, a.udp_port), (Some(80), Some(50123)));
        // An explicit 50123 is taken; a port the system picked never is.
        assert!(udp_port_ok(Some(50123), 50123));
        assert!(!udp_port_ok(None, proto::gbl4::DEFAULT_PORT));
        assert!(udp_port_ok(None, 40000));
        assert_eq!(proto::gbl4::DEFAULT_PORT, 50123);
    }

    #[test]
    fn macs() {
        let base: Mac = "00:19:32:00:00:FF".parse().unwrap();
        assert_eq!(
            device_mac(base, 1).unwrap().to_string(),
            "00:19:32:00:01:00"
        );
        assert!(device_mac(Mac([0xFF; 6]), 1).is_err());
    }
}
