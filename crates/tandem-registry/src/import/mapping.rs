//! The column-mapping file (TOML): which source column feeds which schema field of each
//! table, with units and date formats. docs/REGISTRY.md documents it; an example ships as
//! docs/registry-mapping.example.toml.

use crate::RegistryError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// How a field's text becomes a schema value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conv {
    /// A whole number (ids).
    Int,
    /// A GB/T 2260 code (6 digits).
    Code,
    /// Text kept as it is.
    Text,
    /// A city (tandem id, GB/T 2260 code or Chinese name) -> `city_id`, `city_adcode`.
    City,
    /// A city -> its tandem id only.
    CityId,
    /// A 4-digit GB/T 4754 code -> `industry`, `industry_division`.
    Industry,
    /// A date in one of the mapping's formats.
    Date,
    /// An amount of money, converted to whole yuan by the field's unit.
    Money,
    /// A share in [0, 1] (or percent with `unit = "percent"`).
    Share,
    /// 企业类型 -> one of [`crate::schema::OWNERSHIP`] via the `[ownership]` keywords.
    Ownership,
}

/// One field a table can map: its key in the mapping, conversion, and whether it is required.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    /// The key in the mapping file.
    pub key: &'static str,
    /// How its text is converted.
    pub conv: Conv,
    /// Whether the mapping must name a column for it and every row must have a value.
    pub required: bool,
}

const fn f(key: &'static str, conv: Conv, required: bool) -> FieldSpec {
    FieldSpec {
        key,
        conv,
        required,
    }
}

/// The four tables: name (as in the mapping and the file name), and fields in schema order.
pub const TABLE_FIELDS: [(&str, &[FieldSpec]); 4] = [
    (
        "firms",
        &[
            f("firm_id", Conv::Int, true),
            f("uscc", Conv::Text, false),
            f("county_code", Conv::Code, false),
            f("city", Conv::City, true),
            f("industry", Conv::Industry, true),
            f("founded", Conv::Date, true),
            f("closed", Conv::Date, false),
            f("registered_capital", Conv::Money, false),
            f("ownership", Conv::Ownership, false),
        ],
    ),
    (
        "establishments",
        &[
            f("branch_id", Conv::Int, true),
            f("firm_id", Conv::Int, true),
            f("city", Conv::City, true),
            f("founded", Conv::Date, true),
            f("closed", Conv::Date, false),
        ],
    ),
    (
        "links",
        &[
            f("investor_firm_id", Conv::Int, true),
            f("investee_firm_id", Conv::Int, true),
            f("share", Conv::Share, false),
            f("amount", Conv::Money, false),
            f("date", Conv::Date, true),
        ],
    ),
    (
        "address_changes",
        &[
            f("firm_id", Conv::Int, true),
            f("date", Conv::Date, true),
            f("from_city", Conv::CityId, true),
            f("to_city", Conv::CityId, true),
        ],
    ),
];

/// A field of the mapping: a column name, or a column with a unit.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Field {
    /// `founded = "成立日期"`.
    Column(String),
    /// `registered_capital = { column = "注册资本(万元)", unit = "万元" }`.
    Spec {
        /// The source column's header text.
        column: String,
        /// Money: 元/yuan, 千元, 万元, 亿元; shares: fraction or percent.
        #[serde(default)]
        unit: Option<String>,
    },
}

impl Field {
    /// The source column's header text.
    pub fn column(&self) -> &str {
        match self {
            Field::Column(c) | Field::Spec { column: c, .. } => c,
        }
    }

    fn unit(&self) -> Option<&str> {
        match self {
            Field::Column(_) => None,
            Field::Spec { unit, .. } => unit.as_deref(),
        }
    }
}

/// A mapping file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Date formats tried in order (`%Y`, `%m`, `%d` and literal characters).
    #[serde(default = "default_formats")]
    pub date_formats: Vec<String>,
    /// Encoding of CSV files: `auto` (default), `utf-8` or `gbk`/`gb18030`.
    #[serde(default)]
    pub encoding: Option<String>,
    /// Keyword of 企业类型 -> ownership value (first keyword contained in the text wins).
    #[serde(default)]
    pub ownership: BTreeMap<String, String>,
    /// firms: field -> column.
    #[serde(default)]
    pub firms: BTreeMap<String, Field>,
    /// establishments: field -> column.
    #[serde(default)]
    pub establishments: BTreeMap<String, Field>,
    /// links: field -> column.
    #[serde(default)]
    pub links: BTreeMap<String, Field>,
    /// address_changes: field -> column.
    #[serde(default)]
    pub address_changes: BTreeMap<String, Field>,
}

