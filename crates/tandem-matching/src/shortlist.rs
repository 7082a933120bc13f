//! Ranked shortlists: the top k parks of every demand and the top k demands of every park,
//! in one pass over all pairs.
//!
//! The pass reads the problem's flat per-park arrays and a per-demand scratch filled once per
//! demand ([`Problem::prepare`]), bounds whole blocks of parks and scores only the blocks that
//! could still enter a list, each in one branch-free pass ([`Problem::block_bound`],
//! [`Problem::score_block`]: hard constraints as a mask, infeasible pairs NaN), keeps each demand's best k in a bounded min-heap and each
//! park's best k in per-thread bounded heaps (merged at the end), and allocates nothing per
//! pair. Demands are split into contiguous blocks over `std::thread::scope` threads.
//!
//! Order: higher score first; equal scores rank the lower index first, so the result is
//! deterministic and equals a full sort with the same tie rule ([`naive_demand_shortlist`]).
//! Infeasible pairs are never listed. Explanations are computed afterwards, for listed
//! pairs only ([`Problem::explain`]).

use crate::score::{ParkBlocks, Problem};

/// One listed candidate: the index of the park (in a demand's list) or of the demand (in a
/// park's list), and the pair's score.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Entry {
    /// Index into the other side.
    pub index: u32,
    /// The pair's total score in [0, 1].
    pub score: f64,
}

/// Whether `a` ranks below `b`: lower score, or equal score and higher index.
#[inline]
fn worse(a: &Entry, b: &Entry) -> bool {
    a.score < b.score || (a.score == b.score && a.index > b.index)
}

/// A bounded heap keeping the best `k` entries; the root is the worst kept.
#[derive(Clone, Debug)]
pub struct TopK {
    k: usize,
    heap: Vec<Entry>,
}

impl TopK {
    /// An empty heap for `k` entries (allocated once).
    pub fn new(k: usize) -> TopK {
        TopK {
            k,
            heap: Vec::with_capacity(k),
        }
    }

    /// Empties the heap, keeping its allocation.
    pub fn clear(&mut self) {
        self.heap.clear();
    }

    /// Offers an entry; kept if fewer than k are held or it beats the worst held.
    #[inline]
    pub fn push(&mut self, e: Entry) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(e);
            let mut i = self.heap.len() - 1;
            while i > 0 {
                let parent = (i - 1) / 2;
                if worse(&self.heap[i], &self.heap[parent]) {
                    self.heap.swap(i, parent);
                    i = parent;
                } else {
                    break;
                }
            }
        } else if worse(&self.heap[0], &e) {
            self.heap[0] = e;
            self.sift_down(0);
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap.len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut m = i;
            if l < n && worse(&self.heap[l], &self.heap[m]) {
                m = l;
            }
            if r < n && worse(&self.heap[r], &self.heap[m]) {
                m = r;
            }
            if m == i {
                return;
            }
            self.heap.swap(i, m);
            i = m;
        }
    }

    /// The lowest score an entry needs to be considered (−∞ while not full); entries with
    /// exactly this score may still enter by the index rule.
    #[inline]
    pub fn threshold(&self) -> f64 {
        if self.heap.len() < self.k {
            f64::NEG_INFINITY
        } else {
            self.heap[0].score
        }
    }

    /// The kept entries, best first.
    pub fn into_sorted(mut self) -> Vec<Entry> {
        self.heap.sort_by(|a, b| {
            if worse(b, a) {
                std::cmp::Ordering::Less
            } else if worse(a, b) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        });
        self.heap
    }

    /// The kept entries, best first, leaving the heap empty (keeps the allocation).
    pub fn drain_sorted(&mut self) -> Vec<Entry> {
        let mut out = std::mem::replace(self, TopK::new(self.k)).into_sorted();
        out.shrink_to_fit();
        out
    }
}

/// Both shortlists.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Shortlists {
    /// For each demand, its best parks (index = park), best first.
    pub per_demand: Vec<Vec<Entry>>,
    /// For each park, its best demands (index = demand), best first.
    pub per_park: Vec<Vec<Entry>>,
}

/// The top `k` parks of every demand and the top `k` demands of every park, over `threads`
/// threads (at least 1).
pub fn shortlists(problem: &Problem<'_>, k: usize, threads: usize) -> Shortlists {
    let nd = problem.n_demands();
    let threads = threads.clamp(1, nd.max(1));
    let block = nd.div_ceil(threads).max(1);
    let mut parts: Vec<(Vec<Vec<Entry>>, Vec<TopK>)> = Vec::with_capacity(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let lo = (t * block).min(nd);
                let hi = ((t + 1) * block).min(nd);
                scope.spawn(move || block_pass(problem, k, lo, hi))
            })
            .collect();
        for h in handles {
            // A panic in a worker is a bug in this module; re-raise it on the caller's thread.
            parts.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
    });
    let mut per_demand = Vec::with_capacity(nd);
    let mut park_heaps: Option<Vec<TopK>> = None;
    for (lists, heaps) in parts {
        per_demand.extend(lists);
        match &mut park_heaps {
            None => park_heaps = Some(heaps),
            Some(acc) => {
                for (a, h) in acc.iter_mut().zip(heaps) {
                    for e in h.heap {
                        a.push(e);
                    }
                }
            }
        }
    }
    let per_park = park_heaps
        .unwrap_or_else(|| vec![TopK::new(k); problem.n_parks()])
        .into_iter()
        .map(TopK::into_sorted)
        .collect();
    Shortlists {
        per_demand,
        per_park,
    }
}

