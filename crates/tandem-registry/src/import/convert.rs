//! Turning a row of text cells into a schema row, checking every rule on the way.

use super::mapping::{field_factor, Conv, Field, FieldSpec};
use crate::dates::days_from_civil;
use crate::table::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use tandem_core::{Locality, LocalityLevel};
use tandem_data::classification::classifications;
use tandem_data::import::{is_missing, parse_number, Location, Problem, Rule};
use tandem_data::resolve::{LocalityResolver, ResolveError};

/// Excel's day 0 (1899-12-30) as days since 1970-01-01.
const EXCEL_EPOCH: i64 = -25_569;

/// A city resolved to (tandem id, prefecture-level code), or the rule broken and why.
type Resolved = Result<(String, u32), (Rule, String)>;

/// What a conversion needs across rows: cities, divisions, formats, and the firm ids seen.
pub(crate) struct Ctx {
    resolver: LocalityResolver<'static>,
    localities: &'static [Locality],
    /// Prefecture-level adcode -> tandem id.
    prefectures: HashMap<u32, String>,
    divisions: HashSet<String>,
    cache: HashMap<String, Resolved>,
    formats: Vec<String>,
    ownership: BTreeMap<String, String>,
    /// Firm ids seen in the firms table (8 bytes a firm plus the set's overhead).
    pub firm_ids: HashSet<i64>,
}

impl Ctx {
    pub(crate) fn new(formats: &[String], ownership: &BTreeMap<String, String>) -> Ctx {
        let localities = &tandem_data::bundled::bundle().localities[..];
        let mut prefectures = HashMap::new();
        for l in localities {
            if let (Some(code), LocalityLevel::Prefecture | LocalityLevel::ProvinceLevelCity) =
                (l.adcode, l.level)
            {
                prefectures.entry(code).or_insert_with(|| l.id.clone());
            }
        }
        Ctx {
            resolver: LocalityResolver::new(localities),
            localities,
            prefectures,
            divisions: classifications()
                .divisions
                .iter()
                .map(|d| d.code.clone())
                .collect(),
            cache: HashMap::new(),
            formats: formats.to_vec(),
            ownership: ownership.clone(),
            firm_ids: HashSet::new(),
        }
    }

    /// The prefecture-level city of a code: itself, its prefecture, its province-level city.
    fn city_of_code(&self, code: u32) -> Option<(String, u32)> {
        [code, code / 100 * 100, code / 10_000 * 10_000]
            .into_iter()
            .find_map(|c| self.prefectures.get(&c).map(|id| (id.clone(), c)))
    }

    fn resolve_city(&self, text: &str) -> Result<(String, u32), (Rule, String)> {
        if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
            let code: u32 = text.parse().unwrap_or(0);
            return self.city_of_code(code).ok_or_else(|| {
                (
                    Rule::UnknownLocality,
                    format!("no tandem city has GB/T 2260 code {text}"),
                )
            });
        }
        let found = match self.localities.iter().find(|l| l.id == text) {
            Some(l) => l,
            None => self.resolver.resolve(text).map_err(|e| match e {
                ResolveError::Ambiguous { .. } => (Rule::AmbiguousLocality, e.to_string()),
                _ => (
                    Rule::UnknownLocality,
                    format!("{e}; give a tandem id, a GB/T 2260 code or the Chinese name"),
                ),
            })?,
        };
        found
            .adcode
            .and_then(|c| self.city_of_code(c))
            .ok_or_else(|| {
                (
                    Rule::UnknownLocality,
                    format!("{text} is not in a prefecture-level city"),
                )
            })
    }

    fn city(&mut self, text: &str) -> Result<(String, u32), (Rule, String)> {
        if let Some(r) = self.cache.get(text) {
            return r.clone();
        }
        let r = self.resolve_city(text);
        // Distinct city spellings are few (thousands); the cache stays small.
        self.cache.insert(text.to_string(), r.clone());
        r
    }

    fn date(&self, text: &str) -> Result<i64, (Rule, String)> {
        if let Some(serial) = text.strip_prefix("date ") {
            if let Ok(s) = serial.trim().parse::<f64>() {
                return Ok(s.floor() as i64 + EXCEL_EPOCH);
            }
        }
        let day_part = text.split([' ', 'T']).next().unwrap_or(text);
        self.formats
            .iter()
            .find_map(|f| parse_date(text, f).or_else(|| parse_date(day_part, f)))
            .ok_or_else(|| {
                (Rule::InvalidDate, format!("`{text}` is not a date in any of the formats {}; add its format to date_formats", self.formats.join(", ")))
            })
    }

    fn ownership(&self, text: &str) -> String {
        if crate::schema::OWNERSHIP.contains(&text) {
            return text.to_string();
        }
        self.ownership
            .iter()
            .find(|(k, _)| text.contains(k.as_str()))
            .map_or_else(|| "other".to_string(), |(_, v)| v.clone())
    }
}

