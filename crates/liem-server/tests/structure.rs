//! The server's structure, as ARCHITECTURE.md states it, checked on its own
//! source: no module imports a module that imports it back; only the gate
//! opens a database transaction; the writes made for nobody signed in stay
//! in the few places that may make them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every source file of the server's library, by module path (`petitions::service`).
fn modules() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(&root).unwrap().with_extension("");
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .filter(|c| c != "mod")
                    .collect();
                let name = if parts == ["lib"] {
                    String::new()
                } else {
                    parts.join("::")
                };
                out.insert(name, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

/// The text of a file without its comments and string literals, which may
/// mention paths without importing them.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            c => out.push(c),
        }
    }
    out
}

/// Expands a `use` tree (`a::{b, c::{d, self}}`) into full paths.
fn expand(prefix: &str, tree: &str) -> Vec<String> {
    let tree = tree.trim();
    if let Some(i) = tree.find('{') {
        let base = &tree[..i];
        let inner = &tree[i + 1..tree.len() - 1];
        let mut parts = Vec::new();
        let (mut depth, mut start) = (0, 0);
        for (j, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&inner[start..j]);
                    start = j + 1;
                }
                _ => {}
            }
        }
        parts.push(&inner[start..]);
        parts
            .into_iter()
            .filter(|p| !p.trim().is_empty())
            .flat_map(|p| expand(&format!("{prefix}{base}"), p))
            .collect()
    } else {
        let t = tree.split(" as ").next().unwrap_or(tree).trim();
        let full = format!("{prefix}{t}");
        vec![full.trim_end_matches("::self").to_owned()]
    }
}

/// The modules a file refers to: its `use` items and inline `crate::…` and
/// `super::…` paths, resolved to the longest module they name.
fn imports(module: &str, text: &str, all: &BTreeSet<String>) -> BTreeSet<String> {
    let code = code_of(text);
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("use ") {
        let at_start = i == 0 || rest[..i].ends_with(['\n', ' ', '{', ';']);
        let tail = &rest[i + 4..];
        let Some(end) = tail.find(';') else { break };
        if at_start {
            paths.extend(expand("", &tail[..end].replace('\n', " ")));
        }
        rest = &tail[end..];
    }
    for word in code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
        if word.starts_with("crate::") || word.starts_with("super::") {
            paths.push(word.to_owned());
        }
    }
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    let mut out = BTreeSet::new();
    for p in paths {
        let p = if let Some(r) = p.strip_prefix("crate::") {
            r.to_owned()
        } else if let Some(r) = p.strip_prefix("super::") {
            if parent.is_empty() {
                r.to_owned()
            } else {
                format!("{parent}::{r}")
            }
        } else {
            continue;
        };
        let segs: Vec<&str> = p.split("::").collect();
        let target = (1..=segs.len())
            .rev()
            .map(|n| segs[..n].join("::"))
            .find(|m| all.contains(m));
        if let Some(t) = target.filter(|t| t != module) {
            out.insert(t);
        }
    }
    out
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let mods = modules();
    let names: BTreeSet<String> = mods.keys().cloned().collect();
    let graph: BTreeMap<&str, BTreeSet<String>> = mods
        .iter()
        .map(|(m, t)| (m.as_str(), imports(m, t, &names)))
        .collect();
    // The checker sees the imports it must: a feature's pages use its service.
    assert!(graph["petitions::pages"].contains("petitions::service"));
    assert!(graph["cases::api"].contains("web::json"));
    // Depth-first search for a path back to where it started.
    let mut cycles = Vec::new();
    for start in graph.keys() {
        let mut stack: Vec<(String, Vec<String>)> =
            vec![(start.to_string(), vec![start.to_string()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in graph.get(node.as_str()).into_iter().flatten() {
                if next == start {
                    let mut c = path.clone();
                    c.push(next.clone());
                    cycles.push(c.join(" -> "));
                } else if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn only_the_gate_opens_a_transaction() {
    let mut found = Vec::new();
    for (m, text) in modules() {
        if m == "auth::gate" {
            continue;
        }
        if code_of(&text).contains(".begin()") {
            found.push(m);
        }
    }
    assert!(
        found.is_empty(),
        "these open a transaction without a permit: {found:?}"
    );
}

#[test]
fn unattended_writes_stay_where_they_may_be_made() {
    // The public form and the reporter's mailbox, a login, the command
    // line's recovery and re-sealing, the FollowTheMoney import, and the
    // nightly hot-spot scan.
    let allowed: BTreeMap<&str, usize> = [
        ("auth::gate", 1),
        ("hotspots::service", 1),
        ("public::service", 2),
        ("account::service", 1),
        ("custody::service", 2),
        ("people::service", 2),
    ]
    .into_iter()
    .collect();
    let mut wrong = Vec::new();
    for (m, text) in modules() {
        let n = code_of(&text).matches("Permit::unattended(").count()
            + code_of(&text).matches("fn unattended(").count();
        if n != allowed.get(m.as_str()).copied().unwrap_or(0) {
            wrong.push(format!("{m}: {n}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "unattended permits where they should not be: {wrong:?}"
    );
}
