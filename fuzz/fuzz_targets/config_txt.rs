//! `GET /config.txt` bodies: parsing any bytes never panics, nor does reading every
//! setting out of the result.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xivo_berofos::settings::{ConfigTxt, SETTINGS};

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    if let Some(c) = ConfigTxt::parse(&body) {
        let _ = c.all();
        for s in SETTINGS {
            let _ = s.read(&c);
        }
    }
});
