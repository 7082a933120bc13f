//! Capacity-constrained assignment maximising the total score, by min-cost flow.
//!
//! **Problem.** Given candidate pairs (d, p) with scores `w_dp ≥ 0` (the feasible pairs, or
//! each demand's top-k shortlist), and park capacities `cap_p`, choose `x_dp ∈ {0, 1}` to
//!
//! maximise `Σ w_dp x_dp` subject to `Σ_p x_dp ≤ 1` for every demand and
//! `Σ_d x_dp ≤ cap_p` for every park.
//!
//! Demands may stay unassigned (they contribute 0): the objective is the largest total
//! score, not the largest number of assigned demands. A pair with score 0 adds nothing and
//! is left out.
//!
//! **Network.** Nodes: one per demand, one per park, a sink t. Arcs: d → p (capacity 1,
//! cost `−W_dp`) for every candidate pair; p → t (capacity `cap_p`, cost 0); d → t
//! (capacity 1, cost 0: "unassigned"). Every demand has supply 1 and t demand N. Every
//! feasible flow sends each demand's unit either to a park or straight to t, so flows are
//! exactly the assignments (integral by the integrality of network flows), and a min-cost
//! flow is a max-score assignment.
//!
//! **Method.** Successive shortest paths with node potentials (Edmonds & Karp 1972;
//! Ahuja, Magnanti & Orlin 1993, *Network Flows*, §9.7), adding one demand at a time: with
//! the flow optimal for demands 1..i, a shortest path (Dijkstra on reduced costs
//! `c(u,v) + π(u) − π(v) ≥ 0`) from demand i+1 to t in the residual network gives an
//! optimal flow for demands 1..i+1 (an augmentation along a shortest path keeps reduced
//! costs non-negative, hence no negative cycle, the optimality condition). Initial
//! potentials `π(d) = 0`, `π(p) = π(t) = −max W` make every initial arc's reduced cost
//! non-negative. Dijkstra stops when t is settled (t wins ties in the heap, so it is
//! settled as soon as its distance is the smallest left); settled nodes get
//! `π(v) += dist(v) − dist(t)`, the others keep theirs (equivalent to the textbook
//! `π += min(dist, dist(t))` up to a constant), which keeps all reduced costs non-negative.
//! After the N-th demand the flow is optimal: **the assignment is an exact optimum** of the
//! problem above, for the integer scores below.
//!
//! **Integer costs.** Scores are rounded to integers `W_dp = round(w_dp · 10⁹)` so that
//! Dijkstra is exact; the assignment is optimal for W, and its real total is within
//! `N · 10⁻⁹` of the real optimum.
//!
//! **Cost.** N Dijkstra runs on the residual network, each stopping at t; a run explores
//! only nodes closer than t, which stays local while parks have room. Demands are added in
//! descending order of their best candidate score (any order is exact; this one keeps
//! displacements, hence searches, rare).

use crate::shortlist::Entry;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The integer scale of scores.
pub const SCORE_SCALE: f64 = 1e9;

/// An assignment.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Assignment {
    /// For each demand, the park it is assigned (`None`: unassigned).
    pub park_of: Vec<Option<u32>>,
    /// The total score of the assigned pairs (real scores, not the rounded ones).
    pub total: f64,
    /// Number of assigned demands.
    pub assigned: usize,
}

/// An assignment input that cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AssignError {
    /// A candidate names a park index beyond the capacities.
    #[error("demand {demand}: candidate park index {park} is out of range ({parks} parks)")]
    ParkOutOfRange {
        /// Demand index.
        demand: usize,
        /// The bad park index.
        park: u32,
        /// Number of parks.
        parks: usize,
    },
    /// A score that is negative, above 1e6 or not finite.
    #[error("demand {demand}, park {park}: score {score} must be finite, >= 0 and <= 1e6")]
    BadScore {
        /// Demand index.
        demand: usize,
        /// Park index.
        park: u32,
        /// The score.
        score: f64,
    },
    /// The same park listed twice for a demand.
    #[error("demand {demand}: park {park} is listed twice")]
    Repeated {
        /// Demand index.
        demand: usize,
        /// Park index.
        park: u32,
    },
}