/// Parses `text` with a format of `%Y` (4 digits), `%m`, `%d` (1-2 digits) and literals.
pub(crate) fn parse_date(text: &str, format: &str) -> Option<i64> {
    let (mut y, mut m, mut d) = (None, None, None);
    let mut rest = text;
    let mut fmt = format.chars();
    while let Some(c) = fmt.next() {
        if c != '%' {
            rest = rest.strip_prefix(c)?;
            continue;
        }
        let (slot, max_len) = match fmt.next()? {
            'Y' => (&mut y, 4),
            'm' => (&mut m, 2),
            'd' => (&mut d, 2),
            _ => return None,
        };
        let len = rest
            .bytes()
            .take(max_len)
            .take_while(u8::is_ascii_digit)
            .count();
        let need_exact = max_len == 4 || format.contains("%Y%m%d");
        if len == 0 || (need_exact && len != max_len) {
            return None;
        }
        *slot = Some(rest[..len].parse::<u32>().ok()?);
        rest = &rest[len..];
    }
    let (y, m, d) = (y?, m?, d?);
    let days_in = [
        31,
        28 + u32::from(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)),
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (rest.is_empty() && (1..=12).contains(&m) && d >= 1 && d <= days_in[m as usize - 1])
        .then(|| i64::from(days_from_civil(y as i32, m, d)))
}

/// A table's fields with the header index of their column (`None`: not mapped).
pub(crate) struct Plan {
    pub fields: Vec<(FieldSpec, Option<usize>, f64)>,
}

/// Finds each mapped column in the header; a mapped column that is absent is a problem.
pub(crate) fn plan(
    specs: &[FieldSpec],
    map: &BTreeMap<String, Field>,
    header: &[String],
    origin: &Location,
) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut fields = Vec::new();
    for spec in specs {
        let Some(field) = map.get(spec.key) else {
            fields.push((*spec, None, 1.0));
            continue;
        };
        let want = field.column().trim();
        match header.iter().position(|h| h.trim() == want) {
            Some(i) => fields.push((*spec, Some(i), field_factor(spec.conv, field))),
            None => problems.push(Problem::new(
                origin.at(1, None),
                Rule::MissingColumn,
                format!("no column `{want}` (mapped to {}); the columns are {}; fix the mapping or the file", spec.key, header.join(", ")),
            )),
        }
    }
    if problems.is_empty() {
        Ok(Plan { fields })
    } else {
        Err(problems)
    }
}

/// One converted value, or the problem with it.
type Converted = Result<Vec<Value>, (Rule, String)>;

