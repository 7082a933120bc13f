//! Append-only, hash-chained ledger file (JSON lines) with crash-safe appends.
//!
//! # Format
//! One entry per line, `\n`-terminated:
//! `{"content":{...},"hash":"<64 hex>","prev_hash":"<64 hex>","seq":N}` where
//! * `seq` counts from 1 without gaps;
//! * `prev_hash` is the previous line's `hash` (64 zeros for the first entry);
//! * `content` is any JSON object without floating-point numbers, written in
//!   **canonical form** ([`canonical_json`]: object keys sorted by their UTF-8 bytes, no
//!   whitespace, serde_json's string escaping; integers only);
//! * `hash = SHA-256(prev_hash bytes (32) || canonical content bytes)`, lower-case hex.
//!
//! Altering any byte of a content changes its hash; altering a hash breaks the next link;
//! removing or reordering entries breaks `seq` and `prev_hash`. [`verify`] reports the first
//! bad entry by sequence number and reason.
//!
//! # Durability and torn tails
//! [`LedgerFile::append_batch`] writes whole lines and calls `fsync` (`File::sync_all`)
//! before it returns: an entry is *acknowledged* only after that. A crash (kill -9, power
//! loss) can therefore leave at most a partially written last line without its `\n`. Such a
//! **torn tail** is reported distinctly ([`VerifyError::TornTail`]) and was never
//! acknowledged, so [`repair`] may truncate the file back to the last complete line; it
//! refuses to touch anything else.
//!
//! # Truncation at a line boundary
//! Removing whole entries from the end leaves a valid shorter chain. That is detectable only
//! against a head the checker kept: [`verify_against`] takes the expected last `seq` and
//! `hash` (printed by every append) and reports a missing or different head.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One stored line of the ledger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainEntry {
    /// Sequence number from 1.
    pub seq: u64,
    /// Hash of the previous entry (hex).
    pub prev_hash: String,
    /// The payload (canonical JSON object).
    pub content: Value,
    /// SHA-256 of prev_hash bytes and canonical content (hex).
    pub hash: String,
}

/// The head of a chain: the last sequence number and hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// Last sequence number (0 for an empty ledger).
    pub seq: u64,
    /// Last hash ([`GENESIS`] for an empty ledger).
    pub hash: String,
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

/// Errors of the ledger file.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// I/O failure.
    #[error("ledger {path}: {source}")]
    Io {
        /// File.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file does not verify.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The content cannot be canonicalised (a float, or not an object).
    #[error("ledger content: {0}")]
    Content(String),
}

/// Why a ledger does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A complete line is bad. `seq` is the sequence number expected at that line.
    #[error("ledger {path}: entry #{seq} (line {line}) is bad: {reason}")]
    BadEntry {
        /// File.
        path: String,
        /// The expected sequence number.
        seq: u64,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The last line has no terminating newline: a write interrupted by a crash. It was
    /// never acknowledged; `repair` truncates it.
    #[error(
        "ledger {path}: torn tail after entry #{last_good_seq}: the last line ({bytes} bytes at \
         offset {offset}) is incomplete (an interrupted, unacknowledged write); run repair to \
         truncate it"
    )]
    TornTail {
        /// File.
        path: String,
        /// Last complete, valid sequence number.
        last_good_seq: u64,
        /// Byte offset where the torn line starts.
        offset: u64,
        /// Its length.
        bytes: u64,
    },
    /// The chain is valid but does not end at the expected head (entries were removed from
    /// the end, or the head belongs to another ledger).
    #[error("ledger {path}: expected head #{expected}, found #{found}: {reason}")]
    Head {
        /// File.
        path: String,
        /// Expected head.
        expected: String,
        /// Actual head.
        found: String,
        /// Explanation.
        reason: String,
    },
}

/// Writes `v` in canonical form (see the module doc). Floats are refused.
pub fn canonical_json(v: &Value) -> Result<String, ChainError> {
    let mut out = String::new();
    write_canonical(v, &mut out)?;
    Ok(out)
}