struct Arc {
    to: u32,
    cap: u32,
    cost: i64,
    rev: u32,
}

/// Maximises the total score; `candidates[d]` lists demand d's allowed parks with scores,
/// `capacity[p]` is park p's capacity. See the module documentation for the method and its
/// optimality.
///
/// # Errors
/// A park index out of range, a repeated park in one list, a bad score.
pub fn assign(candidates: &[Vec<Entry>], capacity: &[u32]) -> Result<Assignment, AssignError> {
    let nd = candidates.len();
    let npk = capacity.len();
    let sink = nd + npk;
    let nodes = sink + 1;
    // Arc lists in CSR form: count, then place.
    let mut deg = vec![0u32; nodes + 1];
    let mut max_w: i64 = 0;
    let mut seen = vec![u32::MAX; npk];
    for (d, list) in candidates.iter().enumerate() {
        for e in list {
            if e.index as usize >= npk {
                return Err(AssignError::ParkOutOfRange {
                    demand: d,
                    park: e.index,
                    parks: npk,
                });
            }
            if !(e.score.is_finite() && (0.0..=1e6).contains(&e.score)) {
                return Err(AssignError::BadScore {
                    demand: d,
                    park: e.index,
                    score: e.score,
                });
            }
            if seen[e.index as usize] == d as u32 {
                return Err(AssignError::Repeated {
                    demand: d,
                    park: e.index,
                });
            }
            seen[e.index as usize] = d as u32;
            let w = (e.score * SCORE_SCALE).round() as i64;
            if w > 0 {
                deg[d] += 1;
                deg[nd + e.index as usize] += 1;
                max_w = max_w.max(w);
            }
        }
        deg[d] += 1;
        deg[sink] += 1;
    }
    for p in 0..npk {
        deg[nd + p] += 1;
        deg[sink] += 1;
    }
    let mut start = vec![0u32; nodes + 1];
    for v in 0..nodes {
        start[v + 1] = start[v] + deg[v];
    }
    let mut fill = start.clone();
    let mut arcs: Vec<Arc> = (0..start[nodes])
        .map(|_| Arc {
            to: 0,
            cap: 0,
            cost: 0,
            rev: 0,
        })
        .collect();
    let mut add = |u: usize, v: usize, cap: u32, cost: i64, arcs: &mut Vec<Arc>| {
        let (a, b) = (fill[u], fill[v]);
        fill[u] += 1;
        fill[v] += 1;
        arcs[a as usize] = Arc {
            to: v as u32,
            cap,
            cost,
            rev: b,
        };
        arcs[b as usize] = Arc {
            to: u as u32,
            cap: 0,
            cost: -cost,
            rev: a,
        };
    };
    for (d, list) in candidates.iter().enumerate() {
        for e in list {
            let w = (e.score * SCORE_SCALE).round() as i64;
            if w > 0 {
                add(d, nd + e.index as usize, 1, -w, &mut arcs);
            }
        }
        add(d, sink, 1, 0, &mut arcs);
    }
    for (p, &c) in capacity.iter().enumerate() {
        add(nd + p, sink, c, 0, &mut arcs);
    }

    let mut pot = vec![0i64; nodes];
    for v in pot.iter_mut().skip(nd) {
        *v = -max_w;
    }
    let mut dist = vec![i64::MAX; nodes];
    let mut parent = vec![u32::MAX; nodes];
    let mut settled = vec![false; nodes];
    let mut touched: Vec<u32> = Vec::new();
    let mut popped: Vec<u32> = Vec::new();
    let mut heap: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::new();
    // Heap keys rank the sink first among nodes at equal distance: the search stops as soon
    // as t's distance is the smallest left, instead of first settling every other node at
    // that distance (in a degenerate residual network, often thousands).
    let key = |v: usize| if v == sink { 0 } else { v as u32 + 1 };
    let node = |k: u32| if k == 0 { sink } else { k as usize - 1 };
    // Any order of adding demands gives an optimum; adding the demands with the best
    // candidates first means later ones rarely displace earlier ones, so the searches stay
    // small.
    let mut order: Vec<u32> = (0..nd as u32).collect();
    let best: Vec<f64> = candidates
        .iter()
        .map(|l| l.iter().map(|e| e.score).fold(0.0, f64::max))
        .collect();
    order.sort_by(|&a, &b| {
        best[b as usize]
            .total_cmp(&best[a as usize])
            .then(a.cmp(&b))
    });
    for &src in &order {
        let src = src as usize;
        heap.clear();
        dist[src] = 0;
        touched.push(src as u32);
        heap.push(Reverse((0, key(src))));
        let mut dt = None;
        while let Some(Reverse((du, ku))) = heap.pop() {
            let u = node(ku);
            if settled[u] || du > dist[u] {
                continue;
            }
            settled[u] = true;
            popped.push(u as u32);
            if u == sink {
                dt = Some(du);
                break;
            }
            for a in start[u]..start[u + 1] {
                let arc = &arcs[a as usize];
                if arc.cap == 0 {
                    continue;
                }
                let v = arc.to as usize;
                if settled[v] {
                    continue;
                }
                let nd_ = du + arc.cost + pot[u] - pot[v];
                if nd_ < dist[v] {
                    if dist[v] == i64::MAX {
                        touched.push(v as u32);
                    }
                    dist[v] = nd_;
                    parent[v] = a;
                    heap.push(Reverse((nd_, key(v))));
                }
            }
        }
        // The direct arc d -> t always has capacity for a new demand, so t is reached.
        let dt = dt.unwrap_or(0);
        for &v in &popped {
            let v = v as usize;
            pot[v] += dist[v] - dt;
        }
        // Augment one unit along the parent arcs.
        let mut v = sink;
        while v != src {
            let a = parent[v] as usize;
            arcs[a].cap -= 1;
            let r = arcs[a].rev as usize;
            arcs[r].cap += 1;
            v = arcs[r].to as usize;
        }
        for &v in &touched {
            let v = v as usize;
            dist[v] = i64::MAX;
            parent[v] = u32::MAX;
            settled[v] = false;
        }
        touched.clear();
        popped.clear();
    }

    let mut park_of = vec![None; nd];
    let mut total = 0.0;
    let mut assigned = 0;
    for (d, list) in candidates.iter().enumerate() {
        for a in start[d]..start[d + 1] {
            let arc = &arcs[a as usize];
            let to = arc.to as usize;
            if to >= nd && to < sink && arc.cap == 0 {
                let p = (to - nd) as u32;
                park_of[d] = Some(p);
                total += list.iter().find(|e| e.index == p).map_or(0.0, |e| e.score);
                assigned += 1;
            }
        }
    }
    Ok(Assignment {
        park_of,
        total,
        assigned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(index: u32, score: f64) -> Entry {
        Entry { index, score }
    }

    #[test]
    fn a_swap_beats_greedy() {
        // Greedy would give park 0 to demand 0 (0.9) and leave demand 1 with nothing (0.0),
        // total 0.9; the optimum gives demand 0 park 1 (0.8) and demand 1 park 0 (0.85).
        let c = vec![vec![e(0, 0.9), e(1, 0.8)], vec![e(0, 0.85)]];
        let a = assign(&c, &[1, 1]).unwrap();
        assert_eq!(a.park_of, [Some(1), Some(0)]);
        assert!((a.total - 1.65).abs() < 1e-12);
        assert_eq!(a.assigned, 2);
    }

    #[test]
    fn capacity_zero_and_empty_lists_leave_demands_unassigned() {
        let c = vec![vec![e(0, 0.5)], vec![]];
        let a = assign(&c, &[0]).unwrap();
        assert_eq!(a.park_of, [None, None]);
        assert_eq!(a.total, 0.0);
        assert!(matches!(
            assign(&[vec![e(3, 0.5)]], &[1]),
            Err(AssignError::ParkOutOfRange { .. })
        ));
        assert!(matches!(
            assign(&[vec![e(0, f64::NAN)]], &[1]),
            Err(AssignError::BadScore { .. })
        ));
    }
}
