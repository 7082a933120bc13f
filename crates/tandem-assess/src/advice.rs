//! A park run as the advisor reads it ([`tandem_core::advisor::ParkAssessment`]): problem (1),
//! "park facilities and services lag", is decided from park assessments when a pair has them.

use crate::run::Assessment;
use crate::scheme::{DirectionSpec, Subject};
use tandem_core::advisor::{AssessedIndicator, ParkAssessment, Text};

/// Why a run cannot be read as park assessments.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AdviceError {
    /// The run scored enterprises or the business environment.
    #[error(
        "the run assessed {0:?}, not parks: the advisor reads park runs (`tandem assess parks`)"
    )]
    NotParks(Subject),
    /// A park has no group (the pair it belongs to).
    #[error("park {0:?} has no pair: run `tandem assess parks` with --group-column naming the pair column")]
    NoPair(String),
}

/// Every park of `run` with its pair (the unit's group), year, tier, total and each
/// indicator's value against its benchmark.
///
/// # Errors
/// [`AdviceError`] when the run is not a park run or a park has no group.
pub fn park_assessments(run: &Assessment) -> Result<Vec<ParkAssessment>, AdviceError> {
    let s = &run.scheme;
    if s.subject != Subject::Parks {
        return Err(AdviceError::NotParks(s.subject));
    }
    run.units
        .iter()
        .map(|u| {
            let pair_id = u
                .group
                .clone()
                .ok_or_else(|| AdviceError::NoPair(u.id.clone()))?;
            let indicators = s
                .indicators
                .iter()
                .zip(&u.indicators)
                .map(|(spec, got)| AssessedIndicator {
                    id: spec.id.clone(),
                    label: Text::new(spec.label_zh.clone(), spec.label_en.clone()),
                    value: got.value,
                    benchmark: got.benchmark,
                    cost: spec.direction == DirectionSpec::Cost,
                })
                .collect();
            Ok(ParkAssessment {
                pair_id,
                park: u.id.clone(),
                year: run.year,
                scheme: s.id.clone(),
                scheme_source: s.source.clone(),
                tier: u.tier.clone(),
                total: u.total,
                not_scored: u
                    .not_scored
                    .as_ref()
                    .map(|en| Text::new(u.not_scored_zh.clone().unwrap_or_default(), en.clone())),
                indicators,
            })
        })
        .collect()
}
