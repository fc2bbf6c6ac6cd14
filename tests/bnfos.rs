//! `bnfos` (the vendor's command line) and `xivo-berofos -q --syslog master|slave` (as
//! XiVO's own HA scripts call it), against a real `berofos-sim` on loopback.
//!
//! `bnfos` is the same binary under another name: each test links it into the
//! simulator's folder, as the package links /usr/sbin/bnfos.

mod common;

use common::{path_str, stderr_of, stdout_of, Sim, BIN};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::Duration;

/// `bnfos` linked beside the simulator's files.
fn bnfos_path(sim: &Sim) -> PathBuf {
    let p = sim.dir.path().join("bnfos");
    if !p.exists() {
        std::os::unix::fs::symlink(BIN, &p).expect("link bnfos");
    }
    p
}

/// `bnfos ARGS --config <the simulator's bnfos.conf>` (our long option: the vendor's
/// tool only knew /etc/bnfos.conf).
fn bnfos(sim: &Sim, args: &[&str]) -> std::process::Output {
    let mut c = std::process::Command::new(bnfos_path(sim));
    c.env("BEROFOS_GBL4_PORT", sim.udp_port.to_string())
        .env("XIVO_BEROFOS_LOCK_DIR", sim.dir.path())
        .env_remove("XIVO_BEROFOS_PASSWORD")
        .args(args)
        .arg("--config")
        .arg(&sim.config)
        .stdin(std::process::Stdio::null());
    run_bounded(c)
}

/// Runs a command, killing it after 30 s.
fn run_bounded(mut c: std::process::Command) -> std::process::Output {
    use std::process::Stdio;
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let guard = std::thread::spawn(move || {
        if rx.recv_timeout(Duration::from_secs(30)).is_err() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    });
    let out = child.wait_with_output().expect("wait");
    let _ = tx.send(());
    let _ = guard.join();
    out
}

fn ok(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        stdout_of(out),
        stderr_of(out)
    );
}

#[test]
fn the_vendor_forms_against_the_simulator() {
    let sim = Sim::start(1, &[]);
    std::fs::remove_file(&sim.config).unwrap();
    let host = sim.host(1);

    // --scan -x -h HOST writes the file the vendor's way (fos1, mac, host, a login comment).
    let out = bnfos(&sim, &["--scan", "-x", "-h", &host]);
    ok(&out, "--scan -x -h");
    assert!(stdout_of(&out).contains(&sim.mac(1)), "{}", stdout_of(&out));
    let conf = sim.config_text();
    assert!(
        conf.contains("[fos1]") && conf.contains(&format!("host = {host}")),
        "{conf}"
    );
    assert!(conf.contains("#login = <user>:<password>"), "{conf}");
    // --scan without -x only prints.
    let out = bnfos(&sim, &["--scan", "-h", &host]);
    ok(&out, "--scan -h");
    assert_eq!(sim.config_text(), conf);

    // --set / --get / --show with -f, with -h (and -p), and bundled short options.
    ok(
        &bnfos(&sim, &["--set", "wdog=0", "-f", "fos1"]),
        "--set wdog=0",
    );
    ok(
        &bnfos(&sim, &["--set=scenario=0", "-f", "fos1"]),
        "--set=scenario=0",
    );
    let port = sim.http_port(1).to_string();
    let out = bnfos(&sim, &["--get", "wdog", "-h", &host, "-p", &port]);
    ok(&out, "--get -h -p");
    assert_eq!(stdout_of(&out).trim(), "0");
    let out = bnfos(&sim, &["--show", "-f", "fos1"]);
    ok(&out, "--show");
    assert!(stdout_of(&out).contains("scenario"), "{}", stdout_of(&out));
    assert_eq!(sim.state(1)["settings"]["wdog"], "0");

    // --ping and --kick over UDP, by section and by MAC.
    ok(&bnfos(&sim, &["--ping", "-f", "fos1"]), "--ping -f");
    ok(
        &bnfos(&sim, &["--kick", "-m", &sim.mac(1), "-h", &host]),
        "--kick -m -h",
    );

    // Flash mode: --netconf, --flash, --reset.
    sim.control("/power-cycle?device=1&flash=1");
    let out = bnfos(
        &sim,
        &[
            "--netconf",
            "-f",
            "fos1",
            "-i",
            "10.34.1.20",
            "-n",
            "255.255.255.0",
            "-g",
            "10.34.1.1",
            "-d",
            "0",
        ],
    );
    ok(&out, "--netconf");
    assert!(
        stderr_of(&out).contains("host = 10.34.1.20"),
        "{}",
        stderr_of(&out)
    );
    let st = sim.state(1);
    assert_eq!(st["settings"]["address"], "10.34.1.20");
    assert_eq!(st["settings"]["dhcp"], "0");
    let fw = sim.dir.path().join("bnfos_v153.bin");
    std::fs::write(&fw, vec![0x5Au8; 3 * 512 + 7]).unwrap();
    ok(
        &bnfos(&sim, &["--flash", path_str(&fw), "-f", "fos1"]),
        "--flash",
    );
    assert_eq!(sim.state(1)["flash_complete"], true);
    ok(&bnfos(&sim, &["--reset", "-f", "fos1"]), "--reset");
}

