//! Fair-division aids for negotiating a split: the Shapley value and the Nash bargaining
//! solution, from each party's stand-alone value and the values of coalitions.
//!
//! These are *proposals to support negotiation*, not settlement rules, so values are `f64`
//! (any unit, e.g. 10,000 yuan a year); every input must be finite. An agreed proposal is
//! written into an agreement as basis points and then settled exactly in fen.
//!
//! # Characteristic function
//! `v(S)` for coalitions `S` of the parties; `v(∅) = 0`. Every stand-alone value `v({i})` and
//! the grand coalition `v(N)` must be given. **A coalition that is not listed is worth the sum
//! of its members' stand-alone values** (no synergy assumed), so only coalitions with a joint
//! gain need to be written.
//!
//! # Shapley value (Shapley 1953)
//! `φ_i = Σ_{S ⊆ N∖{i}} |S|! (n−|S|−1)! / n! · (v(S ∪ {i}) − v(S))`, the average marginal
//! contribution of `i` over all orders in which the coalition can form. Computed exactly by
//! enumerating all `2^n` coalitions, for `n ≤ 12` ([`MAX_PARTIES`]). The values sum to
//! `v(N)` (efficiency). Reference: L. S. Shapley (1953), "A value for n-person games", in
//! *Contributions to the Theory of Games II*, Annals of Mathematics Studies 28, 307–317.
//!
//! # Nash bargaining solution (Nash 1950)
//! Disagreement points `d_i = v({i})` (what each party gets without the arrangement). The
//! solution maximises the (weighted) Nash product `Π (x_i − d_i)^{w_i}` on the simplex
//! `{x : Σ x_i = v(N), x_i ≥ d_i}`. Method: the logarithm `Σ w_i ln(x_i − d_i)` is strictly
//! concave on the simplex's interior, so the maximum is unique and given by the Lagrange
//! condition `w_i / (x_i − d_i) = λ` for all `i`, i.e. `x_i = d_i + w_i / Σw · (v(N) − Σ d)`.
//! With equal weights and two parties this is the closed form
//! `x_1 = (v(N) + d_1 − d_2) / 2`. If the surplus `v(N) − Σ d` is negative there is no
//! agreement both sides prefer, which is an error. Reference: J. F. Nash (1950), "The
//! bargaining problem", *Econometrica* 18(2), 155–162.

use serde::Deserialize;
use std::collections::BTreeMap;

/// Largest number of parties for exact Shapley values.
pub const MAX_PARTIES: usize = 12;

/// Errors of the fair-division aids.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FairError {
    /// The values file cannot be parsed.
    #[error("values {origin}: {message}")]
    Syntax {
        /// Origin.
        origin: String,
        /// Parser message.
        message: String,
    },
    /// A field breaks a rule.
    #[error("values: {field}: {rule}")]
    Invalid {
        /// Field path.
        field: String,
        /// The rule.
        rule: String,
    },
    /// The grand coalition is worth less than the parties get alone.
    #[error(
        "no bargaining surplus: v(N) = {grand} is less than the sum of stand-alone values {sum}"
    )]
    NoSurplus {
        /// v(N).
        grand: f64,
        /// Σ d_i.
        sum: f64,
    },
}

/// One listed coalition value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoalitionValue {
    /// Member party ids.
    pub members: Vec<String>,
    /// Value of the coalition.
    pub value: f64,
}

/// The file format of `tandem ledger fair --values` (TOML or JSON).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValuesFile {
    /// Party ids, in order.
    pub parties: Vec<String>,
    /// Listed coalition values (stand-alone values and the grand coalition are required).
    pub coalitions: Vec<CoalitionValue>,
    /// Bargaining weights for the Nash solution (default: all equal).
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
}

/// A cooperative game with transferable utility: `values[mask]` is `v(S)` where bit `i` of
/// `mask` is party `i`.
#[derive(Debug, Clone, PartialEq)]
pub struct Game {
    /// Party ids.
    pub parties: Vec<String>,
    /// `v(S)` for every coalition mask, `values[0] = 0`.
    pub values: Vec<f64>,
    /// Nash bargaining weights (positive, one per party).
    pub weights: Vec<f64>,
}

