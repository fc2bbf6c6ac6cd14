//! The HTTP face (docs/protocol.md §1): read `config.txt`, write one setting, authenticate.
//!
//! Requests are shaped like the vendor's (libcurl, `CURLAUTH_ANY`): header names as
//! libcurl writes them (`Host` first, then `Authorization`, `User-Agent`, `Accept`),
//! and no credentials until a berofos asks for them with a `401`. Its challenge is
//! answered once (Digest if it offers Digest, else Basic), and what it asked for is
//! remembered for that device for the rest of the process, as libcurl does on one
//! handle. Every request is bounded by a timeout, bodies are capped, redirects are not
//! followed. Error texts are built from the failure's kind, never from reqwest's
//! message: that one quotes the URL, and a URL may carry a password (`apwd=`).

use crate::error::Problem;
use crate::login::Login;
use crate::settings::ConfigTxt;
use reqwest::blocking::{Client, Response};
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, HOST, USER_AGENT, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Larger bodies are not a berofos's.
pub const BODY_CAP: u64 = 64 * 1024;

/// Ours, in the vendor's place (`libbnfos`).
pub const USER_AGENT_VALUE: &str = concat!("xivo-berofos/", env!("CARGO_PKG_VERSION"));

/// Where a berofos listens and how to log in.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub login: Option<Login>,
}

/// What a berofos asked for, remembered per device (host and port).
#[derive(Clone, Debug)]
enum Asked {
    Basic,
    /// The challenge, answered again with the next nonce count.
    Digest(digest_auth::WwwAuthenticateHeader),
}

/// One client for the whole process (connections and the runtime are shared by every
/// device thread), and what each device asked for.
#[derive(Clone)]
pub struct Http {
    client: Client,
    asked: Arc<Mutex<HashMap<(String, u16), Asked>>>,
}

impl Http {
    pub fn new() -> Result<Http, Problem> {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .tcp_nodelay(true)
            .http1_only()
            .http1_title_case_headers()
            .timeout(None)
            .build()
            .map_err(|_| Problem::Network("cannot set up the HTTP client".into()))?;
        Ok(Http {
            client,
            asked: Arc::default(),
        })
    }

    fn remembered(&self, ep: &Endpoint) -> Option<Asked> {
        ep.login.as_ref()?;
        let asked = self.asked.lock().unwrap_or_else(|e| e.into_inner());
        asked.get(&(ep.host.clone(), ep.port)).cloned()
    }

    fn remember(&self, ep: &Endpoint, what: Asked) {
        let mut asked = self.asked.lock().unwrap_or_else(|e| e.into_inner());
        asked.insert((ep.host.clone(), ep.port), what);
    }

    /// One request, its headers in libcurl's order.
    fn send(
        &self,
        ep: &Endpoint,
        target: &str,
        auth: Option<&Credentials>,
        timeout: Duration,
    ) -> Result<Response, Problem> {
        let host = bracket(&ep.host);
        let url = format!("http://{host}:{}{target}", ep.port);
        let host_header = if ep.port == 80 {
            host
        } else {
            format!("{host}:{}", ep.port)
        };
        let mut req = self
            .client
            .get(&url)
            .timeout(timeout)
            .header(HOST, host_header);
        match auth {
            Some(Credentials::Basic(l)) => req = req.basic_auth(&l.user, Some(&l.password)),
            Some(Credentials::Header(h)) => req = req.header(AUTHORIZATION, h.clone()),
            None => {}
        }
        req.header(USER_AGENT, USER_AGENT_VALUE)
            .header(ACCEPT, "*/*")
            .send()
            .map_err(|e| classify(&e, ep.port, timeout))
    }

    /// The credentials for what a device asked (`Digest` counts one more nonce use).
    fn answer(
        &self,
        ep: &Endpoint,
        login: &Login,
        asked: Asked,
        target: &str,
    ) -> Result<Credentials, Problem> {
        match asked {
            Asked::Basic => {
                self.remember(ep, Asked::Basic);
                Ok(Credentials::Basic(login.clone()))
            }
            Asked::Digest(mut prompt) => {
                let ctx = digest_auth::AuthContext::new(
                    login.user.as_str(),
                    login.password.as_str(),
                    target,
                );
                let header = prompt
                    .respond(&ctx)
                    .map_err(|_| Problem::BadAnswer("unsupported Digest challenge".into()))?
                    .to_header_string();
                self.remember(ep, Asked::Digest(prompt));
                let mut value = HeaderValue::from_str(&header)
                    .map_err(|_| Problem::BadAnswer("unusable Digest challenge".into()))?;
                value.set_sensitive(true);
                Ok(Credentials::Header(value))
            }
        }
    }

