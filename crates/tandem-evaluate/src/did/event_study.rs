//! The dynamic aggregation as an event study with its covariance: the input of the
//! Rambachan & Roth (2023) sensitivity analysis ([`crate::honest`]).
//!
//! The covariance of two event-time estimates is `Σ_jk = Σ_i ψ_ij ψ_ik / n²` from their
//! influence functions, the same scaling as the analytic standard errors
//! (`se_j = sqrt(Σ_jj)`). The reference period — the base of every comparison under the
//! universal base period, event time `-1 - anticipation` — is normalised to 0 and left out,
//! as HonestDiD expects; the coefficients before it are the pre periods, those after it
//! the post periods (anticipation periods included, since the estimator allows effects there).

use super::{AggregateResult, Aggregation, DidError};
use crate::honest::EventStudy;

/// Event-study coefficients and their covariance, reference period left out.
#[derive(Clone, Debug, PartialEq)]
pub struct DynamicEventStudy {
    /// Event time of each coefficient, ascending: pre periods, then post periods.
    pub event_times: Vec<i64>,
    /// The coefficients.
    pub betahat: Vec<f64>,
    /// Covariance of `betahat`, row-major `n x n`.
    pub sigma: Vec<f64>,
    /// Coefficients before the reference period.
    pub num_pre: usize,
    /// Coefficients after it.
    pub num_post: usize,
}

impl DynamicEventStudy {
    /// The event study of a dynamic aggregation, with at most `max_pre` pre periods (the
    /// latest ones; `None`: all) and the reference period `reference` left out.
    ///
    /// # Errors
    /// [`DidError::InvalidOption`] unless `agg` is a dynamic aggregation whose event times
    /// are consecutive around `reference`, with at least one pre and one post period.
    pub fn from_dynamic(
        agg: &AggregateResult,
        reference: i64,
        max_pre: Option<usize>,
    ) -> Result<Self, DidError> {
        if !matches!(agg.aggregation, Aggregation::Dynamic { .. }) {
            return Err(invalid(
                "the sensitivity analysis needs the dynamic aggregation",
            ));
        }
        let at_reference = agg.levels.iter().find(|l| l.label == reference);
        if at_reference.is_some_and(|l| l.estimate != 0.0) {
            return Err(invalid(&format!(
                "the estimate at event time {reference} is not 0, so the coefficients do not share that reference period: use the universal base period"
            )));
        }
        let first_kept = max_pre.map_or(i64::MIN, |k| reference - k as i64);
        let keep: Vec<usize> = (0..agg.levels.len())
            .filter(|j| {
                let e = agg.levels[*j].label;
                e != reference && e >= first_kept && agg.levels[*j].estimate.is_finite()
            })
            .collect();
        let event_times: Vec<i64> = keep.iter().map(|j| agg.levels[*j].label).collect();
        check_consecutive(&event_times, reference)?;
        let num_pre = event_times.iter().filter(|e| **e < reference).count();
        let num_post = event_times.len() - num_pre;
        if num_pre == 0 || num_post == 0 {
            return Err(invalid(&format!(
                "the event study needs a period before and after the reference period {reference}; it has {num_pre} before and {num_post} after"
            )));
        }
        Ok(Self {
            betahat: keep.iter().map(|j| agg.levels[*j].estimate).collect(),
            sigma: covariance(agg, &keep),
            event_times,
            num_pre,
            num_post,
        })
    }

    /// The view [`crate::honest`] takes.
    pub fn as_event_study(&self) -> EventStudy<'_> {
        EventStudy {
            betahat: &self.betahat,
            sigma: &self.sigma,
            num_pre: self.num_pre,
            num_post: self.num_post,
        }
    }

    /// Weights `l` of the post periods averaging the event times `>= from` (e.g. 0: the
    /// average effect from the first treated period on), zero elsewhere; `None` if none is.
    pub fn average_from(&self, from: i64) -> Option<Vec<f64>> {
        let post = &self.event_times[self.num_pre..];
        let n = post.iter().filter(|e| **e >= from).count();
        (n > 0).then(|| {
            post.iter()
                .map(|e| if *e >= from { 1.0 / n as f64 } else { 0.0 })
                .collect()
        })
    }

    /// Weights `l` picking the single post event time `e`, if it is one.
    pub fn single(&self, e: i64) -> Option<Vec<f64>> {
        let post = &self.event_times[self.num_pre..];
        post.contains(&e)
            .then(|| post.iter().map(|t| f64::from(u8::from(*t == e))).collect())
    }
}

fn invalid(msg: &str) -> DidError {
    DidError::InvalidOption(msg.to_string())
}

