//! The HTTP face of a simulated berofos (operational mode only).
//!
//! `GET /config.txt` reads the settings, `GET /?cmd=N&…` writes them (rows of the
//! settings table), with optional Basic/Digest authentication and the HTTP faults.
//! The listener exists only while the face is up: in flash mode and under `dead` it
//! is closed, so connections are refused; it is bound again when the face comes back.

use crate::auth;
use crate::device::{lock, Device, DeviceState};
use crate::log::HttpEntry;
use crate::wire::{read_request, ReadError, Request, Response};
use crate::{random_hex, Sim};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// How often an idle acceptor looks for a connection (the listener is non-blocking so
/// that it can be closed at any time).
const ACCEPT_POLL: Duration = Duration::from_millis(5);

/// Opens or closes a device's listener to match its state. Call with the state locked,
/// right after changing it, so the change is visible when the caller answers.
pub fn sync_listener(dev: &Device, st: &DeviceState) {
    let mut l = lock(&dev.listener);
    match (st.http_listening(), l.is_some()) {
        (true, false) => {
            let bound = TcpListener::bind((dev.id.ip, dev.id.http_port))
                .and_then(|s| s.set_nonblocking(true).map(|_| s));
            match bound {
                Ok(s) => *l = Some(s),
                Err(e) => eprintln!(
                    "berofos-sim: {}: cannot listen again on {}:{}: {e}",
                    dev.id.name(),
                    dev.id.ip,
                    dev.id.http_port
                ),
            }
        }
        (false, true) => {
            // Stop listening now, for every descriptor of the socket: the acceptor may
            // be polling a duplicate of it, which would keep it listening a moment
            // longer (Linux takes a listening socket out of LISTEN on shutdown).
            if let Some(old) = l.take() {
                use std::os::fd::AsRawFd;
                let _ =
                    nix::sys::socket::shutdown(old.as_raw_fd(), nix::sys::socket::Shutdown::Both);
            }
        }
        _ => {}
    }
}

/// The accept loop of device `i`: one thread per connection. It waits for a connection
/// with poll(2), at most ACCEPT_POLL at a time, so a connection is accepted at once (a
/// plain sleep between tries would add up to ACCEPT_POLL to every request, which the
/// benchmarks would then measure). The poll runs on a duplicate of the listener, outside
/// the lock: a loop that polled while holding it would take it back at once after each
/// round and starve [`sync_listener`] (a control request waited seconds for it).
pub fn spawn_acceptor(sim: Arc<Sim>, i: usize) {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    let wait = PollTimeout::try_from(ACCEPT_POLL).unwrap_or(PollTimeout::ZERO);
    std::thread::spawn(move || loop {
        let probe = lock(&sim.devices[i].listener)
            .as_ref()
            .and_then(|l| l.try_clone().ok());
        let Some(probe) = probe else {
            std::thread::sleep(ACCEPT_POLL);
            continue;
        };
        let mut fds = [PollFd::new(probe.as_fd(), PollFlags::POLLIN)];
        let ready = matches!(poll(&mut fds, wait), Ok(n) if n > 0);
        drop(probe);
        if !ready {
            continue;
        }
        // Accept on the listener itself, if it is still open (a fault may have closed
        // it meanwhile: the connection is then refused, as by a dead device).
        let accepted = lock(&sim.devices[i].listener)
            .as_ref()
            .and_then(|l| l.accept().ok());
        if let Some((stream, _)) = accepted {
            let sim = sim.clone();
            std::thread::spawn(move || serve(&sim, i, stream));
        }
    });
}

fn page(title: &str, text: &str) -> String {
    format!(
        "<html><head><title>berofos - {title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>\n"
    )
}

/// What to answer, decided with the state locked.
fn answer(sim: &Sim, st: &mut DeviceState, req: &Request) -> (Response, Option<bool>) {
    let f = &st.faults;
    let basic_challenge = || {
        let mut r = Response::html(401, page("401 Unauthorized", "Authorization required."));
        r.headers
            .push(("WWW-Authenticate", auth::challenge(auth::Scheme::Basic, "")));
        r
    };
    if f.http500 {
        return (
            Response::html(500, page("500 Internal Server Error", "")),
            None,
        );
    }
    if f.deny {
        return (basic_challenge(), None);
    }
    let authorized = !st.auth_on()
        || auth::check(
            sim.scheme,
            req.header("authorization"),
            &req.method,
            &sim.nonce,
            &st.user,
            &st.password,
        );
    if !authorized {
        let mut r = Response::html(401, page("401 Unauthorized", "Authorization required."));
        r.headers
            .push(("WWW-Authenticate", auth::challenge(sim.scheme, &sim.nonce)));
        return (r, None);
    }
    if req.method != "GET" && req.method != "HEAD" {
        return (
            Response::html(405, page("405 Method Not Allowed", "")),
            None,
        );
    }
    match req.path.as_str() {
        "/config.txt" => {
            let body = if f.garbage {
                format!(
                    "<html><body>Internal error {}\nplease reload</body></html>\n",
                    random_hex(12)
                )
            } else {
                st.config_txt(f.crlf)
            };
            (Response::new(200, "text/plain", body), None)
        }
        "/" | "/index.html" if req.query.is_some() => {
            let applied = st.apply_query(&req.query_pairs());
            let text = if applied {
                "Settings saved."
            } else {
                "Nothing changed."
            };
            (Response::html(200, page("berofos", text)), Some(applied))
        }
        "/" | "/index.html" => (
            Response::html(200, page("berofos", "beroNet berofos failover switch")),
            None,
        ),
        _ => (Response::html(404, page("404 Not Found", "")), None),
    }
}

/// One connection: read the request, log it, answer it (or not, under `hang`).
fn serve(sim: &Sim, i: usize, mut stream: TcpStream) {
    let dev = &sim.devices[i];
    let _ = stream.set_nonblocking(false);
    let req = match read_request(&mut stream) {
        Ok(r) => r,
        Err(ReadError::Closed) => return,
        Err(ReadError::Malformed(why)) => {
            let hang = {
                let mut st = dev.state();
                st.http_requests += 1;
                st.faults.hang
            };
            sim.log.http(&HttpEntry {
                device: dev.id.index,
                method: None,
                path: None,
                query: None,
                authorization: None,
                status: (!hang).then_some(400),
                applied: None,
            });
            if hang {
                sim.park(stream);
            } else {
                let _ = Response::html(400, page("400 Bad Request", &why)).send(&mut stream, false);
            }
            return;
        }
    };
    let mut st = dev.state();
    st.http_requests += 1;
    let entry = |status, applied| HttpEntry {
        device: dev.id.index,
        method: Some(&req.method),
        path: Some(&req.path),
        query: req.query.as_deref(),
        authorization: req.header("authorization"),
        status,
        applied,
    };
    if st.faults.hang {
        drop(st);
        sim.log.http(&entry(None, None));
        sim.park(stream);
        return;
    }
    let (resp, applied) = answer(sim, &mut st, &req);
    let delay = st.faults.delay();
    drop(st);
    sim.log.http(&entry(Some(resp.status), applied));
    if let Some(d) = delay {
        std::thread::sleep(d);
    }
    let _ = resp.send(&mut stream, req.method == "HEAD");
}