    /// GET `target`: without credentials unless this device already asked for them;
    /// a `401` that names a scheme is answered once; returns the capped body of a 2xx.
    pub fn get(&self, ep: &Endpoint, target: &str, timeout: Duration) -> Result<String, Problem> {
        let deadline = Instant::now() + timeout;
        let first = match (&ep.login, self.remembered(ep)) {
            (Some(login), Some(asked)) => Some(self.answer(ep, login, asked, target)?),
            _ => None,
        };
        let mut resp = self.send(ep, target, first.as_ref(), timeout)?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            if let (Some(login), Some(asked)) = (&ep.login, challenge(&resp)?) {
                // Basic already sent and refused: the login is wrong, asking again
                // would not change that.
                if !(matches!(asked, Asked::Basic) && matches!(first, Some(Credentials::Basic(_))))
                {
                    let creds = self.answer(ep, login, asked, target)?;
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Problem::NoAnswer(timeout));
                    }
                    resp = self.send(ep, target, Some(&creds), left)?;
                }
            }
        }
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED {
            return Err(Problem::Denied {
                had_login: ep.login.is_some(),
            });
        }
        if !status.is_success() {
            return Err(Problem::Status(status.as_u16()));
        }
        let mut body = Vec::new();
        resp.take(BODY_CAP + 1)
            .read_to_end(&mut body)
            .map_err(|e| {
                if timed_out(&e) {
                    Problem::NoAnswer(timeout)
                } else {
                    Problem::Network("connection lost while reading the answer".into())
                }
            })?;
        if body.len() as u64 > BODY_CAP {
            return Err(Problem::BadAnswer(format!(
                "answer larger than {} KiB",
                BODY_CAP / 1024
            )));
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// `GET /config.txt`, parsed.
    pub fn read_config(&self, ep: &Endpoint, timeout: Duration) -> Result<ConfigTxt, Problem> {
        let body = self.get(ep, "/config.txt", timeout)?;
        ConfigTxt::parse(&body).ok_or_else(|| {
            Problem::BadAnswer("no valid configuration information in config.txt".into())
        })
    }

    /// `GET /?<query>`: one setting.
    pub fn write(&self, ep: &Endpoint, query: &str, timeout: Duration) -> Result<(), Problem> {
        self.get(ep, &format!("/?{query}"), timeout).map(drop)
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// What goes in `Authorization`.
enum Credentials {
    Basic(Login),
    Header(HeaderValue),
}

/// The scheme a `401` asks for: Digest when offered (libcurl's `CURLAUTH_ANY` takes the
/// safest it knows), else Basic; none when it names neither.
fn challenge(resp: &Response) -> Result<Option<Asked>, Problem> {
    let offered: Vec<&str> = resp
        .headers()
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let scheme = |v: &&str, name: &str| {
        v.trim_start()
            .get(..name.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(name))
    };
    if let Some(d) = offered.iter().find(|v| scheme(v, "digest")) {
        let prompt = digest_auth::parse(d)
            .map_err(|_| Problem::BadAnswer("unreadable Digest challenge".into()))?;
        return Ok(Some(Asked::Digest(prompt)));
    }
    Ok(offered
        .iter()
        .any(|v| scheme(v, "basic"))
        .then_some(Asked::Basic))
}

/// Whether reading a body failed on its timeout: reqwest wraps the cause in an I/O
/// error of kind `Other`, so the kind is looked for along the chain of sources.
fn timed_out(e: &std::io::Error) -> bool {
    if e.kind() == std::io::ErrorKind::TimedOut {
        return true;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|s| s as _);
    while let Some(s) = source {
        if s.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
            || s.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        source = s.source();
    }
    false
}

/// Names a reqwest failure by its kind and root cause, without its URL.
fn classify(e: &reqwest::Error, port: u16, timeout: Duration) -> Problem {
    if e.is_timeout() {
        return Problem::NoAnswer(timeout);
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => Problem::Refused { port },
                std::io::ErrorKind::TimedOut => Problem::NoAnswer(timeout),
                _ => Problem::Network(io.to_string()),
            };
        }
        source = s.source();
    }
    if e.is_connect() {
        Problem::Network("cannot connect (host unknown or unreachable)".into())
    } else if e.is_body() || e.is_decode() {
        Problem::BadAnswer("malformed HTTP answer".into())
    } else {
        Problem::Network("the connection failed before an answer came (malformed or closed)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A body that stops coming is "no answer within", found by its kind, not its text.
    #[test]
    fn a_stalled_body_is_no_answer() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = std::io::Read::read(&mut s, &mut buf);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
            let _ = s.flush();
            // Held open (bounded) past the client's timeout.
            std::thread::sleep(Duration::from_millis(1500));
        });
        let ep = Endpoint {
            host: "127.0.0.1".into(),
            port,
            login: None,
        };
        let r = Http::new()
            .unwrap()
            .get(&ep, "/config.txt", Duration::from_millis(300));
        assert_eq!(r, Err(Problem::NoAnswer(Duration::from_millis(300))));
        server.join().unwrap();
    }
}
