//! xivo-berofos: keeps a XiVO HA cluster's ISDN lines on the live server.
//!
//! # Layout
//!
//! Layers, lowest first; a module names only modules of lower layers
//! (`tests/layers.rs` checks it; `docs/design.md` tells why each thing is where it is):
//!
//! 1. The vocabulary: [`error`] (what went wrong, as values: [`error::Problem`],
//!    [`error::Who`], [`error::Error`] and its exit status), [`mac`], [`login`];
//!    the plumbing: [`log`] (stderr, syslog, stdout), [`signals`] (SIGTERM/SIGINT as
//!    a [`signals::Cancel`] value).
//! 2. Pure codecs: [`settings`] (the settings table, written once, and `config.txt`),
//!    [`config`] (`/etc/bnfos.conf`: lenient reading, merge by MAC, atomic save).
//! 3. Transports: [`http`] (read `config.txt`, write one setting, authenticate),
//!    [`gbl4`] (the UDP face: frames, scan, netconf, flash, ping, kick, reset),
//!    [`lock`] (the flock that serializes device writes).
//! 4. [`device`]: a berofos as messages name it, and how to reach its two faces.
//! 5. Many berofos: [`relay`] (relay modes; switching and reading at once under one
//!    [`relay::Deadline`]) and [`select`] (which berofos a call works on: one rule for
//!    the commands and the agent).
//! 6. The faces of the program: [`cli`] (the admin command line, described once with
//!    clap) and [`ocf`] (the Pacemaker resource agent, with its parameter table); above
//!    the first, [`commands`] (one file per command, one renderer) and [`bnfos`] (the
//!    vendor's command line translated into ours); on top, [`generate`] (man pages and
//!    completions of both command lines).
//! 7. `main.rs`: parse, set up logging, dispatch, map errors to exit codes.
//!
//! The simulator the tests run, `berofos-sim`, is a crate of its own (`sim/`), written
//! from docs/protocol.md and not from these modules: it stands beside the product.
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
