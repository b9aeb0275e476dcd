//! The module graph of `src/`, read from the source text: data flows one way, and no module imports
//! one that imports it back (STYLE.md "A leaf stays a leaf", issue 13).
//!
//! A source scan, not a compiler query: every `crate::a::b` and `super::…` path in a file (in code,
//! comments and tests alike) counts as an import of the most specific module file it names. That is
//! stricter than the compiler and needs no tooling beyond the files themselves.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, by its module path (`src/rpc.rs` → `rpc`, `src/output/mod.rs` →
/// `output`, `src/output/table.rs` → `output::table`).
fn modules() -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files
        .into_iter()
        .map(|file| {
            let relative = file.strip_prefix(&src).unwrap().with_extension("");
            let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            (parts.join("::"), file)
        })
        .collect()
}

/// The module paths a file names through `crate::…` and `super::…`, each cut to the longest prefix
/// that is a module of its own (`crate::output::sanitize::visible` → `output::sanitize`).
fn imports(module: &str, text: &str, known: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for (start, anchor) in text
        .match_indices("crate::")
        .map(|(i, _)| (i, "crate::"))
        .chain(text.match_indices("super::").map(|(i, _)| (i, "super::")))
    {
        if start > 0 && text[..start].ends_with(ident) {
            continue;
        }
        let mut path: Vec<String> = if anchor == "super::" {
            let mut parent: Vec<String> = module.split("::").map(str::to_owned).collect();
            // `super` of a module's own file is its parent; in a `#[cfg(test)] mod tests` block it
            // may be the module itself, which is no import either way.
            parent.pop();
            parent
        } else {
            Vec::new()
        };
        let rest = &text[start + anchor.len()..];
        for segment in rest.split("::") {
            let name: String = segment.chars().take_while(|&c| ident(c)).collect();
            if name.is_empty() || name == "super" {
                break;
            }
            path.push(name.clone());
            if name.len() != segment.len() {
                break;
            }
        }
        while !path.is_empty() && !known.contains_key(&path.join("::")) {
            path.pop();
        }
        if !path.is_empty() {
            found.insert(path.join("::"));
        }
    }
    found
}

/// Every module's imports of other modules (its own descendants and ancestors are part of it).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let known = modules();
    known
        .iter()
        .map(|(module, file)| {
            let text = fs::read_to_string(file).unwrap();
            let inside = |other: &String| {
                other == module
                    || other.starts_with(&format!("{module}::"))
                    || module.starts_with(&format!("{other}::"))
            };
            let imports = imports(module, &text, &known).into_iter().filter(|o| !inside(o)).collect();
            (module.clone(), imports)
        })
        .collect()
}

/// The modules `from` reaches through imports, its own descendants included as its parts.
fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_owned()];
    while let Some(module) = todo.pop() {
        let parts = graph.keys().filter(|m| *m == &module || m.starts_with(&format!("{module}::")));
        for part in parts.cloned().collect::<Vec<_>>() {
            for next in &graph[&part] {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
    }
    seen
}

#[test]
fn rpc_never_names_exit() {
    let graph = graph();
    let rpc_files: Vec<&String> = graph.keys().filter(|m| *m == "rpc" || m.starts_with("rpc::")).collect();
    assert!(rpc_files.len() > 1, "{rpc_files:?}");
    for module in rpc_files {
        let file = &modules()[module];
        let text = fs::read_to_string(file).unwrap();
        assert!(!text.contains("crate::exit"), "{} names crate::exit", file.display());
        assert!(!graph[module].contains("exit"), "{module} imports exit");
    }
}

#[test]
fn exit_imports_nothing_that_imports_it_back() {
    let graph = graph();
    assert!(graph["exit"].contains("rpc"), "the scan no longer sees exit's imports: {:?}", graph["exit"]);
    let reached = reachable(&graph, "exit");
    assert!(!reached.contains("exit"), "exit reaches itself through {reached:?}");
}

#[test]
fn the_scan_sees_a_cycle_where_there_is_one() {
    let known: BTreeMap<String, PathBuf> =
        ["a", "b", "b::c"].into_iter().map(|m| (m.to_owned(), PathBuf::new())).collect();
    assert_eq!(imports("a", "use crate::b::c::{self, X};", &known), BTreeSet::from(["b::c".to_owned()]));
    assert_eq!(imports("b::c", "use super::Y; notcrate::a", &known), BTreeSet::from(["b".to_owned()]));
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.insert("a".into(), BTreeSet::from(["b::c".into()]));
    graph.insert("b".into(), BTreeSet::new());
    graph.insert("b::c".into(), BTreeSet::from(["a".into()]));
    assert!(reachable(&graph, "a").contains("a"));
    graph.insert("b::c".into(), BTreeSet::new());
    assert!(!reachable(&graph, "a").contains("a"));
}

#[test]
fn no_module_reaches_itself_through_its_imports() {
    let graph = graph();
    let cycles: Vec<String> = graph
        .keys()
        .filter(|module| reachable(&graph, module).contains(*module))
        .map(|module| format!("{module} -> {:?}", graph[module]))
        .collect();
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
}
