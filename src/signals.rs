//! SIGTERM and SIGINT end long operations cleanly: they set a flag that the waiting
//! loops look at, so the command reports what was done, releases its lock and leaves no
//! partial file, instead of dying in the middle. A second signal ends the process at
//! once, with the shell's code for death by that signal (128 + the signal: 143 for
//! SIGTERM, 130 for SIGINT), for whoever does not want to wait for the clean end.
//!
//! A command that ends because of the signal exits, after its clean stop, with the same
//! 128 + the signal (the convention: a caller tells an interruption from a failed
//! berofos, exit 1); one that finished its work before the signal came exits as usual.
//!
//! Only commands that change something install them; a read (`get`, `status`...) has
//! nothing to clean up and keeps the default: Ctrl-C ends it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::sync::OnceLock;

/// A signal came: the next one ends the process at once.
static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
/// The signal that came (0: none yet).
static SIGNAL: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

/// The "stop" of one command or agent action, passed down as a value with the
/// deadline ([`crate::relay::Deadline`]): set once a SIGTERM or SIGINT came.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cancel(Option<&'static AtomicUsize>);

impl Cancel {
    /// Never set: for what runs without the handlers (a read keeps Ctrl-C's default).
    pub fn never() -> Cancel {
        Cancel(None)
    }

    pub fn is_set(self) -> bool {
        self.signal().is_some()
    }

    /// The signal that set it (SIGTERM, SIGINT), if one came.
    pub fn signal(self) -> Option<i32> {
        let sig = self.0.map_or(0, |f| f.load(Ordering::Relaxed));
        (sig != 0).then_some(sig as i32)
    }

    /// The exit status of a command that stopped because of it: 128 + the signal.
    pub fn exit_code(self) -> Option<i32> {
        self.signal().map(|s| 128 + s)
    }
}

/// Installs the handlers (once); returns the cancellation they set.
pub fn install() -> Cancel {
    let flag = FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)));
    let signal = SIGNAL.get_or_init(|| Arc::new(AtomicUsize::new(0)));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        // Registered first, so it sees the flag before this signal sets it.
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(flag));
        let _ = signal_hook::flag::register(sig, Arc::clone(flag));
        let _ = signal_hook::flag::register_usize(sig, Arc::clone(signal), sig as usize);
    }
    Cancel(Some(signal))
}
