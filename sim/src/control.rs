//! The control port: HTTP on 127.0.0.1, JSON answers, for tests and demos.
//!
//! - `GET /fault?device=K&fault=FAULT` (K a number or `all`)
//! - `GET /state?device=K` (without `device`, or `all`: an array of every device)
//! - `GET /power-cycle?device=K[&flash=1]`
//! - `GET /set?device=K&name=SETTING&value=V` (not logged as a device request)
//!
//! 200 with JSON on success, 400 with `{"error": …}` on bad input, 404 for other paths.

use crate::device::Device;
use crate::fault::Faults;
use crate::http::sync_listener;
use crate::proto::settings;
use crate::wire::{read_request, Request, Response};
use crate::{Sim, Target};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::sync::Arc;

pub fn spawn(sim: Arc<Sim>, listener: TcpListener) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let sim = sim.clone();
            std::thread::spawn(move || {
                let Ok(req) = read_request(&mut stream) else {
                    return;
                };
                let resp = match route(&sim, &req) {
                    Ok(v) => Response::json(200, &v),
                    Err((status, msg)) => Response::json(status, &json!({ "error": msg })),
                };
                let _ = resp.send(&mut stream, false);
            });
        }
    });
}

type Answer = Result<Value, (u16, String)>;

fn bad(msg: impl Into<String>) -> (u16, String) {
    (400, msg.into())
}

fn param(req: &Request, name: &str) -> Result<String, (u16, String)> {
    req.param(name)
        .ok_or_else(|| bad(format!("missing parameter '{name}'")))
}

fn devices<'a>(
    sim: &'a Sim,
    req: &Request,
    default_all: bool,
) -> Result<Vec<&'a Device>, (u16, String)> {
    let target: Target = match req.param("device") {
        Some(k) => k.parse().map_err(bad)?,
        None if default_all => Target::All,
        None => return Err(bad("missing parameter 'device' (a number or 'all')")),
    };
    let idx = target.resolve(sim.devices.len()).map_err(bad)?;
    Ok(idx.into_iter().map(|i| &sim.devices[i]).collect())
}

fn states(sim: &Sim, devs: &[&Device], single: bool) -> Value {
    let mut v: Vec<Value> = devs
        .iter()
        .map(|d| d.state().to_json(&d.id, sim.udp_port))
        .collect();
    if single && v.len() == 1 {
        v.pop().unwrap_or(Value::Null)
    } else {
        Value::Array(v)
    }
}

fn single(req: &Request) -> bool {
    req.param("device").is_some_and(|d| d != "all")
}

fn route(sim: &Sim, req: &Request) -> Answer {
    match req.path.as_str() {
        "/fault" => {
            let devs = devices(sim, req, false)?;
            let f: Faults = param(req, "fault")?.parse().map_err(bad)?;
            for d in &devs {
                let mut st = d.state();
                st.flash_mode = f.flash;
                st.faults = f.with_flash(false);
                sync_listener(d, &st);
            }
            Ok(json!({ "ok": true, "fault": f.to_string(),
                       "devices": devs.iter().map(|d| d.id.index).collect::<Vec<_>>() }))
        }
        "/state" => {
            let devs = devices(sim, req, true)?;
            Ok(states(sim, &devs, single(req)))
        }
        "/power-cycle" => {
            let devs = devices(sim, req, false)?;
            let flash = match req.param("flash").as_deref() {
                None | Some("0") => false,
                Some("1") => true,
                Some(v) => return Err(bad(format!("flash={v}: expected 0 or 1"))),
            };
            for d in &devs {
                let mut st = d.state();
                st.power_cycle(flash);
                sync_listener(d, &st);
            }
            Ok(states(sim, &devs, single(req)))
        }
        "/set" => {
            let devs = devices(sim, req, false)?;
            let name = param(req, "name")?;
            let value = param(req, "value")?;
            let s = settings::lookup(&name).map_err(bad)?;
            for d in &devs {
                let mut st = d.state();
                st.set(s, &value).map_err(bad)?;
                sync_listener(d, &st);
            }
            Ok(states(sim, &devs, single(req)))
        }
        p => Err((
            404,
            format!("no such control endpoint '{p}': use /fault, /state, /power-cycle or /set"),
        )),
    }
}
