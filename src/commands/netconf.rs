//! `netconf`: the network settings of a berofos in flash mode.

use super::values::Output;
use super::{selector_of, Ctx};
use crate::cli::Netconf;
use crate::error::Result;
use crate::gbl4::{self, SetNetConf};
use crate::lock::Purpose;
use crate::log;
use std::net::Ipv4Addr;

pub fn run(ctx: &Ctx, a: &Netconf) -> Result<Output> {
    let u = ctx.gbl4_device(selector_of(&a.which))?;
    let d = &u.device;
    let ip = a.ip.unwrap_or(Ipv4Addr::UNSPECIFIED);
    let conf = SetNetConf {
        mac: u.mac,
        ip,
        netmask: a.netmask.unwrap_or_else(|| gbl4::classful_netmask(ip)),
        gateway: a.gateway.unwrap_or(Ipv4Addr::UNSPECIFIED),
        phy_conf: gbl4::phy_conf_from_user(a.phy).unwrap_or(3),
        options: if a.dhcp == 1 { gbl4::OPT_DHCP } else { 0 }
            | if a.auth == 1 { gbl4::OPT_AUTH } else { 0 },
        http_port: a.port,
    };
    let _lock = ctx.device_lock(d, Purpose::long("xivo-berofos netconf"))?;
    u.need_mode(true)?;
    u.udp.set_netconf(u.dest, &conf).map_err(|p| d.fail(p))?;
    log::info(&format!(
        "{}: network configuration sent: ip {} netmask {} gateway {} dhcp {} port {} – reboot the berofos to apply it{}",
        d.label(),
        conf.ip,
        conf.netmask,
        conf.gateway,
        if a.dhcp == 1 { "on" } else { "off" },
        conf.http_port,
        match &d.name {
            Some(n) if !ip.is_unspecified() && d.host.as_deref() != Some(&ip.to_string()) => {
                format!(", then set host = {ip} in [{n}] of {}", ctx.path().display())
            }
            _ => String::new(),
        }
    ));
    Ok(Output::Nothing)
}
