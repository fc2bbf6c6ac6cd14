//! Concurrency and signals against the simulator: many processes at once are serialized
//! by the lock and leave a consistent state; SIGTERM/SIGINT end a long command promptly,
//! with a clear message, exit 1, the lock released and no temporary file left.

mod common;
use common::*;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::Value;
use std::process::{Child, Output};
use std::time::{Duration, Instant};
use xivo_berofos::config::ConfigFile;

/// Every answer of the simulator is delayed this long, so each process holds the lock
/// at least this long after its last request was logged.
const SLOW_MS: u64 = 200;

fn wait_output(child: Child, limit: Duration) -> Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("wait"),
        Err(_) => {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            panic!("process {pid} still running after {limit:?}");
        }
    }
}

fn http_writes(sim: &Sim) -> Vec<Value> {
    sim.requests()
        .into_iter()
        .filter(|r| {
            r["face"] == "http" && r["query"].as_str().is_some_and(|q| q.starts_with("cmd="))
        })
        .collect()
}

#[test]
fn twenty_concurrent_master_slave_set_are_serialized_per_berofos() {
    let sim = Sim::start(2, &["--fault", &format!("all=slow:{SLOW_MS}")]);
    // 20 processes at once: master, slave and `set modedef` on fos1, interleaved.
    let jobs: Vec<Vec<String>> = (0..20)
        .map(|i| match i % 3 {
            0 => vec!["master".to_string()],
            1 => vec!["slave".to_string()],
            _ => vec![
                "set".into(),
                format!("modedef={}", i % 2),
                "-f".into(),
                "fos1".into(),
            ],
        })
        .collect();
    let children: Vec<Child> = jobs
        .iter()
        .map(|args| {
            sim.std_cmd()
                .args(["-t", "5"])
                .args(args)
                .spawn()
                .expect("spawn")
        })
        .collect();
    for (c, args) in children.into_iter().zip(&jobs) {
        let out = wait_output(c, Duration::from_secs(60));
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    }

    // Each berofos has its own lock: on one device, the next process can only send
    // after the previous one's answer came, i.e. at least SLOW_MS after its request.
    // So the writes to one device are SLOW_MS apart if and only if they were
    // serialized (two processes at once on a device would be closer).
    let writes = http_writes(&sim);
    assert_eq!(
        writes.len(),
        7 * 2 + 7 * 2 + 6,
        "one request per device per process"
    );
    for device in [1u64, 2] {
        let mine: Vec<&Value> = writes.iter().filter(|w| w["device"] == device).collect();
        assert_eq!(mine.len(), if device == 1 { 20 } else { 14 }, "fos{device}");
        for pair in mine.windows(2) {
            let (t0, t1) = (
                pair[0]["ts_ms"].as_u64().unwrap(),
                pair[1]["ts_ms"].as_u64().unwrap(),
            );
            // ts_ms is truncated to the millisecond: SLOW_MS apart shows as >= SLOW_MS - 1.
            assert!(
                t1 - t0 >= SLOW_MS - 1,
                "fos{device}: two writers at once: {pair:#?}"
            );
        }
        // The relay (and fos1's modedef) is the last writer's.
        let last = |prefix: &str| {
            mine.iter().rev().find_map(|w| {
                w["query"]
                    .as_str()
                    .unwrap()
                    .strip_prefix(prefix)
                    .map(str::to_string)
            })
        };
        assert_eq!(
            Some(sim.mode(device as usize)),
            last("cmd=4&mode="),
            "fos{device}"
        );
        if device == 1 {
            assert_eq!(
                sim.state(1)["settings"]["modedef"]
                    .as_str()
                    .map(str::to_string),
                last("cmd=1&rm=")
            );
        }
        for w in &mine {
            let q = w["query"].as_str().unwrap();
            assert!(
                q.starts_with("cmd=4&mode=") || (device == 1 && q.starts_with("cmd=1&rm=")),
                "unexpected request {q}"
            );
        }
    }
}

