//! One door into the engine's state (issue #19): outside `src/engine` and `src/store`,
//! nothing opens the database for writing, and no client holds the store. A change of
//! state is a `Command` to the engine; a read goes through its read-only model.
//!
//! A source scan: it names the file and line that broke the rule, and the way to do
//! it instead.

use std::path::{Path, PathBuf};

/// What opens a database for writing, or hands out the writer.
const WRITERS: [&str; 6] = [
    "Store::open(",
    "Store::open_with(",
    "Connection::open(",
    "Connection::open_with_flags(",
    "open_database(",
    ".store()",
];

/// Where opening is the point: the store itself, and the engine that owns it.
const OWNERS: [&str; 2] = ["src/engine/", "src/store/"];

/// The engine's hosts: each takes the engine lock and then opens the database through
/// `engine::open_database`, for the engine it runs.
const HOSTS: [&str; 3] = [
    "src/service/host.rs",
    "src/runtime.rs",
    "src/cli/engine_access.rs",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `text` that are code, not tests: everything above `#[cfg(test)]`.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, line)| line.trim() != "#[cfg(test)]")
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .map(|(i, line)| (i + 1, line))
}

#[test]
fn only_the_engine_and_the_store_open_the_database_for_writing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut broken = Vec::new();
    for file in &files {
        let name = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if OWNERS.iter().any(|owner| name.starts_with(owner)) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (line, code) in code_lines(&text) {
            for writer in WRITERS {
                let hosted = writer == "open_database(" && HOSTS.contains(&name.as_str());
                if code.contains(writer) && !hosted {
                    broken.push(format!("{name}:{line}: `{}`", code.trim()));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "these lines reach the database beside the engine; send an `engine::Command` \
         (writes) or ask an `engine::Query` / `EngineHandle::reader()` (reads) instead:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_scan_sees_a_client_that_opens_the_store() {
    let client = "fn f() {\n    let store = Store::open(path)?;\n}\n#[cfg(test)]\nmod t { fn g() { Store::open(p); } }";
    let found: Vec<usize> = code_lines(client)
        .filter(|(_, code)| code.contains("Store::open("))
        .map(|(line, _)| line)
        .collect();
    assert_eq!(found, [2], "the code line, not the test one");
}