fn write_canonical(v: &Value, out: &mut String) -> Result<(), ChainError> {
    match v {
        Value::Null | Value::Bool(_) | Value::String(_) => {
            out.push_str(&serde_json::to_string(v).map_err(|e| ChainError::Content(e.to_string()))?)
        }
        Value::Number(n) => {
            if n.is_f64() {
                return Err(ChainError::Content(format!(
                    "floating-point number {n}: amounts must be exact (strings or integers)"
                )));
            }
            out.push_str(&n.to_string());
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out)?;
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(
                    &serde_json::to_string(k).map_err(|e| ChainError::Content(e.to_string()))?,
                );
                out.push(':');
                write_canonical(&m[k], out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[usize::from(b >> 4)] as char);
        s.push(D[usize::from(b & 15)] as char);
    }
    s
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let v = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        out[i] = v(chunk[0])? << 4 | v(chunk[1])?;
    }
    Some(out)
}

/// `SHA-256(prev_hash bytes || canonical content)` as hex, or `None` if `prev_hash` is not
/// 64 lower-case hex digits.
pub fn entry_hash(prev_hash: &str, canonical_content: &str) -> Option<String> {
    let prev = unhex(prev_hash)?;
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical_content.as_bytes());
    Some(hex(&h.finalize()))
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ChainError + '_ {
    move |source| ChainError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The result of reading a ledger: valid entries, and the torn tail if any.
struct Scan {
    entries: Vec<ChainEntry>,
    error: Option<VerifyError>,
}

fn scan(path: &Path) -> Result<Scan, ChainError> {
    let p = path.display().to_string();
    let file = File::open(path).map_err(io_err(path))?;
    let mut rdr = BufReader::new(file);
    let mut entries: Vec<ChainEntry> = Vec::new();
    let mut prev = GENESIS.to_string();
    let mut offset: u64 = 0;
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = rdr.read_until(b'\n', &mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let seq = entries.len() as u64 + 1;
        if buf.last() != Some(&b'\n') {
            return Ok(Scan {
                error: Some(VerifyError::TornTail {
                    path: p,
                    last_good_seq: seq - 1,
                    offset,
                    bytes: n as u64,
                }),
                entries,
            });
        }
        let bad = |reason: String| Scan {
            error: Some(VerifyError::BadEntry {
                path: p.clone(),
                seq,
                line: line_no,
                reason,
            }),
            entries: Vec::new(),
        };
        let text = match std::str::from_utf8(&buf[..n - 1]) {
            Ok(t) => t,
            Err(_) => return Ok(keep(bad("not UTF-8".into()), &mut entries)),
        };
        let e: ChainEntry = match serde_json::from_str(text) {
            Ok(e) => e,
            Err(err) => return Ok(keep(bad(format!("not a ledger line: {err}")), &mut entries)),
        };
        if e.seq != seq {
            return Ok(keep(
                bad(format!(
                    "sequence number {} where {seq} was expected (an entry was removed or reordered)",
                    e.seq
                )),
                &mut entries,
            ));
        }
        if e.prev_hash != prev {
            return Ok(keep(
                bad(format!(
                    "prev_hash {} does not match the previous entry's hash {prev} (an entry was \
                     removed, reordered or its hash altered)",
                    e.prev_hash
                )),
                &mut entries,
            ));
        }
        let canon = match canonical_json(&e.content) {
            Ok(c) => c,
            Err(err) => return Ok(keep(bad(err.to_string()), &mut entries)),
        };
        match entry_hash(&e.prev_hash, &canon) {
            Some(h) if h == e.hash => {}
            Some(h) => {
                return Ok(keep(
                    bad(format!(
                        "hash {} does not match its content (recomputed {h}): the content or \
                         the hash was altered",
                        e.hash
                    )),
                    &mut entries,
                ))
            }
            None => {
                return Ok(keep(
                    bad("prev_hash is not 64 hex digits".into()),
                    &mut entries,
                ))
            }
        }
        prev = e.hash.clone();
        offset += n as u64;
        entries.push(e);
    }
    Ok(Scan {
        entries,
        error: None,
    })
}

fn keep(mut s: Scan, entries: &mut Vec<ChainEntry>) -> Scan {
    s.entries = std::mem::take(entries);
    s
}

/// Verifies the whole file; returns every entry, or the first problem.
pub fn verify(path: &Path) -> Result<Vec<ChainEntry>, ChainError> {
    let s = scan(path)?;
    match s.error {
        Some(e) => Err(e.into()),
        None => Ok(s.entries),
    }
}