#[test]
fn twenty_concurrent_scan_x_never_lose_or_corrupt_the_config() {
    let sim = Sim::start(4, &[]);
    // The admin's file: two known devices with logins, one at an old address, comments.
    let original = format!(
        "# berofos of the Lyon site\n[fos1]\nmac = {}\nhost = {}\nlogin = admin:pa:ss#1 ;x\\\n\n[fos2]\n; moved last week\nmac = {}\nhost = 10.99.99.99\nlogin = root:s3cr&t\nport = {}\n",
        sim.mac(1),
        sim.host(1),
        sim.mac(2),
        sim.http_port(2)
    );
    sim.write_config(&original);
    let children: Vec<(usize, Child)> = (0..20)
        .map(|i| {
            let k = i % 4 + 1;
            let c = sim
                .std_cmd()
                // --update-hosts: fos1 has a login, and its host is to move too.
                .args([
                    "-t",
                    "3",
                    "scan",
                    "-x",
                    "--update-hosts",
                    "-h",
                    &sim.host(k),
                ])
                .spawn()
                .expect("spawn");
            (k, c)
        })
        .collect();
    for (k, c) in children {
        let out = wait_output(c, Duration::from_secs(60));
        assert!(
            out.status.success(),
            "scan -h device {k}: {}",
            stderr_of(&out)
        );
    }
    let text = sim.config_text();
    let cfg = ConfigFile::parse(&sim.config, &text);
    assert!(cfg.warnings.is_empty(), "{:?}\n{text}", cfg.warnings);
    assert_eq!(cfg.sections.len(), 4, "{text}");
    for k in 1..=4 {
        let hits: Vec<_> = cfg
            .sections
            .iter()
            .filter(|s| s.mac.map(|m| m.to_string()) == Some(sim.mac(k)))
            .collect();
        assert_eq!(hits.len(), 1, "device {k} exactly once:\n{text}");
        assert!(hits[0].errors.is_empty(), "{:?}", hits[0].errors);
        assert_eq!(
            hits[0].host.as_deref(),
            Some(sim.host(k).as_str()),
            "{text}"
        );
    }
    let s1 = cfg.section("fos1").unwrap();
    assert_eq!(s1.login.as_ref().unwrap().password, "pa:ss#1 ;x\\");
    let s2 = cfg.section("fos2").unwrap();
    assert_eq!(s2.login.as_ref().unwrap().user, "root");
    assert_eq!(s2.login.as_ref().unwrap().password, "s3cr&t");
    assert_eq!(s2.port, Some(sim.http_port(2)));
    assert!(
        text.starts_with("# berofos of the Lyon site\n[fos1]\n"),
        "{text}"
    );
    assert!(text.contains("; moved last week\n"), "{text}");
    assert_no_temporary_file(&sim);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&sim.config).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

fn assert_no_temporary_file(sim: &Sim) {
    let left: Vec<String> = std::fs::read_dir(sim.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".bnfos.conf."))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// A non-blocking exclusive flock on a lock file, as another command would take it.
fn try_lock_path(
    path: &std::path::Path,
) -> Result<nix::fcntl::Flock<std::fs::File>, nix::errno::Errno> {
    use nix::fcntl::{Flock, FlockArg};
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .expect("lock file");
    Flock::lock(f, FlockArg::LockExclusiveNonblock).map_err(|(_, e)| e)
}

/// The simulator's configuration-file lock (scan -x).
fn try_lock(sim: &Sim) -> Result<nix::fcntl::Flock<std::fs::File>, nix::errno::Errno> {
    try_lock_path(&sim.lock_path())
}

/// Every lock is free: the configuration file's and each berofos's.
fn assert_lock_free(sim: &Sim) {
    let mut paths = vec![sim.lock_path()];
    for k in 1..=sim.devices() {
        paths.extend(sim.device_lock_paths(k));
    }
    for p in paths {
        assert!(
            try_lock_path(&p).is_ok(),
            "the lock {} is still held",
            p.display()
        );
    }
}

