fn main() {
    // The resource agent: called as `berofos` (the OCF symlink) or `xivo-berofos ocf ACTION`.
    let mut args = std::env::args_os().map(|a| a.into_string().ok());
    let argv0 = args.next().flatten().unwrap_or_default();
    if std::path::Path::new(&argv0).file_name() == Some("berofos".as_ref()) {
        std::process::exit(xivo_berofos::ocf::run(args.next().flatten()));
    }
    if args.next().flatten().as_deref() == Some("ocf") {
        std::process::exit(xivo_berofos::ocf::run(args.next().flatten()));
    }
}