fn default_formats() -> Vec<String> {
    ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d"]
        .map(String::from)
        .to_vec()
}

impl Mapping {
    /// Reads and checks a mapping file.
    ///
    /// # Errors
    /// [`RegistryError::Mapping`] naming what is wrong.
    pub fn load(path: &Path) -> Result<Mapping, RegistryError> {
        let text = std::fs::read_to_string(path).map_err(|e| RegistryError::Mapping {
            path: path.to_path_buf(),
            reason: format!("cannot read it: {e}"),
        })?;
        Mapping::parse(&text).map_err(|reason| RegistryError::Mapping {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Parses and checks mapping text; `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<Mapping, String> {
        let m: Mapping = toml::from_str(text).map_err(|e| e.to_string())?;
        m.check()?;
        Ok(m)
    }

    /// The fields of table `name` (`firms`, ...).
    pub fn table(&self, name: &str) -> &BTreeMap<String, Field> {
        match name {
            "firms" => &self.firms,
            "establishments" => &self.establishments,
            "links" => &self.links,
            _ => &self.address_changes,
        }
    }

    /// The forced text encoding of CSV inputs; `None` for `auto` (detection).
    pub fn text_encoding(&self) -> Option<&'static encoding_rs::Encoding> {
        use tandem_data::encoding::Encoding;
        match Encoding::parse(self.encoding.as_deref()?)? {
            Encoding::Utf8 => Some(encoding_rs::UTF_8),
            Encoding::Gb18030 => Some(encoding_rs::GB18030),
            _ => None,
        }
    }

    fn check(&self) -> Result<(), String> {
        for (table, specs) in TABLE_FIELDS {
            let fields = self.table(table);
            for (key, field) in fields {
                let Some(spec) = specs.iter().find(|s| s.key == key) else {
                    let keys: Vec<&str> = specs.iter().map(|s| s.key).collect();
                    return Err(format!(
                        "[{table}] has no field `{key}`; the fields are {}",
                        keys.join(", ")
                    ));
                };
                factor(spec.conv, field.unit()).map_err(|e| format!("[{table}] {key}: {e}"))?;
            }
            if !fields.is_empty() || table == "firms" {
                if let Some(s) = specs
                    .iter()
                    .find(|s| s.required && !fields.contains_key(s.key))
                {
                    return Err(format!(
                        "[{table}] must map `{}` to a column of the file",
                        s.key
                    ));
                }
            }
        }
        for value in self.ownership.values() {
            if !crate::schema::OWNERSHIP.contains(&value.as_str()) {
                return Err(format!(
                    "[ownership] value `{value}` is not one of {}",
                    crate::schema::OWNERSHIP.join(", ")
                ));
            }
        }
        if let Some(e) = &self.encoding {
            if e.trim() != "auto" && self.text_encoding().is_none() {
                return Err(format!("unknown encoding `{e}`; use auto, utf-8 or gbk"));
            }
        }
        if self.date_formats.is_empty() {
            return Err("date_formats is empty; give at least one, e.g. \"%Y-%m-%d\"".into());
        }
        Ok(())
    }
}

/// The factor a field's values are multiplied by (money to yuan, percent to fraction).
pub fn factor(conv: Conv, unit: Option<&str>) -> Result<f64, String> {
    match (conv, unit.map(str::trim)) {
        (_, None) => Ok(1.0),
        (Conv::Money, Some("元" | "yuan")) => Ok(1.0),
        (Conv::Money, Some("千元")) => Ok(1e3),
        (Conv::Money, Some("万元" | "10k yuan")) => Ok(1e4),
        (Conv::Money, Some("亿元" | "100m yuan")) => Ok(1e8),
        (Conv::Money, Some(u)) => Err(format!(
            "unknown money unit `{u}`; use 元, 千元, 万元 or 亿元"
        )),
        (Conv::Share, Some("fraction")) => Ok(1.0),
        (Conv::Share, Some("percent" | "%")) => Ok(0.01),
        (Conv::Share, Some(u)) => Err(format!("unknown share unit `{u}`; use fraction or percent")),
        (_, Some(u)) => Err(format!("a unit (`{u}`) only applies to money and shares")),
    }
}

/// The factor of a mapped field (checked by [`Mapping::parse`], so never an error here).
pub(crate) fn field_factor(conv: Conv, field: &Field) -> f64 {
    factor(conv, field.unit()).unwrap_or(1.0)
}
