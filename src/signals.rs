//! SIGTERM and SIGINT end long operations cleanly: they set a flag that the waiting
//! loops look at, so the command reports what was done, releases its lock and leaves no
//! partial file, instead of dying in the middle. A second signal ends the process at
//! once, with the shell's code for death by that signal (128 + the signal: 143 for
//! SIGTERM, 130 for SIGINT), for whoever does not want to wait for the clean end.
//!
//! Only commands that change something install them; a read (`get`, `status`...) has
//! nothing to clean up and keeps the default: Ctrl-C ends it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::sync::OnceLock;

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The "stop" of one command or agent action, passed down as a value with the
/// deadline ([`crate::relay::Deadline`]): set once a SIGTERM or SIGINT came.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cancel(Option<&'static AtomicBool>);

impl Cancel {
    /// Never set: for what runs without the handlers (a read keeps Ctrl-C's default).
    pub fn never() -> Cancel {
        Cancel(None)
    }

    pub fn is_set(self) -> bool {
        self.0.is_some_and(|f| f.load(Ordering::Relaxed))
    }
}

/// Installs the handlers (once); returns the cancellation they set.
pub fn install() -> Cancel {
    let flag = FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        // Registered first, so it sees the flag before this signal sets it.
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(flag));
        let _ = signal_hook::flag::register(sig, Arc::clone(flag));
    }
    Cancel(Some(flag))
}
