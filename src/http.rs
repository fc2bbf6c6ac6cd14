//! The HTTP face (docs/protocol.md §1): read `config.txt`, write one setting, authenticate.
//!
//! With a known login, Basic credentials go with the first request (one request per
//! setting); a Digest challenge is answered once. Every request is bounded by a
//! timeout, bodies are capped, redirects are not followed. Error texts are built from
//! the failure's kind, never from reqwest's message: that one quotes the URL, and a URL
//! may carry a password (`apwd=`).

use crate::error::Problem;
use crate::login::Login;
use crate::settings::ConfigTxt;
use reqwest::blocking::{Client, Response};
use reqwest::StatusCode;
use std::io::Read;
use std::time::Duration;

/// Larger bodies are not a berofos's.
pub const BODY_CAP: u64 = 64 * 1024;

/// Where a berofos listens and how to log in.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub login: Option<Login>,
}

/// One client for the whole process (connections and the runtime are shared by every
/// device thread).
#[derive(Clone)]
pub struct Http {
    client: Client,
}

impl Http {
    pub fn new() -> Result<Http, Problem> {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .tcp_nodelay(true)
            .timeout(None)
            .build()
            .map_err(|_| Problem::Network("cannot set up the HTTP client".into()))?;
        Ok(Http { client })
    }

    fn send(
        &self,
        ep: &Endpoint,
        target: &str,
        auth: Option<String>,
        timeout: Duration,
    ) -> Result<Response, Problem> {
        let url = format!("http://{}:{}{}", bracket(&ep.host), ep.port, target);
        let mut req = self.client.get(&url).timeout(timeout);
        match (auth, &ep.login) {
            (Some(h), _) => req = req.header(reqwest::header::AUTHORIZATION, h),
            (None, Some(l)) => req = req.basic_auth(&l.user, Some(&l.password)),
            (None, None) => {}
        }
        req.send().map_err(|e| classify(&e, ep.port, timeout))
    }

    /// GET `target`; answers a Digest challenge once; returns the capped body of a 2xx.
    pub fn get(&self, ep: &Endpoint, target: &str, timeout: Duration) -> Result<String, Problem> {
        let deadline = std::time::Instant::now() + timeout;
        let mut resp = self.send(ep, target, None, timeout)?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            if let (Some(login), Some(challenge)) = (&ep.login, digest_challenge(&resp)) {
                let mut prompt = digest_auth::parse(&challenge)
                    .map_err(|_| Problem::BadAnswer("unreadable Digest challenge".into()))?;
                let ctx = digest_auth::AuthContext::new(
                    login.user.as_str(),
                    login.password.as_str(),
                    target,
                );
                let header = prompt
                    .respond(&ctx)
                    .map_err(|_| Problem::BadAnswer("unsupported Digest challenge".into()))?
                    .to_header_string();
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    return Err(Problem::NoAnswer(timeout));
                }
                resp = self.send(ep, target, Some(header), left)?;
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

fn digest_challenge(resp: &Response) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.trim_start().to_ascii_lowercase().starts_with("digest"))
        .map(str::to_string)
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