/// Converts a non-missing cell by its field's conversion.
fn convert(ctx: &mut Ctx, conv: Conv, text: &str, factor: f64) -> Converted {
    let number = |text: &str| {
        parse_number(text)
            .map(|n| n.value * factor)
            .map_err(|_| (Rule::NonNumeric, format!("`{text}` is not a number")))
    };
    Ok(match conv {
        Conv::Int | Conv::Code => {
            vec![Value::Int(text.parse::<i64>().map_err(|_| {
                (Rule::NonNumeric, format!("`{text}` is not a whole number"))
            })?)]
        }
        Conv::Text => vec![Value::Text(text.to_string())],
        Conv::City => {
            let (id, code) = ctx.city(text)?;
            vec![Value::Text(id), Value::Int(i64::from(code))]
        }
        Conv::CityId => vec![Value::Text(ctx.city(text)?.0)],
        Conv::Industry => {
            let ok = text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit());
            if !ok || !ctx.divisions.contains(&text[..2]) {
                return Err((
                    Rule::UnknownIndustry,
                    format!("`{text}` is not a 4-digit GB/T 4754-2017 code of a known division"),
                ));
            }
            vec![
                Value::Text(text.to_string()),
                Value::Text(text[..2].to_string()),
            ]
        }
        Conv::Date => vec![Value::Int(ctx.date(text)?)],
        Conv::Money => {
            let v = number(text)?;
            if v < 0.0 {
                return Err((
                    Rule::Negative,
                    format!("`{text}` is negative; an amount of money cannot be"),
                ));
            }
            vec![Value::Int(v.round() as i64)]
        }
        Conv::Share => {
            let v = number(text)?;
            if !(0.0..=1.0).contains(&v) {
                let rule = if v < 0.0 {
                    Rule::Negative
                } else {
                    Rule::AboveMax
                };
                return Err((rule, format!("`{text}` is a share of {v}, outside [0, 1]; set unit = \"percent\" if the column is in %")));
            }
            vec![Value::Float(v)]
        }
        Conv::Ownership => vec![Value::Text(ctx.ownership(text))],
    })
}

/// The null value(s) of a missing cell, or the problem when the field is required.
fn missing(spec: &FieldSpec) -> Converted {
    if spec.required {
        return Err((
            Rule::MissingValue,
            format!("{} is required; the cell is empty", spec.key),
        ));
    }
    Ok(match spec.conv {
        Conv::Ownership => vec![Value::Text("other".into())],
        Conv::City | Conv::Industry => vec![Value::Null, Value::Null],
        _ => vec![Value::Null],
    })
}

/// Converts a row; `None` (with the problems pushed) when any cell breaks a rule.
pub(crate) fn row(
    ctx: &mut Ctx,
    plan: &Plan,
    origin: &Location,
    header: &[String],
    number: usize,
    cells: &[String],
    problems: &mut Vec<Problem>,
) -> Option<Vec<Value>> {
    let before = problems.len();
    let mut out = Vec::with_capacity(plan.fields.len() + 2);
    let mut dates: Vec<(usize, i64)> = Vec::new();
    for (spec, col, factor) in &plan.fields {
        let text = col.map_or("", |i| cells.get(i).map_or("", |c| c.trim()));
        let converted = if is_missing(text) {
            missing(spec)
        } else {
            convert(ctx, spec.conv, text, *factor)
        };
        let at = || origin.at(number, col.map(|i| (i + 1, header[i].as_str())));
        match converted {
            Ok(values) => {
                if let (Conv::Date, Some(Value::Int(d)), Some(i)) = (spec.conv, values.first(), col)
                {
                    dates.push((*i, *d));
                }
                out.extend(values);
            }
            Err((rule, message)) => problems.push(Problem::new(at(), rule, message)),
        }
    }
    // founded and closed are the only two dates of a table that has both.
    if let [(_, founded), (i, closed)] = dates[..] {
        if closed < founded && plan.fields.iter().any(|f| f.0.key == "closed") {
            problems.push(Problem::new(
                origin.at(number, Some((i + 1, header[i].as_str()))),
                Rule::DateOrder,
                "closed before founded; check both dates",
            ));
        }
    }
    (problems.len() == before).then_some(out)
}
