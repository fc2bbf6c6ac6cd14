//! The request log of the simulator: one JSON line per request a device received.
//!
//! Lines are appended under a mutex and written with one `write` each (the file is
//! not buffered), before the device answers: a test that has its answer finds the line.

use serde_json::{json, Value};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the lines go (nowhere without `--log`).
pub struct RequestLog {
    file: Option<Mutex<File>>,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// One HTTP request as the log shows it.
pub struct HttpEntry<'a> {
    pub device: usize,
    pub method: Option<&'a str>,
    pub path: Option<&'a str>,
    pub query: Option<&'a str>,
    pub authorization: Option<&'a str>,
    /// `None`: no answer (hang).
    pub status: Option<u16>,
    /// `None`: not a write request.
    pub applied: Option<bool>,
}

/// One GBL4 datagram as the log shows it.
pub struct Gbl4Entry<'a> {
    pub device: usize,
    /// The command byte, when the datagram has one.
    pub cmd: Option<u8>,
    pub len: usize,
    pub from: String,
    pub valid: bool,
    pub dropped: bool,
    pub answered: bool,
    /// Why it was not answered, or anything odd about it.
    pub note: Option<&'a str>,
}

impl RequestLog {
    pub fn open(path: Option<&Path>) -> std::io::Result<RequestLog> {
        let file = match path {
            Some(p) => Some(Mutex::new(
                OpenOptions::new().create(true).append(true).open(p)?,
            )),
            None => None,
        };
        Ok(RequestLog { file })
    }

    fn write(&self, v: Value) {
        let Some(file) = &self.file else { return };
        let mut line = v.to_string();
        line.push('\n');
        let mut f = match file.lock() {
            Ok(f) => f,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(e) = f.write_all(line.as_bytes()).and_then(|_| f.flush()) {
            eprintln!("berofos-sim: cannot write the request log: {e}");
        }
    }

    pub fn http(&self, e: &HttpEntry) {
        self.write(json!({
            "ts_ms": now_ms(),
            "device": e.device,
            "face": "http",
            "method": e.method,
            "path": e.path,
            "query": e.query,
            "authorization": e.authorization,
            "status": e.status,
            "applied": e.applied,
        }));
    }

    pub fn gbl4(&self, e: &Gbl4Entry) {
        self.write(json!({
            "ts_ms": now_ms(),
            "device": e.device,
            "face": "gbl4",
            "cmd": e.cmd,
            "len": e.len,
            "from": e.from,
            "valid": e.valid,
            "dropped": e.dropped,
            "answered": e.answered,
            "note": e.note,
        }));
    }
}