/// Verifies the file and that it ends exactly at `expected` (see the module doc).
pub fn verify_against(path: &Path, expected: &Head) -> Result<Vec<ChainEntry>, ChainError> {
    let entries = verify(path)?;
    let found = head_of(&entries);
    if found != *expected {
        let reason = if found.seq < expected.seq {
            "entries were removed from the end".to_string()
        } else if entries
            .get(expected.seq.saturating_sub(1) as usize)
            .is_some_and(|e| e.hash == expected.hash)
        {
            format!(
                "{} entries were appended after it",
                found.seq - expected.seq
            )
        } else {
            "the entry at the expected head has another hash".to_string()
        };
        return Err(VerifyError::Head {
            path: path.display().to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
            reason,
        }
        .into());
    }
    Ok(entries)
}

fn head_of(entries: &[ChainEntry]) -> Head {
    entries.last().map_or(
        Head {
            seq: 0,
            hash: GENESIS.to_string(),
        },
        |e| Head {
            seq: e.seq,
            hash: e.hash.clone(),
        },
    )
}

/// Truncates an unacknowledged torn tail (see the module doc). Returns the number of bytes
/// removed (0 if the file was whole). Any other problem is returned as an error and the file
/// is left untouched.
pub fn repair(path: &Path) -> Result<u64, ChainError> {
    let s = scan(path)?;
    match s.error {
        None => Ok(0),
        Some(VerifyError::TornTail { offset, bytes, .. }) => {
            let f = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(io_err(path))?;
            f.set_len(offset).map_err(io_err(path))?;
            f.sync_all().map_err(io_err(path))?;
            Ok(bytes)
        }
        Some(other) => Err(other.into()),
    }
}

/// An open ledger file, verified on opening, positioned at its end for appends.
pub struct LedgerFile {
    path: PathBuf,
    file: File,
    head: Head,
}

impl LedgerFile {
    /// Opens (creating if absent) and verifies the ledger. A torn tail is an error here:
    /// call [`repair`] first if that is what you intend.
    pub fn open(path: &Path) -> Result<LedgerFile, ChainError> {
        let created = !path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(io_err(path))?;
        if created {
            file.sync_all().map_err(io_err(path))?;
            // The new directory entry must be durable too before anything is acknowledged.
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                if let Ok(d) = File::open(dir) {
                    let _ = d.sync_all();
                }
            }
        }
        let entries = verify(path)?;
        let head = head_of(&entries);
        file.seek(SeekFrom::End(0)).map_err(io_err(path))?;
        Ok(LedgerFile {
            path: path.to_path_buf(),
            file,
            head,
        })
    }

    /// The current head.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// Appends one content object; returns its head once it is on disk (fsync).
    pub fn append(&mut self, content: &Value) -> Result<Head, ChainError> {
        self.append_batch(std::slice::from_ref(content))
    }

    /// Appends the contents in order with a single fsync; returns the new head once all of
    /// them are on disk. Nothing is acknowledged before this returns.
    pub fn append_batch(&mut self, contents: &[Value]) -> Result<Head, ChainError> {
        let mut buf = String::new();
        let mut head = self.head.clone();
        for c in contents {
            if !c.is_object() {
                return Err(ChainError::Content(
                    "ledger content must be a JSON object".into(),
                ));
            }
            let canon = canonical_json(c)?;
            let seq = head.seq + 1;
            let hash = entry_hash(&head.hash, &canon)
                .ok_or_else(|| ChainError::Content("corrupt head hash".into()))?;
            buf.push_str(&format!(
                "{{\"content\":{canon},\"hash\":\"{hash}\",\"prev_hash\":\"{}\",\"seq\":{seq}}}\n",
                head.hash
            ));
            head = Head { seq, hash };
        }
        let path = self.path.clone();
        self.file.write_all(buf.as_bytes()).map_err(io_err(&path))?;
        self.file.sync_all().map_err(io_err(&path))?;
        self.head = head.clone();
        Ok(head)
    }
}

/// Reads a ledger's text for diagnostics (used by tests and tools).
pub fn read_text(path: &Path) -> Result<String, ChainError> {
    let mut s = String::new();
    File::open(path)
        .and_then(|mut f| f.read_to_string(&mut s))
        .map_err(io_err(path))?;
    Ok(s)
}
