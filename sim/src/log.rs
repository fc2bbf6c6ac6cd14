//! The request log of the simulator: one JSON line per request a device received.
//!
//! Lines are appended under a mutex and written with one `write` each (the file is
//! not buffered), before the device answers: a test that has its answer finds the line.

use serde::Serialize;
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

/// One HTTP request as the log shows it (fields in this order).
#[derive(Serialize)]
pub struct HttpEntry<'a> {
    #[serde(skip)]
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

/// One GBL4 datagram as the log shows it (fields in this order).
#[derive(Serialize)]
pub struct Gbl4Entry<'a> {
    #[serde(skip)]
    pub device: usize,
    /// The command byte, when the datagram has one.
    pub cmd: Option<u8>,
    pub len: usize,
    pub dropped: bool,
    pub valid: bool,
    pub answered: bool,
    /// The sender, `IP:port`.
    pub from: String,
    /// The destination address of the datagram (255.255.255.255 for a broadcast).
    pub to: Option<String>,
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

    fn write(&self, line: String) {
        let Some(file) = &self.file else { return };
        let mut f = match file.lock() {
            Ok(f) => f,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(e) = f.write_all(line.as_bytes()).and_then(|_| f.flush()) {
            eprintln!("berofos-sim: cannot write the request log: {e}");
        }
    }

    /// `{"ts_ms":…,"device":K,"face":FACE,` then the entry's other fields.
    fn entry(&self, face: &str, device: usize, fields: &impl Serialize) {
        if self.file.is_none() {
            return;
        }
        let rest = serde_json::to_string(fields).unwrap_or_else(|_| "{}".into());
        let rest = rest.strip_prefix('{').unwrap_or("}");
        let sep = if rest == "}" { "" } else { "," };
        self.write(format!(
            "{{\"ts_ms\":{},\"device\":{device},\"face\":\"{face}\"{sep}{rest}\n",
            now_ms()
        ));
    }

    pub fn http(&self, e: &HttpEntry) {
        self.entry("http", e.device, e);
    }

    pub fn gbl4(&self, e: &Gbl4Entry) {
        self.entry("gbl4", e.device, e);
    }
}
