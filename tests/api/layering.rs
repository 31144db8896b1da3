//! The layering the README promises, checked on the source: every
//! `crate::…` path in `src/` may only name a module of a lower layer (or its
//! own module). Modules of one layer do not import each other.
//!
//! `cli` → `app` → `config` → `web` → `flows` → {`accounts`, `store`, `mail`} →
//! `measure` → `protocol` → `jose` → {`crypto`, `clock`, `vocabulary`}

use std::path::{Path, PathBuf};

/// Top-level modules by layer, lowest first.
const LAYERS: &[&[&str]] = &[
    &["crypto", "clock", "vocabulary"],
    &["jose"],
    &["protocol"],
    &["measure"],
    &["accounts", "store", "mail"],
    &["flows"],
    &["web"],
    &["config"],
    &["app"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level module a source file belongs to (`None` for the crate root).
fn module_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// The code without `//` and `/* */` comments (doc comments name paths in
/// prose that are not imports).
fn without_comments(source: &str) -> String {
    let mut code = String::with_capacity(source.len());
    let mut rest = source;
    while !rest.is_empty() {
        match (rest.find("//"), rest.find("/*")) {
            (Some(line), Some(block)) if block < line => {
                code.push_str(&rest[..block]);
                rest = rest[block..].find("*/").map_or("", |end| &rest[block + end + 2..]);
            }
            (Some(line), _) => {
                code.push_str(&rest[..line]);
                rest = rest[line..].find('\n').map_or("", |end| &rest[line + end..]);
            }
            (None, Some(block)) => {
                code.push_str(&rest[..block]);
                rest = rest[block..].find("*/").map_or("", |end| &rest[block + end + 2..]);
            }
            (None, None) => {
                code.push_str(rest);
                rest = "";
            }
        }
    }
    code
}

fn identifier(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules that `crate::…` paths in `code` name, including
/// each member of a `crate::{a, b::c}` group.
fn imported_modules(code: &str) -> Vec<String> {
    let mut modules = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let after = &code[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        modules.push(identifier(group[start..i].trim()).to_string());
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        modules.push(identifier(group[start..i].trim()).to_string());
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            modules.push(identifier(after).to_string());
        }
    }
    modules.retain(|m| !m.is_empty());
    modules
}

/// Every import of `files` (paths relative to `src/`) that points sideways
/// or up, as `file: importer -> imported`.
fn violations(files: &[(PathBuf, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, source) in files {
        let Some(module) = module_of(path) else { continue };
        let Some(own) = layer_of(&module) else {
            found.push(format!("{}: module {module} has no layer", path.display()));
            continue;
        };
        for imported in imported_modules(&without_comments(source)) {
            let allowed = imported == module || layer_of(&imported).is_some_and(|layer| layer < own);
            if !allowed {
                found.push(format!("{}: {module} -> {imported}", path.display()));
            }
        }
    }
    found
}

fn sources(dir: &Path, root: &Path, files: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, root, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).expect("read source");
            files.push((path.strip_prefix(root).expect("under src").to_path_buf(), source));
        }
    }
}

#[test]
fn imports_point_down_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    assert!(files.len() > 50, "found only {} source files", files.len());
    let found = violations(&files);
    assert!(found.is_empty(), "imports that point up or sideways:\n{}", found.join("\n"));
}

#[test]
fn an_upward_or_sideways_import_is_caught() {
    let file = |path: &str, source: &str| (PathBuf::from(path), source.to_string());
    let upward = [
        file("protocol/tokens.rs", "use crate::store::Stores;"),
        file("jose/mod.rs", "/// See `crate::config`.\nuse crate::{crypto, protocol::Scope};"),
        file("store/users.rs", "fn f() { crate::accounts::users::normalize_username(\"a\"); }"),
        file("flows/x.rs", "use crate::{clock::Clock, web::{Site, respond}};"),
    ];
    assert_eq!(
        violations(&upward),
        [
            "protocol/tokens.rs: protocol -> store",
            "jose/mod.rs: jose -> protocol",
            "store/users.rs: store -> accounts",
            "flows/x.rs: flows -> web"
        ]
    );
    let fine = [
        file("web/mod.rs", "use crate::flows::token::TokenFlow;\nuse crate::web::Site;"),
        file("cli/mod.rs", "// crate::anything in a comment\nuse crate::{app, config::Settings};"),
        file("lib.rs", "pub mod cli;"),
        file("vocabulary.rs", "$crate::vocabulary::UnknownWord"),
    ];
    assert!(violations(&fine).is_empty(), "{:?}", violations(&fine));
    assert_eq!(violations(&[file("newmod/x.rs", "")]), ["newmod/x.rs: module newmod has no layer"]);
}