/// Sends `sig` once `started` holds, then checks the process ends within 1.5 s with
/// exit 128 + the signal (143, 130: not 1, a failed berofos) and a message containing every `expect`; the lock is free and another command
/// takes it at once; no temporary file is left.
fn interrupt(
    sim: &Sim,
    child: Child,
    sig: Signal,
    started: impl Fn(&Sim) -> bool,
    expect: &[&str],
) -> String {
    assert!(
        wait_until(Duration::from_secs(20), || started(sim)),
        "the command did not start its work"
    );
    let sent = Instant::now();
    kill(Pid::from_raw(child.id() as i32), sig).expect("kill");
    let out = wait_output(child, Duration::from_secs(15));
    let took = sent.elapsed();
    let err = stderr_of(&out);
    assert!(
        took < Duration::from_millis(1500),
        "ended {took:?} after {sig}: {err}"
    );
    assert_eq!(out.status.code(), Some(128 + sig as i32), "{sig}: {err}");
    for e in expect {
        assert!(err.contains(e), "{sig}: expected '{e}' in:\n{err}");
    }
    assert_lock_free(sim);
    assert_no_temporary_file(sim);
    err
}

/// Another command that needs the lock runs right away (the lock timeout is 30 s).
fn lock_taken_right_after(sim: &Sim, args: &[&str]) {
    let start = Instant::now();
    let out = wait_output(
        sim.std_cmd().args(args).spawn().unwrap(),
        Duration::from_secs(20),
    );
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

fn gbl4_requests(sim: &Sim, cmd: u64) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r["face"] == "gbl4" && r["cmd"] == cmd)
        .count()
}

fn scan_x_interrupted(sig: Signal) {
    // The device answers the scan after 4 s; the scan waits up to 5 s.
    let sim = Sim::start(2, &["--fault", "2=slow:4000"]);
    let before = sim.config_text();
    let child = sim
        .std_cmd()
        .args(["-t", "5", "scan", "-x", "-h", &sim.host(2)])
        .spawn()
        .unwrap();
    let err = interrupt(
        &sim,
        child,
        sig,
        |s| gbl4_requests(s, 1) >= 1,
        &[
            "scan (fos2, 127.0.0.3) interrupted by a signal",
            "was left as it was",
        ],
    );
    assert_eq!(sim.config_text(), before, "{err}");
    lock_taken_right_after(&sim, &["-t", "2", "scan", "-x", "-h", &sim.host(1)]);
}

#[test]
fn sigterm_during_scan_x() {
    scan_x_interrupted(Signal::SIGTERM);
}

#[test]
fn sigint_during_scan_x() {
    scan_x_interrupted(Signal::SIGINT);
}

fn flash_interrupted(sig: Signal) {
    let sim = Sim::start(1, &["--fault", "1=flash+slow:20"]);
    let fw = sim.dir.path().join("fw.bin");
    std::fs::write(&fw, vec![0x5Au8; 300 * 512]).unwrap();
    let child = sim
        .std_cmd()
        .args(["-t", "2", "flash", fw.to_str().unwrap(), "-f", "fos1"])
        .spawn()
        .unwrap();
    let err = interrupt(
        &sim,
        child,
        sig,
        |s| gbl4_requests(s, 4) >= 5,
        &[
            "fos1 (127.0.0.2): flash interrupted by a signal after",
            "of 300 pages",
            "flash again",
        ],
    );
    assert!(
        !sim.state(1)["flash_complete"].as_bool().unwrap_or(true),
        "{err}"
    );
    sim.fault("1", "flash");
    lock_taken_right_after(&sim, &["-t", "2", "reset", "-f", "fos1"]);
}

#[test]
fn sigterm_during_flash() {
    flash_interrupted(Signal::SIGTERM);
}

