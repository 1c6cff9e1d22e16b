//! The console's structure, checked on its sources: the UI's files import each other without a
//! circle, no file of the UI grows past 600 lines, and only `src/ui/` names egui, eframe, rfd
//! or poll-promise.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The text without `//` comments (string literals with `//` do not occur in `use` lines).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module path of a file below `src/` (`ui/app/mod.rs` → `["ui", "app"]`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.len() - 1];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// The `use` tree of a statement (what follows `use `), if it is one.
fn use_tree(statement: &str) -> Option<&str> {
    let at = statement.rfind("use ")?;
    let line_start = statement[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = statement[line_start..at].trim();
    let visibility = before.is_empty() || before == "pub" || before.starts_with("pub(");
    visibility.then(|| &statement[at + 4..])
}

/// The module paths a file's `use` statements name, made absolute (tests' own modules left
/// out).
fn imports(module: &[String], code: &str) -> Vec<Vec<String>> {
    let code = code.split("#[cfg(test)]").next().unwrap_or(code);
    let mut paths = Vec::new();
    for tree in code.split(';').filter_map(use_tree) {
        for path in expand(tree) {
            let path = path.split(" as ").next().unwrap_or(&path).to_owned();
            let mut segments: Vec<&str> = path.split("::").collect();
            let mut base: Vec<String> = module.to_vec();
            if segments.first() == Some(&"crate") {
                segments.remove(0);
                base.clear();
            }
            // `self` is the module itself; each `super` goes one up.
            while let Some(first) = segments.first() {
                match *first {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                segments.remove(0);
            }
            base.extend(segments.iter().map(|s| s.to_string()));
            paths.push(base);
        }
    }
    paths
}

#[test]
fn the_ui_files_import_no_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src.join("ui"));
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .collect();
    // Each file imports the files of the longest module prefix of each path it names.
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        for path in imports(&module, &code) {
            let target = (1..=path.len())
                .rev()
                .find_map(|n| modules.get(&path[..n]))
                .filter(|target| *target != file);
            if let Some(target) = target {
                edges
                    .entry(file.clone())
                    .or_default()
                    .insert(target.clone());
            }
        }
    }
    assert!(
        edges.values().map(BTreeSet::len).sum::<usize>() > 20,
        "the import graph was not read: {edges:?}"
    );
    // Depth-first search for a back edge.
    fn visit(
        file: &PathBuf,
        edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        path: &mut Vec<PathBuf>,
        done: &mut BTreeSet<PathBuf>,
    ) {
        if done.contains(file) {
            return;
        }
        if let Some(at) = path.iter().position(|p| p == file) {
            let circle: Vec<String> = path[at..]
                .iter()
                .chain([file])
                .map(|p| p.display().to_string())
                .collect();
            panic!("the UI's files import in a circle: {}", circle.join(" -> "));
        }
        path.push(file.clone());
        for next in edges.get(file).into_iter().flatten() {
            visit(next, edges, path, done);
        }
        path.pop();
        done.insert(file.clone());
    }
    let mut done = BTreeSet::new();
    for file in &files {
        visit(file, &edges, &mut Vec::new(), &mut done);
    }
}

#[test]
fn no_ui_file_is_over_600_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for file in rust_files(&src.join("ui")) {
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        assert!(lines <= 600, "{} has {lines} lines", file.display());
    }
}

#[test]
fn only_the_ui_names_the_gui_crates() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let ui = src.join("ui");
    for file in rust_files(&src).into_iter().filter(|f| !f.starts_with(&ui)) {
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for name in ["egui", "eframe", "rfd", "poll_promise"] {
            let named = code
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .any(|word| word == name || word.starts_with(&format!("{name}::")));
            assert!(!named, "{} names {name}", file.display());
        }
    }
}
