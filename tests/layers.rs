//! Layers point one way (design.md): the words of the product (`domain`) name nothing
//! above them, `store` never reaches into the engine, `telephony` and `config` know
//! nothing of the layers that use them, and only the console touches the terminal.
//!
//! A source scan, not a compile-time fence: it reads every `.rs` file under `src/` (and
//! the workspace's own crates under `crates/`), drops comments and string literals, and
//! looks at the paths the code names: `crate::x`, `crate::{x, y}` and `super::` chains
//! that climb to the crate root. A broken rule is reported as `file:line` with the rule.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Which top-level modules of the main crate a layer may name.
enum May {
    /// Only these (and itself).
    Only(&'static [&'static str]),
    /// Anything but these.
    Not(&'static [&'static str]),
}

struct Rule {
    /// A top-level module of the main crate: `src/<layer>/**.rs` or `src/<layer>.rs`.
    layer: &'static str,
    may: May,
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        layer: "domain",
        may: May::Only(&["phone"]),
        why: "the domain is the words of the product: it names only itself and `phone` (a leaf), \
              so every layer can use it; move what it needs down into it",
    },
    Rule {
        layer: "phone",
        may: May::Only(&[]),
        why: "`phone` is a leaf under the domain: it names nothing else in the crate",
    },
    Rule {
        layer: "secret",
        may: May::Only(&[]),
        why: "`secret` is a leaf every layer may use: it names nothing else in the crate",
    },
    Rule {
        layer: "store",
        may: May::Not(&["engine", "service", "tui", "cli", "runtime", "sandbox"]),
        why: "the store is below the engine and its clients: shared words (calling hours, \
              room names, counts) live in `domain`",
    },
    Rule {
        layer: "telephony",
        may: May::Not(&[
            "store", "engine", "service", "tui", "cli", "runtime", "sandbox", "config",
        ]),
        why: "telephony is the LiveKit boundary: it takes plain values (a `Secret`, a \
              `RecordingOutput`) from whoever reads the settings, and knows nothing of the \
              layers that use it",
    },
    Rule {
        layer: "config",
        may: May::Not(&[
            "telephony",
            "engine",
            "store",
            "service",
            "tui",
            "cli",
            "runtime",
            "sandbox",
        ]),
        why: "config is a plain description of the settings: the layers that use a setting \
              turn it into their own types (telephony builds its `RecordingOutput`)",
    },
    Rule {
        layer: "engine",
        may: May::Not(&["service", "tui", "cli", "runtime", "sandbox"]),
        why: "the engine is driven through its handle: the service, the CLI and the console \
              are its clients, never its parts",
    },
];

/// Only the console (and the binary) draw on the terminal.
const TERMINAL_CRATES: &[&str] = &["ratatui", "crossterm"];
const MAY_USE_THE_TERMINAL: &[&str] = &["src/tui/", "src/main.rs"];

#[test]
fn layers_name_only_what_is_below_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules = top_level_modules(root);
    let mut broken = String::new();
    let mut scanned = 0;
    for rule in RULES {
        for file in layer_files(root, rule.layer) {
            scanned += 1;
            let code = code_only(&read(&file));
            for (line, named) in crate_modules_named(&code, &module_path(root, &file)) {
                // A `super::` from a nested test module can land on an item, not a module.
                if !modules.contains(&named) || named == rule.layer || allowed(&rule.may, &named) {
                    continue;
                }
                let _ = writeln!(
                    broken,
                    "{}:{line}: `{}` names `crate::{named}`: {}",
                    relative(root, &file),
                    rule.layer,
                    rule.why
                );
            }
        }
    }
    assert!(
        scanned > 50,
        "only {scanned} files scanned: is the layout still src/<layer>/?"
    );
    assert!(broken.is_empty(), "layers point the wrong way:\n{broken}");
}