impl Game {
    /// Builds the game from a parsed file (see the module doc for missing coalitions).
    pub fn from_file(f: &ValuesFile) -> Result<Game, FairError> {
        let n = f.parties.len();
        let inv = |field: String, rule: String| FairError::Invalid { field, rule };
        if n < 2 {
            return Err(inv(
                "parties".into(),
                "at least two parties are needed".into(),
            ));
        }
        if n > MAX_PARTIES {
            return Err(inv(
                "parties".into(),
                format!("{n} parties; exact Shapley values are computed for at most {MAX_PARTIES}"),
            ));
        }
        for (i, p) in f.parties.iter().enumerate() {
            if f.parties[..i].contains(p) {
                return Err(inv(
                    format!("parties[{i}]"),
                    format!("duplicate party `{p}`"),
                ));
            }
        }
        let mut listed: Vec<Option<f64>> = vec![None; 1 << n];
        listed[0] = Some(0.0);
        for (k, c) in f.coalitions.iter().enumerate() {
            let field = format!("coalitions[{k}]");
            if !c.value.is_finite() {
                return Err(inv(
                    format!("{field}.value"),
                    "must be a finite number".into(),
                ));
            }
            if c.members.is_empty() {
                return Err(inv(format!("{field}.members"), "empty coalition".into()));
            }
            let mut mask = 0usize;
            for m in &c.members {
                let i = f.parties.iter().position(|p| p == m).ok_or_else(|| {
                    inv(format!("{field}.members"), format!("unknown party `{m}`"))
                })?;
                mask |= 1 << i;
            }
            if listed[mask].is_some() {
                return Err(inv(field, "this coalition is listed twice".into()));
            }
            listed[mask] = Some(c.value);
        }
        for (i, p) in f.parties.iter().enumerate() {
            if listed[1 << i].is_none() {
                return Err(inv(
                    "coalitions".into(),
                    format!("the stand-alone value of `{p}` is missing"),
                ));
            }
        }
        let full = (1usize << n) - 1;
        if listed[full].is_none() {
            return Err(inv(
                "coalitions".into(),
                "the value of the grand coalition (all parties) is missing".into(),
            ));
        }
        let values = (0..=full)
            .map(|mask| {
                listed[mask].unwrap_or_else(|| {
                    (0..n)
                        .filter(|i| mask & (1 << i) != 0)
                        .map(|i| listed[1 << i].unwrap_or(0.0))
                        .sum()
                })
            })
            .collect();
        let mut weights = vec![1.0; n];
        for (p, w) in &f.weights {
            let i = f
                .parties
                .iter()
                .position(|q| q == p)
                .ok_or_else(|| inv(format!("weights.{p}"), "unknown party".into()))?;
            if !(w.is_finite() && *w > 0.0) {
                return Err(inv(
                    format!("weights.{p}"),
                    "must be a positive number".into(),
                ));
            }
            weights[i] = *w;
        }
        Ok(Game {
            parties: f.parties.clone(),
            values,
            weights,
        })
    }

    /// Parses TOML (or JSON when `json`) and builds the game.
    pub fn parse(text: &str, origin: &str, json: bool) -> Result<Game, FairError> {
        let f: ValuesFile = if json {
            serde_json::from_str(text).map_err(|e| FairError::Syntax {
                origin: origin.into(),
                message: e.to_string(),
            })?
        } else {
            toml::from_str(text).map_err(|e| FairError::Syntax {
                origin: origin.into(),
                message: e.to_string().trim().to_string(),
            })?
        };
        Game::from_file(&f)
    }

    /// `v(N)`.
    pub fn grand(&self) -> f64 {
        self.values[self.values.len() - 1]
    }

    /// Stand-alone value of party `i`.
    pub fn alone(&self, i: usize) -> f64 {
        self.values[1 << i]
    }
}

/// Exact Shapley values (formula in the module doc), one per party.
pub fn shapley(g: &Game) -> Vec<f64> {
    let n = g.parties.len();
    let mut fact = vec![1.0f64; n + 1];
    for k in 1..=n {
        fact[k] = fact[k - 1] * k as f64;
    }
    let mut phi = vec![0.0; n];
    for (i, slot) in phi.iter_mut().enumerate() {
        let bit = 1usize << i;
        for s in 0..(1usize << n) {
            if s & bit != 0 {
                continue;
            }
            let size = s.count_ones() as usize;
            let w = fact[size] * fact[n - size - 1] / fact[n];
            *slot += w * (g.values[s | bit] - g.values[s]);
        }
    }
    phi
}

/// The (weighted) Nash bargaining solution with stand-alone disagreement points (module doc).
pub fn nash(g: &Game) -> Result<Vec<f64>, FairError> {
    let n = g.parties.len();
    let d: Vec<f64> = (0..n).map(|i| g.alone(i)).collect();
    let sum: f64 = d.iter().sum();
    let surplus = g.grand() - sum;
    if surplus < 0.0 {
        return Err(FairError::NoSurplus {
            grand: g.grand(),
            sum,
        });
    }
    let wsum: f64 = g.weights.iter().sum();
    Ok((0..n)
        .map(|i| d[i] + g.weights[i] / wsum * surplus)
        .collect())
}

/// The weighted Nash product `Π (x_i − d_i)^{w_i}` in logarithms (−∞ outside the
/// individually rational region); used to check a proposal.
pub fn log_nash_product(g: &Game, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, xi) in x.iter().enumerate() {
        let gain = xi - g.alone(i);
        if gain <= 0.0 {
            return f64::NEG_INFINITY;
        }
        s += g.weights[i] * gain.ln();
    }
    s
}

/// Each party's share of `v(N)` under a proposal, in basis points summing to 10,000
/// (largest remainder on the positive parts; `None` if `v(N) <= 0` or a part is negative).
pub fn to_basis_points(g: &Game, x: &[f64]) -> Option<Vec<u32>> {
    let total = g.grand();
    if total <= 0.0 || x.iter().any(|v| *v < 0.0) {
        return None;
    }
    let quotas: Vec<f64> = x.iter().map(|v| v / total * 10_000.0).collect();
    let mut bp: Vec<u32> = quotas.iter().map(|q| q.floor() as u32).collect();
    let assigned: u32 = bp.iter().sum();
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| {
        (quotas[b] - quotas[b].floor())
            .partial_cmp(&(quotas[a] - quotas[a].floor()))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for &i in order
        .iter()
        .take(10_000u32.saturating_sub(assigned) as usize)
    {
        bp[i] += 1;
    }
    (bp.iter().sum::<u32>() == 10_000).then_some(bp)
}
