//! What researchers see of assessments: anonymised aggregates by industry.
//!
//! For a year and a scheme, over the latest revision of every enterprise run: per industry the
//! number of units, the number scored, the mean total of the scored and the count per tier.
//! No unit, enterprise, park or run is named. An industry with fewer than [`MIN_GROUP`] units
//! is left out (and counted in `suppressed_groups`), so no small group can be singled out.

use crate::db::{Db, Value};
use crate::error::PlatformError;
use serde::Serialize;
use std::collections::BTreeMap;

/// The smallest group reported.
pub const MIN_GROUP: usize = 5;

/// One industry's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndustryAggregate {
    /// The industry code, or `unknown`.
    pub industry: String,
    /// Units assessed.
    pub units: usize,
    /// Units with a total.
    pub scored: usize,
    /// Mean total of the scored units.
    pub mean_total: Option<f64>,
    /// Units per tier (units without a tier are not counted).
    pub tiers: BTreeMap<String, usize>,
}

/// The aggregates of one year and scheme.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Aggregates {
    pub year: i64,
    pub scheme_id: String,
    /// The industries with at least [`MIN_GROUP`] units.
    pub groups: Vec<IndustryAggregate>,
    /// How many industries were left out for having fewer.
    pub suppressed_groups: usize,
    /// [`MIN_GROUP`].
    pub min_group: usize,
}

/// The aggregates of `year` and `scheme_id` (anyone signed in may read them).
pub fn by_industry(db: &Db, year: i64, scheme_id: &str) -> Result<Aggregates, PlatformError> {
    let rows = db.read(|c| {
        c.query(
            "SELECT s.industry AS industry, s.total AS total, s.tier AS tier \
             FROM assessment_scores s JOIN assessment_runs r ON r.id = s.run_id \
             WHERE r.year = ? AND r.scheme_id = ? AND r.subject = 'enterprises' \
             AND NOT EXISTS (SELECT 1 FROM assessment_runs n WHERE n.previous_run_id = r.id)",
            &[Value::Int(year), scheme_id.into()],
        )
    })?;
    let mut groups: BTreeMap<String, (IndustryAggregate, f64)> = BTreeMap::new();
    for r in rows {
        let industry = r.opt_text("industry")?.unwrap_or("unknown").to_string();
        let (g, sum) = groups.entry(industry.clone()).or_insert_with(|| {
            let g = IndustryAggregate {
                industry,
                units: 0,
                scored: 0,
                mean_total: None,
                tiers: BTreeMap::new(),
            };
            (g, 0.0)
        });
        g.units += 1;
        if let Some(total) = r.opt_real("total")? {
            g.scored += 1;
            *sum += total;
        }
        if let Some(tier) = r.opt_text("tier")? {
            *g.tiers.entry(tier.to_string()).or_insert(0) += 1;
        }
    }
    let total_groups = groups.len();
    let groups: Vec<IndustryAggregate> = groups
        .into_values()
        .filter(|(g, _)| g.units >= MIN_GROUP)
        .map(|(mut g, sum)| {
            g.mean_total = (g.scored > 0).then(|| sum / g.scored as f64);
            g
        })
        .collect();
    Ok(Aggregates {
        year,
        scheme_id: scheme_id.to_string(),
        suppressed_groups: total_groups - groups.len(),
        groups,
        min_group: MIN_GROUP,
    })
}
