//! No crate of the workspace may have import cycles between its modules (issue #15): a module
//! that depends on a sibling which depends back on it cannot be read, tested or moved on its
//! own, and the cycles only ever grow once one is tolerated.
//!
//! The test reads every crate's sources (it lives in tandem-core only because every build has
//! that crate) and follows `mod x;` from each crate root (`src/lib.rs`, `src/main.rs`,
//! `src/bin/*.rs`) to `x.rs` or `x/mod.rs`. `#[cfg(test)]` modules and `tests/` are left out:
//! a unit test reaching into a sibling is not a design dependency.
//!
//! Module `a` depends on its sibling `b` when a file in `a`'s subtree names a path that resolves
//! to `b` or below: `use crate::b::..`, `use crate::{b, c}`, `crate::b::f()`, `super::b` in
//! `a.rs`, `super::super::b` in `a/x.rs`, `$crate::b` in a macro. This is done at every level of
//! the tree: the crate's top-level modules, the children of each of those, and so on. Only
//! paths are followed, not re-exports: `crate::Foo` where lib.rs has `pub use b::Foo` is a
//! dependency on the crate root, not on `b`. Comments and string/char literals are blanked out
//! first, so a doc link or a `"crate::x"` in a message is no edge.
//!
//! Cycles are reported per strongly connected component (Tarjan), so the allow-list below is a
//! set of modules and does not depend on where a cycle is entered.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

/// Cycles that still exist, each as (crate, modules of one strongly connected component).
/// Nested modules are written as paths from the crate root (`metrics::a`). A crate is named by
/// its directory under `crates/` (or `benches`), with ` [main]` or ` [bin x]` for extra roots.
///
/// This list may only shrink: REMOVE an entry (or drop the module that left the component) as
/// soon as a cycle is broken — the test fails on an entry that no longer matches a component,
/// so a fixed cycle cannot silently come back. Never add an entry: break the new cycle instead.
const ALLOWED_CYCLES: &[(&str, &[&str])] = &[];

/// A token of Rust source after comments and literals are gone: an identifier (raw `r#x` is
/// `x`, `$crate` keeps its `$`), `::`, or one punctuation character. Numbers are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tok {
    text: String,
    line: usize,
}

/// `mod name;` found in a file; `scope` is the path of inline `mod m { .. }` blocks around it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ModDecl {
    scope: Vec<String>,
    name: String,
    line: usize,
}

/// A path from a `use` tree or from code, as written (`["super", "b", "f"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PathRef {
    scope: Vec<String>,
    segments: Vec<String>,
    line: usize,
}

#[derive(Debug, Default)]
struct FileScan {
    mod_decls: Vec<ModDecl>,
    /// Inline, non-test `mod m { .. }` blocks, as paths within the file.
    inline_mods: Vec<Vec<String>>,
    refs: Vec<PathRef>,
}

/// One source file of a crate, with the module path it defines (`[]` for the crate root).
#[derive(Debug)]
struct SourceFile {
    module: Vec<String>,
    display: String,
    scan: FileScan,
}

/// Edges between sibling modules: (parent, from child, to child) -> `file:line` of the first
/// reference, kept as evidence for the report.
type Edges = BTreeMap<(Vec<String>, String, String), String>;

// ---------------------------------------------------------------------------------------------
// Blanking comments and literals

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn char_at(s: &[char], k: usize) -> char {
    s.get(k).copied().unwrap_or('\0')
}

fn word_end(s: &[char], mut k: usize) -> usize {
    while k < s.len() && is_ident_continue(s[k]) {
        k += 1;
    }
    k
}

