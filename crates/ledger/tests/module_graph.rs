//! The ledger's modules import each other without cycles, and the ground floor (money, ids,
//! errors, refusals, lifecycles, files, progress, text) imports nothing above it.
//!
//! Read from the sources: every `crate::name` path in a top-level module (a file `src/name.rs`
//! or a folder `src/name/`) is an edge from that module to `name`; a name that `lib.rs`
//! re-exports (`crate::Ledger`) is an edge to the module it comes from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Modules that may import only each other.
const GROUND_FLOOR: [&str; 10] = [
    "error",
    "refusal",
    "ids",
    "lifecycle",
    "money",
    "files",
    "packed",
    "progress",
    "text",
    "validate",
];

fn sources(path: &Path, out: &mut String) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            sources(&entry.unwrap().path(), out);
        }
    } else if path.is_file() && path.extension().is_some_and(|x| x == "rs") {
        let text = std::fs::read_to_string(path).unwrap();
        // Unit tests may reach anywhere; only the module's own code counts.
        out.push_str(text.split("#[cfg(test)]").next().unwrap_or(""));
        out.push('\n');
    }
}

/// The modules the names after `crate::` in `text` belong to, including those in
/// `use crate::{a, b::c}`; `aliases` maps a re-exported name to its module.
fn imports(
    text: &str,
    modules: &BTreeSet<String>,
    aliases: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .collect(),
            None => vec![rest],
        };
        for name in names {
            let head: String = name
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if modules.contains(&head) {
                found.insert(head);
            } else if let Some(module) = aliases.get(&head) {
                found.insert(module.clone());
            }
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeSet::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if stem != "lib" && (path.is_dir() || path.extension().is_some_and(|x| x == "rs")) {
            modules.insert(stem);
        }
    }
    // `pub use store::{Create, Ledger};` makes `crate::Ledger` an import of `store`.
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let mut aliases = BTreeMap::new();
    for line in lib.split(';').map(str::trim) {
        if let Some((module, names)) = line
            .strip_prefix("pub use ")
            .and_then(|l| l.split_once("::"))
        {
            for name in names.trim_matches(|c| c == '{' || c == '}').split(',') {
                aliases.insert(name.trim().to_owned(), module.to_owned());
            }
        }
    }
    let mut graph = BTreeMap::new();
    for module in &modules {
        let mut text = String::new();
        sources(&src.join(format!("{module}.rs")), &mut text);
        sources(&src.join(module), &mut text);
        let mut edges = imports(&text, &modules, &aliases);
        edges.remove(module);
        graph.insert(module.clone(), edges);
    }
    graph
}

/// A cycle through `node`, if the walk from it finds one.
fn cycle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    node: &str,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(start) = path.iter().position(|n| n == node) {
        let mut found = path[start..].to_vec();
        found.push(node.to_owned());
        return Some(found);
    }
    if done.contains(node) {
        return None;
    }
    path.push(node.to_owned());
    for next in &graph[node] {
        if let Some(found) = cycle(graph, next, path, done) {
            return Some(found);
        }
    }
    path.pop();
    done.insert(node.to_owned());
    None
}

#[test]
fn the_modules_import_each_other_without_cycles() {
    let graph = graph();
    assert!(graph.contains_key("audit") && graph.contains_key("payouts"));
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(found) = cycle(&graph, node, &mut Vec::new(), &mut done) {
            panic!(
                "the modules import each other in a cycle: {}",
                found.join(" → ")
            );
        }
    }
}

#[test]
fn the_ground_floor_imports_nothing_above_it() {
    let graph = graph();
    for module in GROUND_FLOOR.iter().filter(|m| graph.contains_key(**m)) {
        let above: Vec<_> = graph[*module]
            .iter()
            .filter(|m| !GROUND_FLOOR.contains(&m.as_str()))
            .collect();
        assert!(above.is_empty(), "{module} imports {above:?}");
    }
}

#[test]
fn the_reader_finds_grouped_and_nested_imports() {
    let modules: BTreeSet<String> = ["audit", "ids", "money", "store"].map(String::from).into();
    let aliases = BTreeMap::from([("Ledger".to_owned(), "store".to_owned())]);
    let text = "use crate::{audit::Diff, ids::PayoutId, Ledger};\nlet m = crate::money::Money::stored(1, \"EUR\");";
    assert_eq!(imports(text, &modules, &aliases), modules);
}
