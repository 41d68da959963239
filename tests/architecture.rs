//! The architecture page (`docs/ARCHITECTURE.md`) checked against the code, so the page a
//! newcomer reads first cannot drift from what is built:
//!
//! - every module in `src/lib.rs` stands on exactly one floor of the page's table, and imports
//!   only modules listed before it (the arrows point down; no cycles);
//! - every table created by `migrations/` has one owning module in the page's table, and only
//!   that module inserts into it, updates it, deletes from it or loads it as a statement's
//!   main table (a join or a subquery of a list query may read it for a name or a filter);
//! - no source file in `src/` is longer than the page says a file may be.
//!
//! Functions are held to their length by clippy (`too_many_lines`, threshold in
//! `clippy.toml`), which CI runs with `-D warnings`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 400;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn page() -> String {
    fs::read_to_string(root().join("docs/ARCHITECTURE.md")).expect("docs/ARCHITECTURE.md")
}

/// The cells of the first markdown table after the heading `heading`, header row skipped.
fn table_after(page: &str, heading: &str) -> Vec<Vec<String>> {
    let start = page
        .lines()
        .position(|line| line.trim() == heading)
        .unwrap_or_else(|| panic!("docs/ARCHITECTURE.md has no heading {heading:?}"));
    page.lines()
        .skip(start + 1)
        .skip_while(|line| !line.trim_start().starts_with('|'))
        .take_while(|line| line.trim_start().starts_with('|'))
        .skip(2)
        .map(|line| {
            line.trim()
                .trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_string())
                .collect()
        })
        .collect()
}