/// One thread's pass over demands `lo..hi`. Returns the demands' lists and one heap per
/// park (indexed by park).
///
/// For each demand, every block of parks gets an exact upper bound of its scores
/// ([`Problem::block_bound`]); blocks are visited best bound first, and a block is skipped
/// when its bound is below both the demand's current k-th score and the lowest current
/// k-th score of the block's parks: no pair in it could enter either list. Skipping is
/// exact (the bound is never below a computed total), so the lists equal the full pass.
fn block_pass(
    problem: &Problem<'_>,
    k: usize,
    lo: usize,
    hi: usize,
) -> (Vec<Vec<Entry>>, Vec<TopK>) {
    let np = problem.n_parks();
    let lay = problem.blocks();
    let nb = lay.len();
    let mut sc = problem.scratch();
    let mut mine = TopK::new(k);
    // By position in the block layout.
    let mut heaps: Vec<TopK> = (0..np).map(|_| TopK::new(k)).collect();
    // Each position's current entry threshold, beside the heaps so the common rejection
    // reads one contiguous array, and each block's lowest.
    let mut pos_min = vec![f64::NEG_INFINITY; np];
    let mut block_min = vec![f64::NEG_INFINITY; nb];
    let mut order: Vec<(f64, u32)> = Vec::with_capacity(nb);
    let mut row = vec![f64::NAN; ParkBlocks::BLOCK];
    let mut lists = Vec::with_capacity(hi - lo);
    for d in lo..hi {
        problem.prepare(d, &mut sc);
        mine.clear();
        order.clear();
        order.extend(
            (0..nb).filter_map(|b| problem.block_bound(d, &sc, b).map(|ub| (ub, b as u32))),
        );
        order.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        let mut mine_min = f64::NEG_INFINITY;
        for &(ub, b) in &order {
            let b = b as usize;
            if ub < mine_min && ub < block_min[b] {
                continue;
            }
            let range = lay.range(b);
            let scores = &mut row[..range.len()];
            problem.score_block(d, &sc, b, scores);
            let mut touched = false;
            for (pos, &score) in range.clone().zip(scores.iter()) {
                // NaN (infeasible) fails both comparisons.
                if score >= mine_min {
                    mine.push(Entry {
                        index: lay.park(pos),
                        score,
                    });
                    mine_min = mine.threshold();
                }
                if score >= pos_min[pos] {
                    let h = &mut heaps[pos];
                    h.push(Entry {
                        index: d as u32,
                        score,
                    });
                    pos_min[pos] = h.threshold();
                    touched = true;
                }
            }
            if touched {
                block_min[b] = pos_min[range].iter().copied().fold(f64::INFINITY, f64::min);
            }
        }
        lists.push(mine.drain_sorted());
    }
    let mut parks: Vec<TopK> = (0..np).map(|_| TopK::new(k)).collect();
    for (pos, h) in heaps.into_iter().enumerate() {
        parks[lay.park(pos) as usize] = h;
    }
    (lists, parks)
}

/// The reference implementation: score every park for demand `d`, sort all feasible pairs
/// (score descending, index ascending) and keep the first `k`.
pub fn naive_demand_shortlist(problem: &Problem<'_>, d: usize, k: usize) -> Vec<Entry> {
    let mut sc = problem.scratch();
    problem.prepare(d, &mut sc);
    let mut all: Vec<Entry> = (0..problem.n_parks())
        .filter_map(|p| {
            problem.components(d, p, &sc).ok().map(|x| Entry {
                index: p as u32,
                score: problem.total(&x),
            })
        })
        .collect();
    all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
    all.truncate(k);
    all
}

/// The reference implementation for a park: every demand scored against park `p`, sorted,
/// first `k`.
pub fn naive_park_shortlist(problem: &Problem<'_>, p: usize, k: usize) -> Vec<Entry> {
    let mut sc = problem.scratch();
    let mut all = Vec::new();
    for d in 0..problem.n_demands() {
        problem.prepare(d, &mut sc);
        if let Ok(x) = problem.components(d, p, &sc) {
            all.push(Entry {
                index: d as u32,
                score: problem.total(&x),
            });
        }
    }
    all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
    all.truncate(k);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_keeps_the_best_with_index_ties() {
        let mut h = TopK::new(3);
        for (i, s) in [0.5, 0.9, 0.1, 0.9, 0.7, 0.5].iter().enumerate() {
            h.push(Entry {
                index: i as u32,
                score: *s,
            });
        }
        let got: Vec<u32> = h.into_sorted().iter().map(|e| e.index).collect();
        assert_eq!(got, [1, 3, 4]);
        let mut z = TopK::new(0);
        z.push(Entry {
            index: 0,
            score: 1.0,
        });
        assert!(z.into_sorted().is_empty());
    }
}
