//! `xivo-berofos`: parse, set up logging, dispatch, map errors to exit codes.
//! Installed (or linked) under the name `berofos`, it is the OCF resource agent; under
//! the name `bnfos`, the vendor's command line (translated by `bnfos::translate`).

use clap::Parser;
use xivo_berofos::cli::{Cli, Command};
use xivo_berofos::{commands, log, signals};

fn main() {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let name = std::path::Path::new(&argv0).file_name().unwrap_or_default();
    if name == "berofos" {
        // Not args(): a non-UTF-8 argument must not panic the agent.
        let action = std::env::args_os()
            .nth(1)
            .map(|a| a.to_string_lossy().into_owned());
        std::process::exit(xivo_berofos::ocf::run(action));
    }
    let cli = if name == "bnfos" {
        match xivo_berofos::bnfos::translate(std::env::args_os()) {
            Ok(argv) => Cli::try_parse_from(argv).unwrap_or_else(|e| e.exit()),
            Err(e) => e.exit(),
        }
    } else {
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        Cli::try_parse_from(&args).unwrap_or_else(|e| {
            // The monitoring plugin's bad usage is UNKNOWN (3), on its one line.
            let shown = matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            );
            if !shown
                && xivo_berofos::cli::subcommand_in(&args[1.min(args.len())..]).as_deref()
                    == Some("check")
            {
                let (line, code) = commands::check::bad_usage(&e);
                xivo_berofos::outln!("{line}");
                let _ = e.print();
                std::process::exit(code);
            }
            e.exit()
        })
    };
    let code = match &cli.command {
        Command::Ocf { action } => xivo_berofos::ocf::run(action.clone()),
        Command::Check(c) => {
            let verbosity = if cli.verbose {
                log::Verbosity::Verbose
            } else {
                log::Verbosity::Quiet
            };
            log::init(verbosity, cli.syslog, None, false);
            commands::check::main(&cli, c)
        }
        Command::Generate { what, arg } => report(xivo_berofos::generate::run(what, arg)),
        _ => {
            let verbosity = if cli.quiet {
                log::Verbosity::Quiet
            } else if cli.verbose {
                log::Verbosity::Verbose
            } else {
                log::Verbosity::Normal
            };
            log::init(verbosity, cli.syslog, None, false);
            let cancel = if cli.command.changes_devices() {
                signals::install()
            } else {
                signals::Cancel::never()
            };
            let result = commands::run(&cli, cancel);
            let failed = result.is_err();
            let code = report(result);
            // Stopped by SIGTERM/SIGINT (after the clean stop): 128 + the signal, so
            // that a caller tells an interruption from a failed berofos.
            match cancel.exit_code() {
                Some(by_signal) if failed => by_signal,
                _ => code,
            }
        }
    };
    std::process::exit(code);
}

fn report(r: xivo_berofos::error::Result<()>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => {
            for line in e.to_string().lines() {
                log::error(line);
            }
            e.exit_code()
        }
    }
}
