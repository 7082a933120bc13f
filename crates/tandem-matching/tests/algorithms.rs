//! Shortlists against a full sort, the assignment against exhaustive search, the stable
//! matching's stability and demand-optimality against brute-force enumeration.

mod common;

use common::{random_instance, Rng};
use tandem_matching::shortlist::{naive_demand_shortlist, naive_park_shortlist};
use tandem_matching::stable::park_prefers;
use tandem_matching::{
    assign, blocking_pair, deferred_acceptance, shortlists, stable_matching, Entry, MatchContext,
    Problem, Weights,
};

fn bundled_axes(ctx: &MatchContext) -> (Vec<String>, Vec<String>) {
    let b = tandem_data::bundled::bundle();
    let places: Vec<String> = b
        .programme_localities()
        .iter()
        .map(|l| l.id.clone())
        .filter(|id| ctx.place(id).is_some())
        .collect();
    let sectors = ctx.sectors().iter().map(|s| s.code.clone()).collect();
    (places, sectors)
}

#[test]
fn shortlists_equal_a_full_sort_on_random_instances() {
    let ctx = MatchContext::bundled().unwrap();
    let (places, sectors) = bundled_axes(&ctx);
    let mut rng = Rng(7);
    for round in 0..20 {
        let nd = 1 + rng.below(60);
        let np = 1 + rng.below(40);
        let (demands, parks) = random_instance(&mut rng, &places, &sectors, nd, np);
        let pb = Problem::new(&ctx, Weights::shipped(), &demands, &parks).unwrap();
        let k = 1 + rng.below(8);
        let threads = 1 + round % 3;
        let s = shortlists(&pb, k, threads);
        assert_eq!(s.per_demand.len(), nd);
        assert_eq!(s.per_park.len(), np);
        for d in 0..nd {
            assert_eq!(
                s.per_demand[d],
                naive_demand_shortlist(&pb, d, k),
                "round {round} demand {d}"
            );
        }
        for p in 0..np {
            assert_eq!(
                s.per_park[p],
                naive_park_shortlist(&pb, p, k),
                "round {round} park {p}"
            );
        }
    }
}

#[test]
fn shortlists_skip_infeasible_pairs_and_list_them_in_order() {
    let ctx = MatchContext::bundled().unwrap();
    let (places, sectors) = bundled_axes(&ctx);
    let mut rng = Rng(99);
    let (demands, parks) = random_instance(&mut rng, &places, &sectors, 80, 30);
    let pb = Problem::new(&ctx, Weights::shipped(), &demands, &parks).unwrap();
    let s = shortlists(&pb, 30, 2);
    let mut infeasible = 0;
    for (d, list) in s.per_demand.iter().enumerate() {
        for w in list.windows(2) {
            assert!(w[0].score >= w[1].score);
        }
        for p in 0..parks.len() {
            match pb.score(d, p) {
                Some(v) => assert!(list.iter().any(|e| e.index as usize == p && e.score == v)),
                None => {
                    infeasible += 1;
                    assert!(list.iter().all(|e| e.index as usize != p));
                }
            }
        }
    }
    assert!(
        infeasible > 0,
        "the random instance should bind some constraint"
    );
}

/// The best total over every assignment, by enumeration.
fn exhaustive(cands: &[Vec<Entry>], cap: &[u32]) -> f64 {
    fn go(d: usize, cands: &[Vec<Entry>], left: &mut [u32], acc: f64, best: &mut f64) {
        if d == cands.len() {
            *best = best.max(acc);
            return;
        }
        go(d + 1, cands, left, acc, best);
        for e in &cands[d] {
            let p = e.index as usize;
            if left[p] > 0 {
                left[p] -= 1;
                go(d + 1, cands, left, acc + e.score, best);
                left[p] += 1;
            }
        }
    }
    let mut best = 0.0;
    go(0, cands, &mut cap.to_vec(), 0.0, &mut best);
    best
}