#[test]
fn bnfos_errors_are_ours() {
    let sim = Sim::start(1, &["--fault", "1=dead"]);
    // A device failure: exit 1, named, with what to do.
    let out = bnfos(&sim, &["--set", "mode=1", "-f", "fos1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("fos1 (127.0.0.2)"), "{err}");
    // Usage: exit 2, in the vendor's words where they still hold.
    for args in [
        &["--set", "mode=7", "-f", "fos1"][..],
        &["--scan", "-f", "fos1"],
        &["--ping", "-c", "-f", "fos1"],
        &["-f", "fos1"],
        &[],
    ] {
        let out = bnfos(&sim, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
    }
    // A bad configuration file: exit 6.
    sim.write_config("[fos1]\nmac = nonsense\n");
    let out = bnfos(&sim, &["--get", "mode", "-f", "fos1"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr_of(&out));
    // --help is ours, on stdout, exit 0; -h is the host.
    let out = bnfos(&sim, &["--help"]);
    ok(&out, "--help");
    assert!(stdout_of(&out).contains("--netconf"));
}

/// A syslog socket read by a thread, so the program never waits on it.
struct Syslog {
    path: PathBuf,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Syslog {
    fn bind(sim: &Sim) -> Syslog {
        let path = sim.dir.path().join("syslog.sock");
        let sock = UnixDatagram::bind(&path).expect("syslog socket");
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let l = lines.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match sock.recv(&mut buf) {
                    Ok(n) => l
                        .lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&buf[..n]).into_owned()),
                    Err(e)
                        if e.kind() == std::io::ErrorKind::WouldBlock
                            || e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => return,
                }
            }
        });
        Syslog { path, lines }
    }

    /// Every line received so far (the program has exited: its datagrams are queued).
    fn take(&self) -> String {
        std::thread::sleep(Duration::from_millis(250));
        std::mem::take(&mut *self.lines.lock().unwrap()).join("\n")
    }
}

/// `xivo-berofos -q --syslog STATE` as xivo-manage-slave-services runs it.
fn ha(sim: &Sim, log: &Syslog, state: &str) -> std::process::Output {
    let mut c = sim.std_cmd();
    c.env("XIVO_BEROFOS_SYSLOG_SOCKET", &log.path)
        .args(["-q", "--syslog", state]);
    run_bounded(c)
}

#[test]
fn xivo_ha_scripts_call_it_as_before() {
    let sim = Sim::start(2, &["--login", "all=admin:Ha-Secret"]);
    let log = Syslog::bind(&sim);

    // The slave takes over: every berofos to 0 (A--D); nothing on stdout or stderr.
    let out = ha(&sim, &log, "slave");
    ok(&out, "-q --syslog slave");
    assert_eq!(stdout_of(&out), "");
    assert_eq!(stderr_of(&out), "");
    assert_eq!((sim.mode(1), sim.mode(2)), ("0".into(), "0".into()));
    let logged = log.take();
    for d in ["fos1 (127.0.0.2)", "fos2 (127.0.0.3)"] {
        let line = format!("setting berofos relay mode to 0 (A--D) for {d}");
        assert!(logged.contains(&line), "{line}\n{logged}");
    }
    assert!(logged.contains("xivo-berofos["), "tagged: {logged}");
    assert!(!logged.contains("Ha-Secret"), "{logged}");

    // The master is back.
    let out = ha(&sim, &log, "master");
    ok(&out, "-q --syslog master");
    assert_eq!(
        (stdout_of(&out), stderr_of(&out)),
        (String::new(), String::new())
    );
    assert_eq!((sim.mode(1), sim.mode(2)), ("1".into(), "1".into()));
    assert!(log
        .take()
        .contains("setting berofos relay mode to 1 (A--B) for fos2 (127.0.0.3)"));

    // One berofos does not switch: the other does, the failure is named on stderr and in
    // syslog, and the exit status is 1 (the old script said 0).
    sim.fault("2", "dead");
    let out = ha(&sim, &log, "slave");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_of(&out), "");
    let err = stderr_of(&out);
    assert!(
        err.contains("fos2 (127.0.0.3)") && !err.contains("fos1"),
        "{err}"
    );
    assert_eq!(sim.mode(1), "0");
    let logged = log.take();
    assert!(
        logged.contains("fos2 (127.0.0.3)") && logged.contains("<27>"),
        "error at daemon.err: {logged}"
    );

    // Not configured: nothing to do, exit 0, silent, and said in syslog.
    let mut c = std::process::Command::new(BIN);
    c.env("XIVO_BEROFOS_SYSLOG_SOCKET", &log.path)
        .env("XIVO_BEROFOS_LOCK_DIR", sim.dir.path())
        .args([
            "-c",
            path_str(&sim.dir.path().join("absent.conf")),
            "-q",
            "--syslog",
            "master",
        ]);
    let out = run_bounded(c);
    ok(&out, "not configured");
    assert_eq!(
        (stdout_of(&out), stderr_of(&out)),
        (String::new(), String::new())
    );
    assert!(log
        .take()
        .contains("berofos is not configured -- doing nothing"));
}