#[test]
fn sigint_during_flash() {
    flash_interrupted(Signal::SIGINT);
}

fn master_interrupted(sig: Signal) {
    let sim = Sim::start(2, &["--fault", "2=hang"]);
    let child = sim.std_cmd().args(["-t", "10", "master"]).spawn().unwrap();
    let err = interrupt(
        &sim,
        child,
        sig,
        |s| !s.http_requests(2).is_empty(),
        &[
            "fos2 (127.0.0.3): interrupted by a signal before the berofos answered",
            "xivo-berofos status -f fos2",
        ],
    );
    assert_eq!(sim.mode(1), "1", "the healthy one was switched: {err}");
    sim.fault("2", "none");
    lock_taken_right_after(&sim, &["-t", "2", "slave"]);
    assert_eq!((sim.mode(1), sim.mode(2)), ("0".into(), "0".into()));
}

#[test]
fn sigterm_during_master_with_a_hung_berofos() {
    master_interrupted(Signal::SIGTERM);
}

#[test]
fn sigint_during_master_with_a_hung_berofos() {
    master_interrupted(Signal::SIGINT);
}

#[test]
fn sigterm_while_waiting_for_the_lock() {
    let sim = Sim::start(1, &["--fault", "1=hang"]);
    let holder = sim.std_cmd().args(["-t", "20", "master"]).spawn().unwrap();
    assert!(wait_until(Duration::from_secs(10), || !sim
        .http_requests(1)
        .is_empty()));
    let waiter = sim.std_cmd().args(["-t", "2", "slave"]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    interrupt_only(
        waiter,
        Signal::SIGTERM,
        "interrupted by a signal while waiting for the lock",
    );
    interrupt_only(
        holder,
        Signal::SIGTERM,
        "interrupted by a signal before the berofos answered",
    );
    assert_lock_free(&sim);
}

fn interrupt_only(child: Child, sig: Signal, expect: &str) {
    kill(Pid::from_raw(child.id() as i32), sig).unwrap();
    let sent = Instant::now();
    let out = wait_output(child, Duration::from_secs(15));
    assert!(
        sent.elapsed() < Duration::from_millis(1500),
        "{:?}",
        sent.elapsed()
    );
    assert_eq!(
        out.status.code(),
        Some(128 + sig as i32),
        "{}",
        stderr_of(&out)
    );
    assert!(stderr_of(&out).contains(expect), "{}", stderr_of(&out));
}

/// True once process `pid` is blocked reading its stdin.
fn reading_stdin(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/syscall"))
        .is_ok_and(|s| s.split_whitespace().take(2).eq(["0", "0x0"]))
}

/// True once no signal is pending for process `pid` (it has handled what came).
fn no_signal_pending(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|s| {
        s.lines()
            .filter(|l| l.starts_with("SigPnd:") || l.starts_with("ShdPnd:"))
            .all(|l| {
                l.split_whitespace()
                    .nth(1)
                    .is_some_and(|v| v.trim_start_matches('0').is_empty())
            })
    })
}