/// Relative magnitudes and smoothness compare neighbouring periods: no gap may hide one.
fn check_consecutive(event_times: &[i64], reference: i64) -> Result<(), DidError> {
    let mut with_ref = event_times.to_vec();
    with_ref.push(reference);
    with_ref.sort_unstable();
    match with_ref.windows(2).find(|w| w[1] != w[0] + 1) {
        Some(w) => Err(invalid(&format!(
            "event times jump from {} to {}: the sensitivity analysis needs consecutive periods",
            w[0], w[1]
        ))),
        None => Ok(()),
    }
}

/// `Σ_jk = Σ_i ψ_ij ψ_ik / n²` over the kept levels.
fn covariance(agg: &AggregateResult, keep: &[usize]) -> Vec<f64> {
    let n = agg.influence.n_rows() as f64;
    let cols: Vec<&[f64]> = keep.iter().map(|j| agg.influence.column(*j)).collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    cols.iter()
        .flat_map(|a| cols.iter().map(move |b| dot(a, b) / (n * n)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::did::{aggregate, att_gt, AttGtOptions, BasePeriod, PanelData};

    /// 40 units, periods 1-6, cohorts 4 and 5 and never treated, effect 1 from treatment on.
    fn result() -> AggregateResult {
        let (mut unit, mut time, mut y, mut cohort) = (vec![], vec![], vec![], vec![]);
        for i in 0..40_i64 {
            let g = [0, 4, 5, 0][(i % 4) as usize];
            for t in 1..=6_i64 {
                unit.push(i);
                time.push(t);
                cohort.push(g);
                let effect = if g > 0 && t >= g { 1.0 } else { 0.0 };
                y.push(0.3 * t as f64 + (i as f64 * 0.7 + t as f64 * 1.3).sin() * 0.1 + effect);
            }
        }
        let panel = PanelData {
            unit: &unit,
            time: &time,
            outcome: &y,
            cohort: &cohort,
            covariates: &[],
            weights: None,
        };
        let opts = AttGtOptions {
            base_period: BasePeriod::Universal,
            ..AttGtOptions::default()
        };
        aggregate(&att_gt(&panel, &opts).unwrap(), Aggregation::dynamic()).unwrap()
    }

    #[test]
    fn the_event_study_leaves_out_the_reference_and_keeps_the_ses() {
        let agg = result();
        let es = DynamicEventStudy::from_dynamic(&agg, -1, None).unwrap();
        assert_eq!(es.event_times, vec![-4, -3, -2, 0, 1, 2]);
        assert_eq!((es.num_pre, es.num_post), (3, 3));
        let n = es.betahat.len();
        for (k, e) in es.event_times.iter().enumerate() {
            let level = agg.levels.iter().find(|l| l.label == *e).unwrap();
            assert_eq!(es.betahat[k], level.estimate);
            let se = level.se.unwrap();
            assert!((es.sigma[k * n + k].sqrt() - se).abs() < 1e-12, "{e}");
        }
        for a in 0..n {
            for b in 0..n {
                assert_eq!(es.sigma[a * n + b], es.sigma[b * n + a]);
            }
        }
        // Post effects near 1, pre near 0.
        assert!(es.betahat[3..].iter().all(|b| (b - 1.0).abs() < 0.1));
        assert!(es.betahat[..3].iter().all(|b| b.abs() < 0.1));
        let last_two = DynamicEventStudy::from_dynamic(&agg, -1, Some(2)).unwrap();
        assert_eq!(last_two.event_times, vec![-3, -2, 0, 1, 2]);
        assert_eq!(es.average_from(0).unwrap(), vec![1.0 / 3.0; 3]);
        assert_eq!(es.average_from(1).unwrap(), vec![0.0, 0.5, 0.5]);
        assert_eq!(es.single(1).unwrap(), vec![0.0, 1.0, 0.0]);
        assert_eq!(es.single(7), None);
    }

    #[test]
    fn wrong_inputs_are_refused() {
        let agg = result();
        // A reference period that is not the base.
        let e = DynamicEventStudy::from_dynamic(&agg, -2, None).unwrap_err();
        assert!(e.to_string().contains("universal base period"), "{e}");
        // A level that could not be estimated leaves a jump.
        let mut holed = agg.clone();
        holed
            .levels
            .iter_mut()
            .find(|l| l.label == -3)
            .unwrap()
            .estimate = f64::NAN;
        let e = DynamicEventStudy::from_dynamic(&holed, -1, None).unwrap_err();
        assert!(e.to_string().contains("jump from -4 to -2"), "{e}");
        let e = DynamicEventStudy::from_dynamic(&agg, -1, Some(0)).unwrap_err();
        assert!(e.to_string().contains("0 before"), "{e}");
        let mut simple = agg.clone();
        simple.aggregation = Aggregation::Simple;
        assert!(DynamicEventStudy::from_dynamic(&simple, -1, None).is_err());
    }
}
