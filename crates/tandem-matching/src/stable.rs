//! Stable matching where both sides rank: demand-proposing deferred acceptance with park
//! capacities (the hospitals/residents problem; Gale & Shapley 1962, "College admissions and
//! the stability of marriage", *American Mathematical Monthly* 69:9; Roth 1984).
//!
//! * Demands rank the parks on their list (their shortlist or all feasible parks) by the
//!   pair score, best first; parks not on the list are unacceptable to the demand.
//! * Parks rank demands by their own view ([`crate::Problem::park_view`]): industry fit,
//!   how much of their vacant land and buildings the project takes up, and the pair bonus;
//!   ties are broken by the lower demand index, so preferences are strict. A park accepts
//!   any demand that proposes to it (the demand's list contains only feasible parks).
//! * Each free demand proposes to its best park not yet tried; the park holds its best
//!   `capacity` proposals and rejects the rest. Ends when every demand is held or has
//!   exhausted its list.
//!
//! The result is stable (no demand and park that both prefer each other to their partners,
//! counting a park's free seat as worse than any acceptable demand) and demand-optimal: each
//! demand gets the best park it has in any stable matching (Gale & Shapley 1962, Theorem 2;
//! for many-to-one, Roth & Sotomayor 1990, Theorem 5.16). O(Σ list lengths · log capacity).

use std::collections::BinaryHeap;

/// Whether park p prefers demand `a` to demand `b` under the view `view(p, d)`: a higher
/// view, or an equal view and a lower index.
#[inline]
pub fn park_prefers(view: &dyn Fn(usize, usize) -> f64, p: usize, a: usize, b: usize) -> bool {
    let (va, vb) = (view(p, a), view(p, b));
    va > vb || (va == vb && a < b)
}

/// A held proposal ordered so that the heap's top is the park's least preferred.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Held {
    view: f64,
    demand: u32,
}

impl Eq for Held {}

impl Ord for Held {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Greater = less preferred, so BinaryHeap's max is the worst held.
        other
            .view
            .total_cmp(&self.view)
            .then(self.demand.cmp(&other.demand))
    }
}

impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Demand-proposing deferred acceptance.
///
/// `prefs[d]` lists park indices best first (no repeats; indices below `capacity.len()`);
/// `view(p, d)` is park p's rating of demand d (finite; higher is better; ties go to the
/// lower index); `capacity[p]` is park p's number of seats. Returns each demand's park.
pub fn deferred_acceptance(
    prefs: &[Vec<u32>],
    view: &dyn Fn(usize, usize) -> f64,
    capacity: &[u32],
) -> Vec<Option<u32>> {
    let nd = prefs.len();
    let mut next = vec![0usize; nd];
    let mut held: Vec<BinaryHeap<Held>> = capacity.iter().map(|_| BinaryHeap::new()).collect();
    let mut park_of: Vec<Option<u32>> = vec![None; nd];
    let mut free: Vec<u32> = (0..nd as u32).rev().collect();
    while let Some(d) = free.pop() {
        let du = d as usize;
        let Some(&p) = prefs[du].get(next[du]) else {
            continue;
        };
        next[du] += 1;
        let pu = p as usize;
        if capacity[pu] == 0 {
            free.push(d);
            continue;
        }
        let h = Held {
            view: view(pu, du),
            demand: d,
        };
        let heap = &mut held[pu];
        if heap.len() < capacity[pu] as usize {
            heap.push(h);
            park_of[du] = Some(p);
        } else if let Some(&worst) = heap.peek() {
            // `worst > h` in the heap order means h is preferred to the worst held.
            if worst > h {
                heap.pop();
                heap.push(h);
                park_of[du] = Some(p);
                park_of[worst.demand as usize] = None;
                free.push(worst.demand);
            } else {
                free.push(d);
            }
        }
    }
    park_of
}

/// A blocking pair of a matching, if any: a demand d and a park p on d's list such that d
/// prefers p to its partner (or has none) and p has a free seat or prefers d to one of the
/// demands it holds. `None` means the matching is stable. Also checks that the matching
/// respects capacities and lists (returns the first demand breaking them as `(d, p)`).
pub fn blocking_pair(
    prefs: &[Vec<u32>],
    view: &dyn Fn(usize, usize) -> f64,
    capacity: &[u32],
    park_of: &[Option<u32>],
) -> Option<(usize, usize)> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); capacity.len()];
    for (d, m) in park_of.iter().enumerate() {
        if let Some(p) = m {
            if !prefs[d].contains(p) {
                return Some((d, *p as usize));
            }
            members[*p as usize].push(d);
        }
    }
    for (p, m) in members.iter().enumerate() {
        if m.len() > capacity[p] as usize {
            return Some((m[0], p));
        }
    }
    for (d, list) in prefs.iter().enumerate() {
        for &p in list {
            if park_of[d] == Some(p) {
                break; // parks after the partner are worse for d
            }
            let pu = p as usize;
            let m = &members[pu];
            let wants =
                m.len() < capacity[pu] as usize || m.iter().any(|&e| park_prefers(view, pu, d, e));
            if wants {
                return Some((d, pu));
            }
        }
    }
    None
}

/// The stable matching of a problem: demands rank their lists (`per_demand`, e.g. the
/// shortlists, best first; only feasible pairs), parks rank by
/// [`crate::Problem::park_view`], capacities are the parks'.
pub fn stable_matching(
    problem: &crate::Problem<'_>,
    per_demand: &[Vec<crate::Entry>],
) -> Vec<Option<u32>> {
    let prefs: Vec<Vec<u32>> = per_demand
        .iter()
        .map(|l| l.iter().map(|e| e.index).collect())
        .collect();
    deferred_acceptance(
        &prefs,
        &|p, d| problem.park_view(p, d),
        problem.park_capacities(),
    )
}