/// Replaces comments and string, byte-string, raw-string and char literals by spaces, keeping
/// newlines, so that what is left is code and line numbers still hold.
fn strip(src: &str) -> String {
    let s: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < s.len() {
        if let Some(end) = literal_end(&s, i) {
            let end = end.min(s.len());
            out.extend(
                s[i..end]
                    .iter()
                    .map(|&c| if c == '\n' { '\n' } else { ' ' }),
            );
            i = end;
        } else if is_ident_start(s[i]) {
            // Whole words at once, so that the `r` ending `for` never starts a raw string.
            let end = word_end(&s, i);
            out.extend(&s[i..end]);
            i = end;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// If a comment or literal starts at `i`, the index just past its end.
fn literal_end(s: &[char], i: usize) -> Option<usize> {
    match (char_at(s, i), char_at(s, i + 1)) {
        ('/', '/') => Some((i..s.len()).find(|&k| s[k] == '\n').unwrap_or(s.len())),
        ('/', '*') => Some(block_comment_end(s, i)),
        ('"', _) => Some(quoted_end(s, i + 1, '"')),
        ('\'', _) => char_literal_end(s, i),
        (c, _) if is_ident_start(c) => prefixed_literal_end(s, i),
        _ => None,
    }
}

/// Block comments nest in Rust.
fn block_comment_end(s: &[char], i: usize) -> usize {
    let (mut depth, mut k) = (0usize, i);
    while k < s.len() {
        match (s[k], char_at(s, k + 1)) {
            ('/', '*') => {
                depth += 1;
                k += 2;
            }
            ('*', '/') => {
                depth -= 1;
                k += 2;
                if depth == 0 {
                    return k;
                }
            }
            _ => k += 1,
        }
    }
    s.len()
}

/// End of a quoted literal whose body starts at `k`; a backslash escapes the next character.
fn quoted_end(s: &[char], mut k: usize, quote: char) -> usize {
    while k < s.len() {
        if s[k] == '\\' {
            k += 2;
        } else if s[k] == quote {
            return k + 1;
        } else {
            k += 1;
        }
    }
    s.len()
}

/// `'x'`, `'"'`, `'\''`, `'\u{1F600}'` are literals; `'a` in `<'a>` or a loop label is not.
fn char_literal_end(s: &[char], i: usize) -> Option<usize> {
    if char_at(s, i + 1) == '\\' {
        Some(quoted_end(s, i + 1, '\''))
    } else if char_at(s, i + 2) == '\'' && char_at(s, i + 1) != '\n' {
        Some(i + 3)
    } else {
        None
    }
}

/// Literals with a prefix: `b"…"`, `c"…"`, `b'x'`, `r"…"`, `r#"…"#`, `br##"…"##`, `cr"…"`.
fn prefixed_literal_end(s: &[char], i: usize) -> Option<usize> {
    let j = word_end(s, i);
    let word: String = s[i..j].iter().collect();
    match (word.as_str(), char_at(s, j)) {
        ("b" | "c", '"') => Some(quoted_end(s, j + 1, '"')),
        ("b", '\'') => char_literal_end(s, j),
        ("r" | "br" | "cr", '"' | '#') => raw_string_end(s, j),
        _ => None,
    }
}

/// `j` is just after the `r`. `None` for a raw identifier such as `r#type`.
fn raw_string_end(s: &[char], j: usize) -> Option<usize> {
    let hashes = s[j..].iter().take_while(|&&c| c == '#').count();
    if char_at(s, j + hashes) != '"' {
        return None;
    }
    let mut k = j + hashes + 1;
    while k < s.len() {
        if s[k] == '"' && (1..=hashes).all(|h| char_at(s, k + h) == '#') {
            return Some(k + 1 + hashes);
        }
        k += 1;
    }
    Some(s.len())
}

// ---------------------------------------------------------------------------------------------
// Tokens and the little parser

fn tokenize(stripped: &str) -> Vec<Tok> {
    let s: Vec<char> = stripped.chars().collect();
    let (mut toks, mut line, mut i) = (Vec::new(), 1, 0);
    let mut push = |text: String, line: usize| toks.push(Tok { text, line });
    while i < s.len() {
        let c = s[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '$' && is_ident_start(char_at(&s, i + 1)) {
            let end = word_end(&s, i + 1);
            push(s[i..end].iter().collect(), line);
            i = end;
        } else if is_ident_start(c) {
            let mut end = word_end(&s, i);
            let mut text: String = s[i..end].iter().collect();
            if text == "r" && char_at(&s, end) == '#' && is_ident_start(char_at(&s, end + 1)) {
                let start = end + 1;
                end = word_end(&s, start);
                text = s[start..end].iter().collect();
            }
            push(text, line);
            i = end;
        } else if c.is_ascii_digit() {
            i = word_end(&s, i);
        } else if c == ':' && char_at(&s, i + 1) == ':' {
            push("::".to_string(), line);
            i += 2;
        } else {
            push(c.to_string(), line);
            i += 1;
        }
    }
    toks
}

fn is_ident(text: &str) -> bool {
    text.starts_with(|c: char| is_ident_start(c) || c == '$')
}

/// Walks the tokens of one file, tracking inline `mod m { .. }` blocks by brace depth.
struct Scanner<'a> {
    toks: &'a [Tok],
    i: usize,
    depth: usize,
    /// Open inline modules with the brace depth outside them.
    scopes: Vec<(String, usize)>,
    /// A `#[cfg(test)]` was seen and only attributes or a visibility followed so far.
    pending_test: bool,
    out: FileScan,
}

fn scan_source(src: &str) -> FileScan {
    let toks = tokenize(&strip(src));
    let mut scanner = Scanner {
        toks: &toks,
        i: 0,
        depth: 0,
        scopes: Vec::new(),
        pending_test: false,
        out: FileScan::default(),
    };
    scanner.run();
    scanner.out
}

impl Scanner<'_> {
    fn text(&self, k: usize) -> &str {
        self.toks.get(k).map_or("", |t| t.text.as_str())
    }

    fn scope(&self) -> Vec<String> {
        self.scopes.iter().map(|(name, _)| name.clone()).collect()
    }

    fn run(&mut self) {
        while self.i < self.toks.len() {
            let is_path_head =
                self.text(self.i + 1) == "::" && (self.i == 0 || self.text(self.i - 1) != "::");
            match self.text(self.i) {
                // Attributes and visibilities sit between `#[cfg(test)]` and its `mod`.
                "#" => {
                    self.attribute();
                    continue;
                }
                "pub" => {
                    self.visibility();
                    continue;
                }
                "mod" => self.module(),
                "use" => self.use_declaration(),
                "{" => {
                    self.depth += 1;
                    self.i += 1;
                }
                "}" => self.close_brace(),
                "crate" | "$crate" | "super" | "self" if is_path_head => self.code_path(),
                _ => self.i += 1,
            }
            self.pending_test = false;
        }
    }

    /// Index just past the bracket matching the opening one at `k`.
    fn matching(&self, k: usize, open: &str, close: &str) -> usize {
        let (mut depth, mut j) = (0usize, k);
        while j < self.toks.len() {
            let t = self.text(j);
            if t == open {
                depth += 1;
            } else if t == close {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            j += 1;
        }
        self.toks.len()
    }

    fn attribute(&mut self) {
        let open = if self.text(self.i + 1) == "[" {
            self.i + 1
        } else {
            self.i += 1;
            return;
        };
        let end = self.matching(open, "[", "]");
        let inner: Vec<&str> = (open + 1..end - 1).map(|k| self.text(k)).collect();
        if inner == ["cfg", "(", "test", ")"] {
            self.pending_test = true;
        }
        self.i = end;
    }

    /// `pub`, `pub(crate)`, `pub(super)`, `pub(in crate::a)`: the path of a visibility names
    /// an ancestor, never a dependency, so it is skipped.
    fn visibility(&mut self) {
        self.i += 1;
        if self.text(self.i) == "(" {
            self.i = self.matching(self.i, "(", ")");
        }
    }

    fn module(&mut self) {
        let (name, next) = (self.text(self.i + 1).to_string(), self.text(self.i + 2));
        let line = self.toks[self.i].line;
        // `mod $name;` inside `macro_rules!` declares nothing until the macro is expanded.
        if !is_ident(&name) || name.starts_with('$') {
            self.i += 1;
            return;
        }
        match (self.pending_test, next) {
            (true, "{") => self.i = self.matching(self.i + 2, "{", "}"),
            (false, "{") => {
                let mut path = self.scope();
                path.push(name.clone());
                self.out.inline_mods.push(path);
                self.scopes.push((name, self.depth));
                self.depth += 1;
                self.i += 3;
            }
            (true, ";") => self.i += 3,
            (false, ";") => {
                let scope = self.scope();
                self.out.mod_decls.push(ModDecl { scope, name, line });
                self.i += 3;
            }
            _ => self.i += 1,
        }
    }

    fn close_brace(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        if self.scopes.last().is_some_and(|&(_, d)| d == self.depth) {
            self.scopes.pop();
        }
        self.i += 1;
    }

    fn use_declaration(&mut self) {
        let mut leaves = Vec::new();
        self.i = parse_use_tree(self.toks, self.i + 1, &[], &mut leaves);
        let scope = self.scope();
        for (segments, line) in leaves {
            let scope = scope.clone();
            self.out.refs.push(PathRef {
                scope,
                segments,
                line,
            });
        }
        while self.i < self.toks.len() && !matches!(self.text(self.i), ";" | "{" | "}") {
            self.i += 1;
        }
        if self.text(self.i) == ";" {
            self.i += 1;
        }
    }

    /// `crate::b::f`, `super::b`, `self::x::Y` in code; stops before `::<` or `::{`.
    fn code_path(&mut self) {
        let line = self.toks[self.i].line;
        let mut segments = vec![self.text(self.i).to_string()];
        self.i += 1;
        while self.text(self.i) == "::" && is_ident(self.text(self.i + 1)) {
            segments.push(self.text(self.i + 1).to_string());
            self.i += 2;
        }
        let scope = self.scope();
        self.out.refs.push(PathRef {
            scope,
            segments,
            line,
        });
    }
}

/// Parses one use tree starting at `i` (after `use`, or inside `{ .. }`), appending each leaf
/// path with the line of its last segment; returns the index after the tree.
fn parse_use_tree(
    t: &[Tok],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<(Vec<String>, usize)>,
) -> usize {
    let text = |k: usize| t.get(k).map_or("", |tok| tok.text.as_str());
    let line = |k: usize| t.get(k).map_or(0, |tok| tok.line);
    let mut path = prefix.to_vec();
    if text(i) == "::" {
        path.push("::".to_string());
        i += 1;
    }
    loop {
        match text(i) {
            "{" => {
                i += 1;
                while i < t.len() && text(i) != "}" {
                    let next = parse_use_tree(t, i, &path, out);
                    i = if next == i { i + 1 } else { next };
                    if text(i) == "," {
                        i += 1;
                    }
                }
                return i + 1;
            }
            "*" => {
                out.push((path, line(i)));
                return i + 1;
            }
            // `use crate::b::{self, X}`: the leaf `self` is the prefix itself.
            "self" if !path.is_empty() && text(i + 1) != "::" => {
                out.push((path, line(i)));
                return skip_alias(t, i + 1);
            }
            seg if is_ident(seg) => {
                path.push(seg.to_string());
                if text(i + 1) == "::" {
                    i += 2;
                    continue;
                }
                out.push((path, line(i)));
                return skip_alias(t, i + 1);
            }
            _ => return i,
        }
    }
}

fn skip_alias(t: &[Tok], i: usize) -> usize {
    if t.get(i).is_some_and(|tok| tok.text == "as") {
        i + 2
    } else {
        i
    }
}

/// The absolute module path a reference written in module `from` points to, or `None` when it
/// leaves the crate (another crate, `std`, a name brought in by `use`).
fn resolve(from: &[String], segments: &[String]) -> Option<Vec<String>> {
    let head = segments.first()?.as_str();
    if head == "crate" || head == "$crate" {
        return Some(segments[1..].to_vec());
    }
    if head != "self" && head != "super" {
        return None;
    }
    let mut base = from.to_vec();
    let mut rest = segments;
    while let Some(seg) = rest.first() {
        match seg.as_str() {
            "self" => {}
            "super" => {
                base.pop()?;
            }
            _ => break,
        }
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

// ---------------------------------------------------------------------------------------------
// Module trees, graphs and cycles

/// Every crate root of the workspace with its label: lib, main and `src/bin` targets.
fn crate_roots(workspace: &Path) -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(workspace.join("crates"))
        .expect("crates/ is readable")
        .map(|entry| entry.expect("crates/ entry").path())
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs.push(workspace.join("benches"));
    let mut roots = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (lib, main) = (dir.join("src/lib.rs"), dir.join("src/main.rs"));
        if lib.is_file() {
            roots.push((name.clone(), lib.clone()));
        }
        if main.is_file() {
            let label = if lib.is_file() {
                format!("{name} [main]")
            } else {
                name.clone()
            };
            roots.push((label, main));
        }
        let Ok(bins) = fs::read_dir(dir.join("src/bin")) else {
            continue;
        };
        let mut bins: Vec<PathBuf> = bins.map(|e| e.expect("src/bin entry").path()).collect();
        bins.sort();
        for bin in bins {
            let stem = bin.file_stem().unwrap().to_string_lossy().into_owned();
            let file = if bin.is_dir() {
                bin.join("main.rs")
            } else {
                bin
            };
            if file.is_file() && file.extension().is_some_and(|e| e == "rs") {
                roots.push((format!("{name} [bin {stem}]"), file));
            }
        }
    }
    roots
}

/// Reads the module tree of one crate root, breadth first from the root file.
fn load_tree(root: &Path, workspace: &Path) -> Result<Vec<SourceFile>, String> {
    let root_dir = root.parent().unwrap().to_path_buf();
    let mut queue = VecDeque::from([(root.to_path_buf(), Vec::<String>::new(), root_dir)]);
    let mut files = Vec::new();
    while let Some((file, module, dir)) = queue.pop_front() {
        let display = file
            .strip_prefix(workspace)
            .unwrap_or(&file)
            .display()
            .to_string();
        let src = fs::read_to_string(&file).map_err(|e| format!("{display}: {e}"))?;
        let scan = scan_source(&src);
        for decl in &scan.mod_decls {
            // Children of `a.rs` and of `a/mod.rs` both live in `a/`.
            let parent = decl.scope.iter().fold(dir.clone(), |d, s| d.join(s));
            let flat = parent.join(format!("{}.rs", decl.name));
            let nested = parent.join(&decl.name).join("mod.rs");
            let found = [flat, nested]
                .into_iter()
                .find(|p| p.is_file())
                .ok_or_else(|| {
                    format!("{display}:{}: no file for `mod {};`", decl.line, decl.name)
                })?;
            let mut child = module.clone();
            child.extend(decl.scope.iter().cloned());
            child.push(decl.name.clone());
            queue.push_back((found, child, parent.join(&decl.name)));
        }
        files.push(SourceFile {
            module,
            display,
            scan,
        });
    }
    Ok(files)
}

/// Dependencies between sibling modules at every level of the tree: a reference from module
/// `p::a::..` to `p::b::..` is the edge `a -> b` among the children of `p`.
fn sibling_edges(files: &[SourceFile]) -> Edges {
    let mut modules: BTreeSet<Vec<String>> = BTreeSet::new();
    for f in files {
        modules.insert(f.module.clone());
        for inline in &f.scan.inline_mods {
            modules.insert([f.module.clone(), inline.clone()].concat());
        }
    }
    let mut edges = Edges::new();
    for f in files {
        for r in &f.scan.refs {
            let from = [f.module.clone(), r.scope.clone()].concat();
            let Some(mut target) = resolve(&from, &r.segments) else {
                continue;
            };
            // Keep only the module part: `crate::b::f` depends on module `b`.
            while !modules.contains(&target) {
                target.pop();
            }
            let common = from.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common < from.len() && common < target.len() {
                let key = (
                    from[..common].to_vec(),
                    from[common].clone(),
                    target[common].clone(),
                );
                edges
                    .entry(key)
                    .or_insert_with(|| format!("{}:{}", f.display, r.line));
            }
        }
    }
    edges
}

/// Tarjan's strongly connected components; only components with more than one node are
/// returned, since an edge never points from a module to itself.
fn strongly_connected(edges: &BTreeSet<(String, String)>) -> Vec<BTreeSet<String>> {
    struct Tarjan<'a> {
        adj: BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<BTreeSet<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn connect(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.adj.get(v).cloned().unwrap_or_default() {
                if !self.index.contains_key(w) {
                    self.connect(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = BTreeSet::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.insert(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        adj: BTreeMap::new(),
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for (a, b) in edges {
        tarjan.adj.entry(a.as_str()).or_default().push(b.as_str());
        tarjan.adj.entry(b.as_str()).or_default();
    }
    let nodes: Vec<&str> = tarjan.adj.keys().copied().collect();
    for v in nodes {
        if !tarjan.index.contains_key(v) {
            tarjan.connect(v);
        }
    }
    tarjan.found
}

/// One shortest cycle through each edge of a component, rotated to start at its smallest
/// module and deduplicated: together they show every dependency that has to be cut.
fn cycles_in(
    component: &BTreeSet<String>,
    edges: &BTreeSet<(String, String)>,
) -> BTreeSet<Vec<String>> {
    let inside: Vec<&(String, String)> = edges
        .iter()
        .filter(|(a, b)| component.contains(a) && component.contains(b))
        .collect();
    let mut cycles = BTreeSet::new();
    for (u, v) in &inside {
        // Breadth first from v back to u, within the component.
        let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([v.as_str()]);
        while let Some(x) = queue.pop_front() {
            if x == u {
                break;
            }
            for (a, b) in &inside {
                if a == x && b != v && !came_from.contains_key(b.as_str()) {
                    came_from.insert(b, x);
                    queue.push_back(b);
                }
            }
        }
        let mut cycle = vec![u.clone()];
        let mut x = u.as_str();
        while x != v {
            x = came_from[x];
            cycle.push(x.to_string());
        }
        // `cycle` runs backwards from u; reverse it to u -> v -> .. and rotate.
        cycle[1..].reverse();
        let start = (0..cycle.len()).min_by_key(|&k| &cycle[k]).unwrap();
        cycle.rotate_left(start);
        cycles.insert(cycle);
    }
    cycles
}

/// Every cycle of one crate root as (qualified modules of the component, report text).
fn crate_cycles(label: &str, files: &[SourceFile]) -> Vec<(BTreeSet<String>, String)> {
    let edges = sibling_edges(files);
    let mut by_parent: BTreeMap<&Vec<String>, BTreeSet<(String, String)>> = BTreeMap::new();
    for (parent, a, b) in edges.keys() {
        by_parent
            .entry(parent)
            .or_default()
            .insert((a.clone(), b.clone()));
    }
    let mut found = Vec::new();
    for (parent, graph) in by_parent {
        let qualify = |m: &str| [parent.as_slice(), &[m.to_string()]].concat().join("::");
        for component in strongly_connected(&graph) {
            let members: BTreeSet<String> = component.iter().map(|m| qualify(m)).collect();
            let names: Vec<&str> = members.iter().map(String::as_str).collect();
            let mut text = format!("{label}: {{{}}}\n", names.join(", "));
            for cycle in cycles_in(&component, &graph) {
                let mut ring: Vec<String> = cycle.iter().map(|m| qualify(m)).collect();
                ring.push(ring[0].clone());
                text += &format!("  {label}: {}\n", ring.join(" -> "));
                for pair in cycle.iter().zip(cycle.iter().cycle().skip(1)) {
                    let at = &edges[&(parent.clone(), pair.0.clone(), pair.1.clone())];
                    text += &format!(
                        "      {} -> {}  at {at}\n",
                        qualify(pair.0),
                        qualify(pair.1)
                    );
                }
            }
            found.push((members, text));
        }
    }
    found
}

#[test]
fn no_module_cycles_outside_the_allow_list() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = workspace.canonicalize().expect("workspace root");
    let roots = crate_roots(&workspace);
    assert!(
        roots.len() > 1,
        "no crate roots found under {}",
        workspace.display()
    );
    let mut found: BTreeMap<(String, BTreeSet<String>), String> = BTreeMap::new();
    for (label, root) in &roots {
        let files = load_tree(root, &workspace).unwrap_or_else(|e| panic!("{label}: {e}"));
        for (members, text) in crate_cycles(label, &files) {
            found.insert((label.clone(), members), text);
        }
    }
    let allowed: BTreeSet<(String, BTreeSet<String>)> = ALLOWED_CYCLES
        .iter()
        .map(|(label, members)| {
            (
                label.to_string(),
                members.iter().map(|m| m.to_string()).collect(),
            )
        })
        .collect();
    let mut problems = Vec::new();
    for (key, text) in &found {
        if allowed.contains(key) {
            eprintln!("allowed (to be removed):\n{text}");
        } else {
            problems.push(format!("new module cycle:\n{text}"));
        }
    }
    for (label, members) in allowed.iter().filter(|key| !found.contains_key(*key)) {
        problems.push(format!(
            "stale ALLOWED_CYCLES entry ({label:?}, {members:?}): no component has exactly these \
             modules any more; remove the entry, or if the component only lost modules, shrink \
             the entry to the one reported above (never grow it)"
        ));
    }
    let current: Vec<String> = found
        .keys()
        .map(|(label, members)| {
            format!(
                "    ({label:?}, &{:?}),",
                members.iter().collect::<Vec<_>>()
            )
        })
        .collect();
    assert!(
        problems.is_empty(),
        "{}\ncomponents found now, in ALLOWED_CYCLES syntax:\n{}",
        problems.join("\n"),
        current.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The parser on small snippets

fn refs_of(src: &str) -> Vec<String> {
    scan_source(src)
        .refs
        .iter()
        .map(|r| r.segments.join("::"))
        .collect()
}

#[test]
fn strip_blanks_comments_and_literals_but_keeps_lines() {
    let src = "let a = \"crate::x\"; // crate::y\n/* crate::z /* nested */ still */ crate::w";
    let out = strip(src);
    assert_eq!(out.lines().count(), 2);
    assert!(!out.contains("crate::x") && !out.contains("crate::y") && !out.contains("crate::z"));
    assert!(!out.contains("still") && out.contains("crate::w"));
    let raw = "let s = r#\"a \" crate::x \"#; let b = br\"crate::y\"; let c = b\"crate::q\";";
    assert!(!strip(raw).contains("crate"));
    // A quote in a char literal does not open a string that would swallow the next line.
    let chars = "let q = '\"'; let e = '\\''; let b = b'\"';\ncrate::kept::f();";
    assert_eq!(refs_of(chars), ["crate::kept::f"]);
    // Lifetimes and labels are not char literals.
    let life = "fn f<'a>(x: &'a str) { 'outer: loop { crate::m::g(); break 'outer; } }";
    assert_eq!(refs_of(life), ["crate::m::g"]);
    // `r#type` is a raw identifier, and `for` ends in `r` without starting a raw string.
    assert_eq!(
        refs_of("for\"x\"; let r#type = crate::t::f();"),
        ["crate::t::f"]
    );
}

#[test]
fn use_trees_yield_every_leaf() {
    let src = "use crate::{b, c::{self, D as E}, f::*};\npub(crate) use super::g::H;\n\
               use std::fmt;\nuse ::other::x;\npub(in crate::a) use self::k::{L, m::N};";
    let refs = refs_of(src);
    let expected = [
        "crate::b",
        "crate::c",
        "crate::c::D",
        "crate::f",
        "super::g::H",
        "std::fmt",
        "::::other::x",
        "self::k::L",
        "self::k::m::N",
    ];
    assert_eq!(refs, expected);
    let lines: Vec<usize> = scan_source("use crate::{\n    a,\n    b,\n};")
        .refs
        .iter()
        .map(|r| r.line)
        .collect();
    assert_eq!(lines, [2, 3]);
}

#[test]
fn code_paths_and_test_modules() {
    let src = "fn f() { crate::b::g(); super::c::h(); $crate::d::X; self::e::F; Self::new(); a::crate_x; }\n\
               #[cfg(test)]\n#[allow(unused)]\nmod tests { use crate::t::T; fn x() { crate::u::f(); } }\n\
               #[cfg(test)] mod more_tests;\nmod inner { fn g() { super::super::v::f(); } }\n\
               pub(crate) mod child;\nfn after() { crate::w::f() }";
    let scan = scan_source(src);
    let refs: Vec<String> = scan.refs.iter().map(|r| r.segments.join("::")).collect();
    assert_eq!(
        refs,
        [
            "crate::b::g",
            "super::c::h",
            "$crate::d::X",
            "self::e::F",
            "super::super::v::f",
            "crate::w::f"
        ]
    );
    assert_eq!(scan.refs[4].scope, ["inner"]);
    assert_eq!(scan.refs[5].scope, Vec::<String>::new());
    let decls: Vec<&str> = scan.mod_decls.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(decls, ["child"]);
    assert_eq!(scan.inline_mods, [vec!["inner".to_string()]]);
}

#[test]
fn resolution_and_cycles() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        resolve(&s(&["a", "x"]), &s(&["super", "super", "b", "f"])),
        Some(s(&["b", "f"]))
    );
    assert_eq!(
        resolve(&s(&["a"]), &s(&["self", "x"])),
        Some(s(&["a", "x"]))
    );
    assert_eq!(resolve(&s(&[]), &s(&["super", "x"])), None);
    assert_eq!(resolve(&s(&["a"]), &s(&["std", "fmt"])), None);
    let file = |module: &[&str], src: &str| SourceFile {
        module: s(module),
        display: format!("{}.rs", module.join("/")),
        scan: scan_source(src),
    };
    let files = [
        file(&[], "mod a; mod b; mod c; pub use a::Thing;"),
        file(&["a"], "use crate::b::B; mod x; mod y;"),
        file(
            &["a", "x"],
            "use super::y::Y; fn f() { super::super::c::f() }",
        ),
        file(&["a", "y"], "use crate::a::x::X; use super::Thing;"),
        file(&["b"], "fn f() { crate::c::g(); let s = \"crate::a\"; }"),
        file(&["c"], "use crate::{Thing, b::{self}};"),
    ];
    let cycles: Vec<BTreeSet<String>> = crate_cycles("demo", &files)
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    let expect = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(cycles, [expect(&["b", "c"]), expect(&["a::x", "a::y"])]);
    let text = &crate_cycles("demo", &files)[0].1;
    assert!(
        text.contains("demo: b -> c -> b") && text.contains("c -> b  at c.rs:1"),
        "{text}"
    );
}

#[test]
fn tarjan_reports_components_not_paths() {
    let e = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<BTreeSet<_>>()
    };
    let graph = e(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e")]);
    let found = strongly_connected(&graph);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].iter().map(String::as_str).collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    let cycles = cycles_in(&found[0], &graph);
    assert_eq!(
        cycles.into_iter().collect::<Vec<_>>(),
        [vec!["a", "b", "c"]]
    );
    assert!(strongly_connected(&e(&[("a", "b"), ("b", "c")])).is_empty());
}

#[test]
fn module_tree_follows_mod_declarations_to_files() {
    let dir = std::env::temp_dir().join(format!("tandem-module-cycles-{}", std::process::id()));
    let write = |rel: &str, src: &str| {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, src).unwrap();
    };
    write(
        "src/lib.rs",
        "mod a;\npub(crate) mod b;\n#[cfg(test)]\nmod tests;\n",
    );
    write(
        "src/a.rs",
        "mod inner;\nmacro_rules! m { ($n:ident) => { mod $n; } }\n",
    );
    write("src/a/inner.rs", "use crate::b::X;\n");
    write("src/b/mod.rs", "pub struct X;\nfn f() { super::a::g() }\n");
    let files = load_tree(&dir.join("src/lib.rs"), &dir);
    fs::remove_dir_all(&dir).unwrap();
    let files = files.unwrap();
    let found: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.module.join("::"), f.display.clone()))
        .collect();
    let expected = [
        ("", "src/lib.rs"),
        ("a", "src/a.rs"),
        ("b", "src/b/mod.rs"),
        ("a::inner", "src/a/inner.rs"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(m, d)| (m.to_string(), d.to_string()))
        .collect();
    assert_eq!(found, expected);
    let cycles = crate_cycles("tmp", &files);
    assert_eq!(cycles.len(), 1);
    assert!(
        cycles[0].1.contains("a -> b  at src/a/inner.rs:1"),
        "{}",
        cycles[0].1
    );
}