/// A second signal ends the command at once with the shell's convention, 128 + the
/// signal: 143 for SIGTERM (it was 130, SIGINT's code, for both), 130 for SIGINT.
/// `set apwd` waiting for the password on stdin does not end on the first signal (the
/// read goes on), so the second one is what ends it.
#[test]
fn a_second_signal_ends_at_once_with_128_plus_the_signal() {
    let sim = Sim::start(1, &[]);
    for (first, second, code) in [
        (Signal::SIGINT, Signal::SIGTERM, 143),
        (Signal::SIGTERM, Signal::SIGINT, 130),
    ] {
        let mut child = sim
            .std_cmd()
            .args(["set", "apwd", "-f", "fos1"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let _stdin = child.stdin.take();
        let pid = child.id();
        assert!(
            wait_until(Duration::from_secs(10), || reading_stdin(pid)),
            "the command did not wait for the password"
        );
        kill(Pid::from_raw(pid as i32), first).unwrap();
        assert!(
            wait_until(Duration::from_secs(10), || no_signal_pending(pid)),
            "{first} not handled"
        );
        kill(Pid::from_raw(pid as i32), second).unwrap();
        let out = wait_output(child, Duration::from_secs(15));
        assert_eq!(
            out.status.code(),
            Some(code),
            "{first} then {second}: {}",
            stderr_of(&out)
        );
    }
    assert!(sim.http_requests(1).is_empty());
}

/// `scan -x` resolves the host names of the file before it takes the device lock (a
/// resolver has no time limit; a promotion must not wait behind DNS). glibc's resolver
/// opens the `HOSTALIASES` file for a name without a dot before it asks any name
/// server: a FIFO there shows when the lookup starts and holds it there, so no query
/// leaves the machine. The test holds the lock meanwhile.
#[test]
fn scan_x_resolves_host_names_before_taking_the_lock() {
    use std::os::unix::fs::OpenOptionsExt;
    let sim = Sim::start(1, &[]);
    let text = sim.config_text().replace(
        &format!("host = {}", sim.host(1)),
        "host = berofos-dns-test",
    );
    assert!(text.contains("berofos-dns-test"));
    sim.write_config(&text);
    let fifo = sim.dir.path().join("hostaliases");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    let held = try_lock(&sim).expect("take the lock");
    let mut child = sim
        .std_cmd()
        .env("HOSTALIASES", &fifo)
        .args(["-t", "2", "scan", "-x", "-h", &sim.host(1)])
        .spawn()
        .unwrap();
    // Opening the FIFO for writing without blocking works once the resolver opens it.
    let mut writer = None;
    let resolving = wait_until(Duration::from_secs(15), || {
        writer = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(nix::libc::O_NONBLOCK)
            .open(&fifo)
            .ok();
        writer.is_some()
    });
    // Killed while the lookup waits on the FIFO (still open here): nothing is asked of
    // a name server.
    let _ = child.kill();
    let _ = child.wait();
    drop(writer);
    drop(held);
    assert!(
        resolving,
        "scan -x did not look the host name up while another process held the lock"
    );
    assert_eq!(sim.config_text(), text);
}

/// A flash of fos1 holds only fos1's lock: `master` during it switches fos2 and fos3
/// at once and names fos1 and the flash's pid, while the flash still runs; a later
/// `master` switches fos1 too (issue 14, item 3).
#[test]
fn master_during_a_flash_of_fos1_switches_the_others_and_names_fos1() {
    let sim = Sim::start(3, &["--device-mode", "all=0", "--fault", "1=flash+slow:20"]);
    let fw = sim.dir.path().join("fw.bin");
    std::fs::write(&fw, vec![0x5Au8; 300 * 512]).unwrap();
    let mut flash = sim
        .std_cmd()
        .args(["-t", "2", "flash", fw.to_str().unwrap(), "-f", "fos1"])
        .spawn()
        .unwrap();
    assert!(
        wait_until(Duration::from_secs(20), || gbl4_requests(&sim, 4) >= 5),
        "the flash did not start"
    );
    let out = wait_output(
        sim.std_cmd().args(["-t", "2", "master"]).spawn().unwrap(),
        Duration::from_secs(60),
    );
    let still_flashing = flash.try_wait().unwrap().is_none();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "fos1 (127.0.0.2): busy: pid {}, xivo-berofos flash holds this berofos (flash mode) – nothing was changed on it",
            flash.id()
        )),
        "{err}"
    );
    assert_eq!(
        (sim.mode(2), sim.mode(3)),
        ("1".into(), "1".into()),
        "{err}"
    );
    assert!(still_flashing, "master waited for the flash: {err}");
    let done = wait_output(flash, Duration::from_secs(60));
    assert!(done.status.success(), "{}", stderr_of(&done));
    assert_lock_free(&sim);
}
