//! Groups of localities as data: the built-in ones (data/city_panel/groups.toml) and a
//! user's own file of the same layout.

use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

/// data/city_panel/groups.toml: the built-in groups.
pub const GROUPS_TOML: &str = include_str!("../../../data/city_panel/groups.toml");

/// The most a user's groups file may hold (bytes); it is read whole.
pub const MAX_GROUPS_FILE_BYTES: u64 = 1 << 20;

/// A named set of localities.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// `yrd41`, `north-anhui`, or a user's id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Locality ids (data/localities.csv, yrd41_localities.csv, city_panel/cities.csv).
    pub members: Vec<String>,
    /// Where the membership comes from.
    #[serde(default)]
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupsFile {
    group: Vec<Group>,
}

/// A groups file that cannot be used; the message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    /// The file cannot be read.
    #[error("cannot read the groups file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_GROUPS_FILE_BYTES`].
    #[error("the groups file {path} is larger than {MAX_GROUPS_FILE_BYTES} bytes")]
    TooLarge {
        /// The file.
        path: String,
    },
    /// Not the layout of data/city_panel/groups.toml.
    #[error("{origin}: {message} (layout: [[group]] with id, name_zh, name_en, members, source; see data/city_panel/groups.toml)")]
    Layout {
        /// The file.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// The groups known to a command: the built-in ones, then a user's.
#[derive(Clone, Debug, PartialEq)]
pub struct Groups {
    groups: Vec<Group>,
}

impl Groups {
    /// The built-in groups.
    ///
    /// # Panics
    /// If data/city_panel/groups.toml is defective (a build defect; the tests parse it).
    pub fn builtin() -> Groups {
        let groups = parse(GROUPS_TOML, "data/city_panel/groups.toml", &HashSet::new())
            .unwrap_or_else(|e| panic!("built-in groups are defective (build defect): {e}"));
        Groups { groups }
    }

    /// Adds the groups of a user's file. Ids must be new, members known localities.
    ///
    /// # Errors
    /// An unreadable or oversized file, a layout error, a reused id or an unknown member.
    pub fn with_file(mut self, path: &Path) -> Result<Groups, GroupError> {
        let shown = path.display().to_string();
        let read = |source| GroupError::Read {
            path: shown.clone(),
            source,
        };
        let len = std::fs::metadata(path).map_err(read)?.len();
        if len > MAX_GROUPS_FILE_BYTES {
            return Err(GroupError::TooLarge { path: shown });
        }
        let text = std::fs::read_to_string(path).map_err(read)?;
        let taken: HashSet<String> = self.groups.iter().map(|g| g.id.clone()).collect();
        self.groups.extend(parse(&text, &shown, &taken)?);
        Ok(self)
    }

    /// A group by id.
    pub fn get(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// Every group, built-in first.
    pub fn all(&self) -> &[Group] {
        &self.groups
    }
}

/// Parses a groups file; `taken` are ids already defined.
///
/// # Errors
/// TOML or layout errors, ids that are empty, not `[a-z0-9-]`, repeated or taken, empty
/// groups, repeated or unknown members.
pub fn parse(text: &str, origin: &str, taken: &HashSet<String>) -> Result<Vec<Group>, GroupError> {
    let layout = |message: String| GroupError::Layout {
        origin: origin.to_string(),
        message,
    };
    let file: GroupsFile = toml::from_str(text).map_err(|e| layout(e.to_string()))?;
    let bundle = tandem_data::bundled::bundle();
    let mut ids = taken.clone();
    for g in &file.group {
        let ok_id = !g.id.is_empty()
            && g.id.len() <= 64
            && g.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok_id {
            return Err(layout(format!(
                "group id {:?} must be 1-64 characters of a-z, 0-9 and '-'",
                g.id
            )));
        }
        if !ids.insert(g.id.clone()) {
            return Err(layout(format!(
                "group id {:?} is already defined (built-in ids cannot be reused)",
                g.id
            )));
        }
        if g.members.is_empty() {
            return Err(layout(format!("group {:?} has no members", g.id)));
        }
        let mut seen = HashSet::new();
        for m in &g.members {
            if !seen.insert(m) {
                return Err(layout(format!("group {:?} lists {m:?} twice", g.id)));
            }
            if bundle.locality(m).is_none() {
                return Err(layout(format!(
                    "group {:?}: {m:?} is not a known locality id (see `tandem localities`)",
                    g.id
                )));
            }
        }
    }
    Ok(file.group)
}