#[test]
fn assignment_is_optimal_against_exhaustive_search() {
    let mut rng = Rng(2024);
    let mut nontrivial = 0;
    for round in 0..400 {
        let nd = 1 + rng.below(7);
        let np = 1 + rng.below(4);
        let cap: Vec<u32> = (0..np).map(|_| rng.below(3) as u32).collect();
        let cands: Vec<Vec<Entry>> = (0..nd)
            .map(|_| {
                let mut list = Vec::new();
                for p in 0..np {
                    if rng.f() < 0.7 {
                        list.push(Entry {
                            index: p as u32,
                            // Coarse scores make ties common, where greedy choices go wrong.
                            score: (rng.f() * 10.0).round() / 10.0,
                        });
                    }
                }
                list
            })
            .collect();
        let a = assign(&cands, &cap).unwrap();
        let best = exhaustive(&cands, &cap);
        assert!(
            (a.total - best).abs() < 1e-6,
            "round {round}: {} vs {best}",
            a.total
        );
        // The assignment itself is feasible and its total is what it says.
        let mut used = vec![0u32; np];
        let mut total = 0.0;
        for (d, m) in a.park_of.iter().enumerate() {
            if let Some(p) = m {
                used[*p as usize] += 1;
                total += cands[d].iter().find(|e| e.index == *p).unwrap().score;
            }
        }
        assert!(used.iter().zip(&cap).all(|(u, c)| u <= c), "round {round}");
        assert!((total - a.total).abs() < 1e-12);
        if a.assigned >= 2 {
            nontrivial += 1;
        }
    }
    assert!(nontrivial > 100);
}

#[test]
fn assignment_on_a_problem_respects_capacities_and_beats_greedy() {
    let ctx = MatchContext::bundled().unwrap();
    let (places, sectors) = bundled_axes(&ctx);
    let mut rng = Rng(5);
    let (demands, parks) = random_instance(&mut rng, &places, &sectors, 300, 20);
    let pb = Problem::new(&ctx, Weights::shipped(), &demands, &parks).unwrap();
    let s = shortlists(&pb, 20, 2);
    let a = assign(&s.per_demand, pb.park_capacities()).unwrap();
    let mut used = vec![0u32; parks.len()];
    for p in a.park_of.iter().flatten() {
        used[*p as usize] += 1;
    }
    for (p, u) in used.iter().enumerate() {
        assert!(*u <= parks[p].capacity);
    }
    // Greedy by descending pair score is a lower bound.
    let mut pairs: Vec<(f64, usize, u32)> = s
        .per_demand
        .iter()
        .enumerate()
        .flat_map(|(d, l)| l.iter().map(move |e| (e.score, d, e.index)))
        .collect();
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut left: Vec<u32> = pb.park_capacities().to_vec();
    let mut taken = vec![false; demands.len()];
    let mut greedy = 0.0;
    for (s, d, p) in pairs {
        if !taken[d] && left[p as usize] > 0 {
            taken[d] = true;
            left[p as usize] -= 1;
            greedy += s;
        }
    }
    assert!(a.total >= greedy - 1e-9, "{} < greedy {greedy}", a.total);
}

/// Random strict preferences: demand lists over parks, park views as random numbers.
fn random_market(
    rng: &mut Rng,
    nd: usize,
    np: usize,
    coarse: bool,
) -> (Vec<Vec<u32>>, Vec<f64>, Vec<u32>) {
    let prefs = (0..nd)
        .map(|_| {
            let mut l: Vec<u32> = (0..np as u32).filter(|_| rng.f() < 0.8).collect();
            for i in (1..l.len()).rev() {
                let j = rng.below(i + 1);
                l.swap(i, j);
            }
            l
        })
        .collect();
    // Coarse views make ties, resolved by index; fine views make conflicting preferences,
    // hence several stable matchings.
    let views = (0..np * nd)
        .map(|_| {
            if coarse {
                (rng.f() * 5.0).round()
            } else {
                rng.f()
            }
        })
        .collect();
    let cap = (0..np)
        .map(|_| if coarse { rng.below(3) } else { 1 + rng.below(2) } as u32)
        .collect();
    (prefs, views, cap)
}

#[test]
fn deferred_acceptance_is_stable_on_random_markets() {
    let mut rng = Rng(31);
    for round in 0..300 {
        let nd = 1 + rng.below(30);
        let np = 1 + rng.below(8);
        let (prefs, views, cap) = random_market(&mut rng, nd, np, round % 2 == 0);
        let view = |p: usize, d: usize| views[p * nd + d];
        let m = deferred_acceptance(&prefs, &view, &cap);
        assert_eq!(
            blocking_pair(&prefs, &view, &cap, &m),
            None,
            "round {round}"
        );
    }
}

#[test]
fn blocking_pairs_are_found() {
    // One park with one seat; both demands want it; the park prefers demand 1.
    let prefs = vec![vec![0], vec![0]];
    let view = |_p: usize, d: usize| d as f64;
    assert_eq!(
        blocking_pair(&prefs, &view, &[1], &[Some(0), None]),
        Some((1, 0))
    );
    assert_eq!(blocking_pair(&prefs, &view, &[1], &[None, Some(0)]), None);
    assert_eq!(
        blocking_pair(&prefs, &view, &[1], &[None, None]),
        Some((0, 0))
    );
}

