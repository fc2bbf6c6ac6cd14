//! The layers of docs/design.md, checked: no module names a module of a higher
//! layer (or of its own layer), so no arrow goes back up. A new module must be given a
//! layer here.

use std::collections::BTreeSet;
use std::path::Path;

/// Lowest first. `sim` (the simulator, its own crate to be) and the binaries stand
/// outside.
const LAYERS: &[&[&str]] = &[
    // The vocabulary every layer speaks, and process-wide plumbing.
    &["error", "log", "signals", "mac", "login"],
    // Pure codecs: settings values and config.txt, /etc/bnfos.conf.
    &["settings", "config"],
    // Transports: HTTP, UDP (GBL4 frames and exchanges), the device lock.
    &["http", "gbl4", "lock"],
    // A berofos as the commands name it.
    &["device"],
    // Many berofos: relay switching under a deadline; which berofos a call selects.
    &["relay", "select"],
    // The command line and the agent.
    &["cli", "ocf"],
    &["commands", "bnfos"],
    // Man pages and completions, of both command lines.
    &["generate"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The modules a source file names (`crate::NAME`), outside comments.
fn named(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let before = &rest[..i];
            rest = &rest[i + "crate::".len()..];
            if before.ends_with('$') {
                continue; // $crate:: in a macro: the defining crate, not a layer.
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                out.insert(name);
            }
        }
        // `use crate::{a, b}` is not used in this crate; `use super::` stays inside a
        // module.
    }
    out
}

#[test]
fn no_arrow_goes_back_up() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut wrong = Vec::new();
    let mut seen = 0;
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let module = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if ["lib", "main", "bin", "sim"].contains(&module.as_str()) {
            continue;
        }
        let Some(mine) = layer(&module) else {
            wrong.push(format!(
                "{}: module {module} has no layer in tests/layers.rs",
                rel.display()
            ));
            continue;
        };
        seen += 1;
        for other in named(&std::fs::read_to_string(&f).unwrap()) {
            if other == module {
                continue;
            }
            match layer(&other) {
                Some(theirs) if theirs < mine => {}
                Some(_) => wrong.push(format!("{}: {module} names {other}", rel.display())),
                None if other == "sim" => {
                    wrong.push(format!("{}: names the simulator", rel.display()))
                }
                None => {}
            }
        }
    }
    assert!(seen > 20, "the source files were found ({seen})");
    assert!(wrong.is_empty(), "arrows going up:\n{}", wrong.join("\n"));
}

#[test]
fn the_checker_sees_an_arrow() {
    let n = named("use crate::relay::Mode; // crate::ocf\n$crate::log::out(x); crate::Foo");
    assert_eq!(n.into_iter().collect::<Vec<_>>(), ["relay"]);
}

/// The sibling modules a file of `src/commands` names (`super::NAME`,
/// `crate::commands::NAME`), outside comments and its own tests.
fn siblings(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let code = line.split("//").next().unwrap_or("");
        for marker in ["super::", "crate::commands::"] {
            let mut rest = code;
            while let Some(i) = rest.find(marker) {
                rest = &rest[i + marker.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // Modules are lower case; `super::Ctx` is an item of the parent.
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    out.insert(name);
                }
            }
        }
    }
    out
}

/// A circle in `edges` (module → the modules it names), if any, as a path.
fn circle(edges: &std::collections::BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &std::collections::BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut c = path[i..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in edges.keys() {
        if let Some(c) = visit(n, edges, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

/// Inside `commands`: no two modules name each other (directly or round a longer
/// circle), and the renderer names only the values it renders, never a command.
#[test]
fn no_circle_among_the_commands() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands");
    let mut edges = std::collections::BTreeMap::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().to_string();
        if stem == "mod" || p.extension().is_none_or(|x| x != "rs") {
            continue; // The parent names every child: that is what it is for.
        }
        edges.insert(stem, siblings(&std::fs::read_to_string(&p).unwrap()));
    }
    assert!(edges.len() > 10, "the command files were found");
    assert_eq!(
        edges["output"].iter().collect::<Vec<_>>(),
        ["values"],
        "output renders values only"
    );
    assert!(edges["values"].is_empty(), "values name no command");
    assert_eq!(circle(&edges), None);
}

#[test]
fn the_checker_sees_a_circle() {
    let mut edges = std::collections::BTreeMap::new();
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    edges.insert("output".to_string(), set(&["status"]));
    edges.insert("status".to_string(), set(&["values", "output"]));
    edges.insert("values".to_string(), set(&[]));
    assert_eq!(
        circle(&edges),
        Some(vec!["output".into(), "status".into(), "output".into()])
    );
    assert_eq!(
        siblings("use super::values::Output;\nuse super::Ctx; // super::status\n"),
        set(&["values"])
    );
    edges.insert("output".to_string(), set(&["values"]));
    assert_eq!(circle(&edges), None);
}
