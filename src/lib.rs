//! xivo-berofos: keeps a XiVO HA cluster's ISDN lines on the live server.
//!
//! # Layout
//! - [`mac`], [`settings`]: the words of the device (MAC addresses, the settings table).
//! - [`gbl4`]: the UDP face – frames, scan, netconf, flash, ping, kick, reset.
//! - [`http`]: the HTTP face – read config.txt, write one setting, authentication.
//! - [`config`]: `/etc/bnfos.conf` – lenient reading, merge by MAC, atomic save.
//! - [`device`]: a berofos as commands name it (`-f`, `-m`, `-h`) and as messages show it.
//! - [`relay`]: relay modes; switching and reading many berofos at once under a deadline.
//! - [`lock`]: the flock that serializes device writes; [`signals`]: SIGTERM/SIGINT.
//! - [`log`]: stderr and syslog; [`error`]: errors as the admin reads them, exit codes.
//! - [`cli`], [`commands`], [`generate`]: the admin command line, man pages, completions;
//!   [`bnfos`]: the vendor's command line translated into it.
//! - [`ocf`]: the Pacemaker resource agent.
//! - [`sim`]: the `berofos-sim` simulator.
pub mod bnfos;
pub mod cli;
pub mod commands;
pub mod config;
pub mod device;
pub mod error;
pub mod gbl4;
pub mod generate;
pub mod http;
pub mod lock;
pub mod log;
pub mod login;
pub mod mac;
pub mod ocf;
pub mod relay;
pub mod select;
pub mod settings;
pub mod signals;
pub mod sim;