#[test]
fn only_the_console_touches_the_terminal() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut broken = String::new();
    let mut files = rust_files(&root.join("src"));
    files.extend(rust_files(&root.join("crates")));
    for file in files {
        let shown = relative(root, &file);
        if MAY_USE_THE_TERMINAL.iter().any(|p| shown.starts_with(p)) {
            continue;
        }
        let code = code_only(&read(&file));
        for name in TERMINAL_CRATES {
            for at in word_positions(&code, name) {
                let _ = writeln!(
                    broken,
                    "{shown}:{}: names `{name}`: only `tui` and the binary draw on the terminal \
                     (engine, store, telephony, sandbox and domain run without one)",
                    line_of(&code, at)
                );
            }
        }
    }
    assert!(
        broken.is_empty(),
        "terminal code outside the console:\n{broken}"
    );
}

/// The scan itself: grouped imports, `super::` chains that reach the root, and code
/// that only looks like a path (comments, strings) are told apart.
#[test]
fn the_scan_sees_paths_and_not_comments() {
    let source = r##"
use crate::domain::CampaignId;
use crate::{
    engine::window,
    store::{self, Store},
};
// crate::tui in a comment
/* crate::cli in a block */
const S: &str = "crate::service in a string";
const R: &str = r#"crate::runtime in a raw string"#;
const C: char = '"';
fn f<'a>(x: &'a str) { super::super::telephony::room_name(x); super::sibling(); }
"##;
    let named = crate_modules_named(&code_only(source), &["store".into(), "queue".into()]);
    assert_eq!(
        named,
        vec![
            (2, "domain".to_string()),
            (4, "engine".to_string()),
            (5, "store".to_string()),
            (12, "telephony".to_string()),
        ]
    );
}

fn allowed(may: &May, named: &str) -> bool {
    match may {
        May::Only(names) => names.contains(&named),
        May::Not(names) => !names.contains(&named),
    }
}

/// The crate's top-level modules, as `src/lib.rs` declares them (`mod x;`, or
/// `pub use other_crate as x;` for a module that became its own crate).
fn top_level_modules(root: &Path) -> Vec<String> {
    code_only(&read(&root.join("src/lib.rs")))
        .lines()
        .filter_map(|line| {
            let line = line.trim().trim_end_matches(';');
            let line = line.strip_prefix("pub ").unwrap_or(line);
            match line.strip_prefix("mod ") {
                Some(name) => Some(name.trim().to_string()),
                None => line
                    .strip_prefix("use ")
                    .and_then(|u| u.split_once(" as "))
                    .map(|(_, name)| name.trim().to_string()),
            }
        })
        .collect()
}