/// The names written as `code` in a cell, in order.
fn code_names(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Every module of the crate, bottom floor first, in the page's order.
fn modules_in_order() -> Vec<String> {
    table_after(&page(), "## Floors")
        .iter()
        .flat_map(|row| code_names(&row[2]))
        .collect()
}

fn lib_modules() -> BTreeSet<String> {
    fs::read_to_string(root().join("src/lib.rs"))
        .unwrap()
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod "))
        .map(|rest| rest.trim_end_matches(';').to_string())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The files of a top-level module: `src/name.rs` and everything under `src/name/`.
fn files_of(module: &str) -> Vec<PathBuf> {
    let src = root().join("src");
    let mut files = Vec::new();
    let single = src.join(format!("{module}.rs"));
    if single.exists() {
        files.push(single);
    }
    rust_files(&src.join(module), &mut files);
    files
}

/// A file's code without its comment lines (doc comments name other modules in links).
fn code_of(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a piece of code names through `crate::`, including the grouped form
/// `use crate::{a::b, c};`.
fn crate_references(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut starts = vec![String::new()];
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => starts.push(String::new()),
                    _ => {}
                }
                if depth == 0 && c != ',' {
                    starts.last_mut().unwrap().push(c);
                }
            }
            for start in starts {
                let name = identifier(start.trim_start());
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name = identifier(rest);
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// A table name as a migration writes it, with its schema when it has one
/// (`tower_sessions.session`).
fn qualified_identifier(text: &str) -> String {
    let name = identifier(text);
    match text[name.len()..].strip_prefix('.') {
        Some(rest) => format!("{name}.{}", identifier(rest)),
        None => name,
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap().display().to_string()
}

#[test]
fn every_module_stands_on_exactly_one_floor() {
    let listed = modules_in_order();
    let unique: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        listed.len(),
        "a module is listed twice: {listed:?}"
    );
    let built = lib_modules();
    let missing: Vec<_> = built.difference(&unique).collect();
    let stale: Vec<_> = unique.difference(&built).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/ARCHITECTURE.md's floors differ from src/lib.rs: not on the page {missing:?}, \
         on the page but not built {stale:?}"
    );
}

#[test]
fn every_module_imports_only_the_floors_below_it() {
    let order = modules_in_order();
    let rank: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut upward = Vec::new();
    for (i, module) in order.iter().enumerate() {
        for file in files_of(module) {
            for name in crate_references(&code_of(&file)) {
                let Some(&j) = rank.get(name.as_str()) else {
                    continue;
                };
                if j > i {
                    upward.push(format!("{} uses crate::{name}", relative(&file)));
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that point up (or sideways to a module listed later):\n{}",
        upward.join("\n")
    );
}

/// Whether `code` writes `table` (insert, update, delete) or loads it as the main table of a
/// statement (`from table` outside any parenthesis of its SQL string). A join, or a `from`
/// inside a subquery of a list query, reads a display column or filters and is allowed.
fn table_uses(code: &str, table: &str) -> bool {
    let lower = code.to_lowercase();
    let writes = ["insert into ", "update ", "delete from "];
    writes
        .iter()
        .any(|verb| mentions(&lower, &format!("{verb}{table}")).next().is_some())
        || mentions(&lower, &format!("from {table}")).any(|at| !inside_parenthesis(&lower, at))
}

/// Where `phrase` stands as whole words.
fn mentions<'a>(text: &'a str, phrase: &'a str) -> impl Iterator<Item = usize> + 'a {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    text.match_indices(phrase)
        .filter(move |(at, found)| {
            !word(text[..*at].chars().last()) && !word(text[at + found.len()..].chars().next())
        })
        .map(|(at, _)| at)
}

/// Whether position `at` lies inside an open parenthesis of the string literal it is in.
fn inside_parenthesis(text: &str, at: usize) -> bool {
    let literal_start = text[..at].rfind('"').map_or(0, |quote| quote + 1);
    let before = &text[literal_start..at];
    before.matches('(').count() > before.matches(')').count()
}

fn migration_tables() -> BTreeSet<String> {
    let mut tables = BTreeSet::new();
    for entry in fs::read_dir(root().join("migrations")).unwrap().flatten() {
        let sql = fs::read_to_string(entry.path()).unwrap().to_lowercase();
        for (at, found) in sql.match_indices("create table ") {
            let rest = &sql[at + found.len()..];
            let rest = rest.strip_prefix("if not exists ").unwrap_or(rest);
            tables.insert(qualified_identifier(rest));
        }
    }
    tables
}

#[test]
fn every_table_has_one_owner_and_only_the_owner_uses_it() {
    let owners: BTreeMap<String, String> = table_after(&page(), "## Tables")
        .iter()
        .flat_map(|row| {
            let owner = code_names(&row[1]).pop().expect("an owner in backticks");
            code_names(&row[0])
                .into_iter()
                .map(move |table| (table, owner.clone()))
        })
        .collect();
    let created = migration_tables();
    let unowned: Vec<_> = created
        .iter()
        .filter(|t| !owners.contains_key(*t))
        .collect();
    assert!(
        unowned.is_empty(),
        "tables with no owner on the page: {unowned:?}"
    );
    let mut trespass = Vec::new();
    for module in lib_modules() {
        for file in files_of(&module) {
            let code = code_of(&file);
            for (table, owner) in &owners {
                if !owned_by(owner, &file) && table_uses(&code, table) {
                    trespass.push(format!(
                        "{} uses {table} (owned by {owner})",
                        relative(&file)
                    ));
                }
            }
        }
    }
    assert!(
        trespass.is_empty(),
        "tables used outside their owner:\n{}",
        trespass.join("\n")
    );
}

/// Whether `file` belongs to `owner`, which may name a submodule (`web::session`).
fn owned_by(owner: &str, file: &Path) -> bool {
    let path = owner.replace("::", "/");
    let src = root().join("src");
    file.starts_with(src.join(&path)) || file == src.join(format!("{path}.rs"))
}

#[test]
fn no_source_file_is_too_long_to_read() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = fs::read_to_string(file).unwrap().lines().count();
            (lines > MAX_FILE_LINES).then(|| format!("{} has {lines} lines", relative(file)))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines (split them by what they do):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_reference_parser_reads_plain_and_grouped_imports() {
    let code = "use crate::accounts::model::Account;\nuse crate::{audit::{self, Entry}, ids};\n\
                let x = crate::db::escape_like(t);";
    let names: Vec<String> = crate_references(code).into_iter().collect();
    assert_eq!(names, ["accounts", "audit", "db", "ids"]);
    assert!(table_uses("select 1 from accounts where", "accounts"));
    assert!(!table_uses("select 1 from accounts_view", "accounts"));
    assert!(!table_uses("join accounts p on", "accounts"));
    assert!(!table_uses(
        "q.push(\"(select count(*) from licenses l where",
        "licenses"
    ));
    assert!(table_uses(
        "q.push(\"select count(*) from licenses l where",
        "licenses"
    ));
    assert!(table_uses("\"update licenses set", "licenses"));
}