/// Every matching respecting lists and capacities, by enumeration.
fn all_matchings(prefs: &[Vec<u32>], cap: &[u32]) -> Vec<Vec<Option<u32>>> {
    fn go(
        d: usize,
        prefs: &[Vec<u32>],
        left: &mut [u32],
        cur: &mut Vec<Option<u32>>,
        out: &mut Vec<Vec<Option<u32>>>,
    ) {
        if d == prefs.len() {
            out.push(cur.clone());
            return;
        }
        cur.push(None);
        go(d + 1, prefs, left, cur, out);
        cur.pop();
        for &p in &prefs[d] {
            if left[p as usize] > 0 {
                left[p as usize] -= 1;
                cur.push(Some(p));
                go(d + 1, prefs, left, cur, out);
                cur.pop();
                left[p as usize] += 1;
            }
        }
    }
    let mut out = Vec::new();
    go(0, prefs, &mut cap.to_vec(), &mut Vec::new(), &mut out);
    out
}

#[test]
fn deferred_acceptance_is_demand_optimal_against_brute_force() {
    let mut rng = Rng(4242);
    let mut several = 0;
    for round in 0..1000 {
        let nd = 2 + rng.below(4);
        let np = 1 + rng.below(4);
        let (prefs, views, cap) = random_market(&mut rng, nd, np, round % 4 == 0);
        let view = |p: usize, d: usize| views[p * nd + d];
        let da = deferred_acceptance(&prefs, &view, &cap);
        let stable: Vec<_> = all_matchings(&prefs, &cap)
            .into_iter()
            .filter(|m| blocking_pair(&prefs, &view, &cap, m).is_none())
            .collect();
        assert!(
            stable.contains(&da),
            "round {round}: DA result not among the stable matchings"
        );
        if stable.len() > 1 {
            several += 1;
        }
        // Rank of a park in d's list (unmatched = worst).
        let rank = |d: usize, m: Option<u32>| {
            m.map_or(usize::MAX, |p| {
                prefs[d].iter().position(|&q| q == p).unwrap()
            })
        };
        for m in &stable {
            for d in 0..nd {
                assert!(
                    rank(d, da[d]) <= rank(d, m[d]),
                    "round {round}: demand {d} does better elsewhere"
                );
            }
        }
    }
    assert!(
        several > 30,
        "some markets should have several stable matchings ({several})"
    );
    // The tie rule is strict.
    let view = |_p: usize, _d: usize| 1.0;
    assert!(park_prefers(&view, 0, 1, 2) && !park_prefers(&view, 0, 2, 1));
}

#[test]
fn stable_matching_of_a_problem_is_stable_under_park_views() {
    let ctx = MatchContext::bundled().unwrap();
    let (places, sectors) = bundled_axes(&ctx);
    let mut rng = Rng(11);
    let (demands, parks) = random_instance(&mut rng, &places, &sectors, 200, 15);
    let pb = Problem::new(&ctx, Weights::shipped(), &demands, &parks).unwrap();
    let s = shortlists(&pb, 10, 2);
    let m = stable_matching(&pb, &s.per_demand);
    let prefs: Vec<Vec<u32>> = s
        .per_demand
        .iter()
        .map(|l| l.iter().map(|e| e.index).collect())
        .collect();
    let view = |p: usize, d: usize| pb.park_view(p, d);
    assert_eq!(blocking_pair(&prefs, &view, pb.park_capacities(), &m), None);
    assert!(m.iter().any(Option::is_some));
}

/// Enough parks for many blocks per city, so the block bounds of the shortlist pass prune:
/// the lists must still equal the full sort of every feasible pair.
#[test]
fn pruned_shortlists_equal_a_full_sort_on_larger_instances() {
    let ctx = MatchContext::bundled().unwrap();
    let (places, sectors) = bundled_axes(&ctx);
    let mut rng = Rng(11);
    for round in 0..3 {
        let (nd, np) = (300 + rng.below(100), 900 + rng.below(300));
        let (demands, parks) = random_instance(&mut rng, &places, &sectors, nd, np);
        let pb = Problem::new(&ctx, Weights::shipped(), &demands, &parks).unwrap();
        assert!(
            pb.blocks().len() > places.len(),
            "round {round}: too few blocks"
        );
        let k = [1, 5, 20][round];
        let s = shortlists(&pb, k, 1 + round % 2);
        for d in 0..nd {
            assert_eq!(
                s.per_demand[d],
                naive_demand_shortlist(&pb, d, k),
                "round {round} demand {d}"
            );
        }
        for p in (0..np).step_by(13) {
            assert_eq!(
                s.per_park[p],
                naive_park_shortlist(&pb, p, k),
                "round {round} park {p}"
            );
        }
    }
}