fn layer_files(root: &Path, layer: &str) -> Vec<PathBuf> {
    let mut files = rust_files(&root.join("src").join(layer));
    let single = root.join("src").join(format!("{layer}.rs"));
    if single.is_file() {
        files.push(single);
    }
    files
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries {
        let path = entry.expect("a readable directory entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                files.extend(rust_files(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn read(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn relative(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

/// The module a file is, from `src/`: `src/store/queue.rs` is `store::queue`,
/// `src/store/mod.rs` is `store`.
fn module_path(root: &Path, file: &Path) -> Vec<String> {
    let inside = file.strip_prefix(root.join("src")).unwrap_or(file);
    let mut path: Vec<String> = inside
        .with_extension("")
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    if path.last().is_some_and(|last| last == "mod") {
        path.pop();
    }
    path
}

/// The source with comments and string and char literals blanked out (newlines kept,
/// so positions still give the right line).
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let rest = &chars[i..];
        let skip = if rest.starts_with(&['/', '/']) {
            rest.iter().position(|&c| c == '\n').unwrap_or(rest.len())
        } else if rest.starts_with(&['/', '*']) {
            block_comment_len(rest)
        } else if rest[0] == 'r' && raw_string_len(rest).is_some() && !ident_before(&chars, i) {
            raw_string_len(rest).unwrap_or(1)
        } else if rest[0] == '"' {
            string_len(rest)
        } else if rest[0] == '\'' {
            char_literal_len(rest).unwrap_or(0)
        } else {
            0
        };
        if skip == 0 {
            out.push(rest[0]);
            i += 1;
        } else {
            out.extend(rest[..skip].iter().map(|&c| blank(c)));
            i += skip;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && is_ident(chars[i - 1])
}

fn block_comment_len(rest: &[char]) -> usize {
    let mut depth = 0;
    let mut i = 0;
    while i < rest.len() {
        if rest[i..].starts_with(&['/', '*']) {
            depth += 1;
            i += 2;
        } else if rest[i..].starts_with(&['*', '/']) {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    rest.len()
}

/// `r"..."`, `r#"..."#` and so on, from the `r`.
fn raw_string_len(rest: &[char]) -> Option<usize> {
    let hashes = rest[1..].iter().take_while(|&&c| c == '#').count();
    if rest.get(1 + hashes) != Some(&'"') {
        return None;
    }
    let body = 2 + hashes;
    (body..rest.len())
        .find(|&i| {
            rest[i] == '"'
                && rest[i + 1..]
                    .iter()
                    .take(hashes)
                    .filter(|&&c| c == '#')
                    .count()
                    == hashes
        })
        .map(|end| end + 1 + hashes)
        .or(Some(rest.len()))
}

fn string_len(rest: &[char]) -> usize {
    let mut i = 1;
    while i < rest.len() {
        match rest[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    rest.len()
}

/// `'x'` or `'\n'`, from the quote; `None` for a lifetime (`'a`).
fn char_literal_len(rest: &[char]) -> Option<usize> {
    match rest.get(1)? {
        '\\' => rest
            .get(3..)?
            .iter()
            .position(|&c| c == '\'')
            .map(|p| p + 4),
        _ if rest.get(2) == Some(&'\'') => Some(3),
        _ => None,
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn line_of(code: &str, at: usize) -> usize {
    code[..at].matches('\n').count() + 1
}

/// Byte positions where `word` stands alone (not part of a longer identifier).
fn word_positions(code: &str, word: &str) -> Vec<usize> {
    code.match_indices(word)
        .filter(|(at, _)| {
            let before = code[..*at].chars().next_back();
            let after = code[at + word.len()..].chars().next();
            !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
        })
        .map(|(at, _)| at)
        .collect()
}

/// Every top-level module of the crate that `code` names, with its line: after
/// `crate::`, inside `crate::{...}`, and after as many `super::` as it takes to climb
/// from `module` to the crate root.
fn crate_modules_named(code: &str, module: &[String]) -> Vec<(usize, String)> {
    let mut named = Vec::new();
    for at in word_positions(code, "crate") {
        if let Some(after) = code[at + "crate".len()..].strip_prefix("::") {
            let from = code.len() - after.len();
            named.extend(heads(code, from));
        }
    }
    for at in word_positions(code, "super") {
        let before = code[..at].trim_end();
        if before.ends_with("::") {
            continue; // counted from the first `super` of the chain
        }
        let mut rest = &code[at..];
        let mut climbs = 0;
        while let Some(after) = rest.strip_prefix("super") {
            match after.trim_start().strip_prefix("::") {
                Some(next) => {
                    climbs += 1;
                    rest = next.trim_start();
                }
                None => break,
            }
        }
        if climbs > 0 && climbs == module.len() {
            named.extend(heads(code, code.len() - rest.len()));
        }
    }
    named.sort();
    named.dedup();
    named
}

/// The first segment of the path at `from`, or each first segment of a `{...}` group.
fn heads(code: &str, from: usize) -> Vec<(usize, String)> {
    let rest = &code[from..];
    let trimmed = rest.trim_start();
    let start = from + rest.len() - trimmed.len();
    if let Some(group) = trimmed.strip_prefix('{') {
        let mut found = Vec::new();
        let mut depth = 0;
        let mut expect_head = true;
        let base = start + 1;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => expect_head = true,
                c if expect_head && is_ident(c) => {
                    expect_head = false;
                    let name: String = group[i..].chars().take_while(|&c| is_ident(c)).collect();
                    if name != "self" {
                        found.push((line_of(code, base + i), name));
                    }
                }
                _ => {}
            }
        }
        found
    } else {
        let name: String = trimmed.chars().take_while(|&c| is_ident(c)).collect();
        if name.is_empty() {
            Vec::new()
        } else {
            vec![(line_of(code, start), name)]
        }
    }
}
