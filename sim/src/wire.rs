//! A small HTTP/1.1 server side on `std::net`: read one request, write one answer.
//!
//! Hand-written so the simulator controls every byte (and every fault). One request
//! per connection: answers carry `Connection: close`. Bad input is an error value,
//! never a panic.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Longest request head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// Longest request body read (and thrown away).
const MAX_BODY: usize = 64 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// One parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Request target as sent (`/?cmd=4&mode=1`).
    pub target: String,
    pub path: String,
    /// The raw query (after `?`), `None` without `?`.
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The query's `key=value` pairs, both percent-decoded; a key without `=` has an
    /// empty value.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let Some(q) = &self.query else {
            return Vec::new();
        };
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (percent_decode(k), percent_decode(v)),
                None => (percent_decode(p), String::new()),
            })
            .collect()
    }

    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The client closed (or timed out) before sending anything.
    Closed,
    /// Bytes came, but not an HTTP request.
    Malformed(String),
}

fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
        return Some((i, i + 4));
    }
    buf.windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| (i, i + 2))
}

/// Reads one request head (and discards a body announced by `Content-Length`).
pub fn read_request(stream: &mut TcpStream) -> Result<Request, ReadError> {
    // Best effort: without a timeout a silent client only keeps its own thread.
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    let (head_end, body_start) = loop {
        if let Some(ends) = find_head_end(&buf) {
            break ends;
        }
        if buf.len() > MAX_HEAD {
            return Err(ReadError::Malformed("request head too long".into()));
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) if buf.is_empty() => return Err(ReadError::Closed),
            Ok(0) => return Err(ReadError::Malformed("request head cut short".into())),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Malformed(format!("reading the request: {e}"))),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split('\n').map(|l| l.trim_end_matches('\r'));
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Malformed(format!(
            "bad request line '{request_line}'"
        )));
    };
    if !version.starts_with("HTTP/") || parts.next().is_some() {
        return Err(ReadError::Malformed(format!(
            "bad request line '{request_line}'"
        )));
    }
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((k, v)) = line.split_once(':') else {
            return Err(ReadError::Malformed(format!("bad header line '{line}'")));
        };
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    let req = Request {
        method: method.to_string(),
        target: target.to_string(),
        path,
        query,
        headers,
    };
    let body_len = req
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    let mut have = buf.len() - body_start;
    while have < body_len {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => have += n,
        }
    }
    Ok(req)
}

/// Decodes `%XX` (and `+` as a blank), as a web server reads a query; an invalid
/// escape stays as it is.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) if hex.is_some_and(|h| h.bytes().all(|c| c.is_ascii_hexdigit())) => {
                out.push(v);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (c, _) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        _ => "Unknown",
    }
}

/// An answer to write.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<String>) -> Response {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn html(status: u16, body: impl Into<String>) -> Response {
        Response::new(status, "text/html", body)
    }

    pub fn json(status: u16, v: &serde_json::Value) -> Response {
        Response::new(status, "application/json", format!("{v}\n"))
    }

    /// Writes the answer (no body for `HEAD`), then closes the sending side.
    pub fn send(&self, stream: &mut TcpStream, head_only: bool) -> io::Result<()> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nServer: berofos-sim\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        if !head_only {
            out.push_str(&self.body);
        }
        stream.write_all(out.as_bytes())?;
        stream.flush()?;
        stream.shutdown(std::net::Shutdown::Write)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn parse(raw: &[u8]) -> Result<Request, ReadError> {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        c.write_all(raw).unwrap();
        c.shutdown(std::net::Shutdown::Write).unwrap();
        let (mut s, _) = l.accept().unwrap();
        read_request(&mut s)
    }

    #[test]
    fn requests() {
        let r = parse(
            b"GET /?cmd=3&apwd=se%26cret HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YQ==\r\n\r\n",
        )
        .unwrap();
        assert_eq!(r.path, "/");
        assert_eq!(r.query.as_deref(), Some("cmd=3&apwd=se%26cret"));
        assert_eq!(r.param("apwd").as_deref(), Some("se&cret"));
        assert_eq!(r.header("authorization"), Some("Basic YQ=="));
        let r = parse(b"GET /config.txt HTTP/1.0\n\n").unwrap();
        assert!(r.query.is_none());
        assert!(matches!(parse(b""), Err(ReadError::Closed)));
        assert_eq!(percent_decode("se%26cret+x%2"), "se&cret x%2");
        assert_eq!(percent_decode("%zz%4a%2B%+"), "%zzJ+% ");
        for bad in [
            &b"garbage\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\n",
            b"GET / FTP\r\n\r\n",
        ] {
            assert!(matches!(parse(bad), Err(ReadError::Malformed(_))));
        }
    }
}
