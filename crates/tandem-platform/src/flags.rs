//! Review flags of projects, computed for a whole group in one pass.
//!
//! The rules (see [`crate::service`] for the constants):
//! - `duplicate_of_N`: project N has the same enterprise and park, an agreed amount within
//!   [`DUPLICATE_AMOUNT_TOLERANCE`] of the larger of the two, and a signing date within
//!   [`DUPLICATE_WINDOW_DAYS`] (or one of the two is not signed yet);
//! - [`MORE_DUPLICATES`]: more than [`MAX_DUPLICATES_LISTED`] projects match; only that many,
//!   the closest in amount, are listed (see the constant for why);
//! - `paid_in_exceeds_agreed`: paid-in capital above the amount agreed;
//! - `operating_without_paid_in`: in production or paying tax with no paid-in capital recorded
//!   although an amount was agreed.
//!
//! Comparing every pair of projects of a group costs n² comparisons, and the service used to
//! redo that for every project of the group after every change (n³ for an import into one
//! group: 150 rows took 40 s). Here a group costs O(n log n + n·K): projects are sorted by
//! amount, and signed ones swept in date order with the ones inside the date window kept in an
//! ordered set, so each project looks only at its nearest amounts on either side.

use std::collections::BTreeSet;

/// Two signings of the same enterprise in the same park are flagged as possible duplicates
/// when their agreed amounts differ by at most this share of the larger…
pub const DUPLICATE_AMOUNT_TOLERANCE: f64 = 0.10;

/// …and they were signed at most this many days apart (or either is not yet signed).
pub const DUPLICATE_WINDOW_DAYS: i64 = 180;

/// At most this many `duplicate_of_N` flags per project. A project that matches more gets the
/// closest ones in amount (ties by id) and [`MORE_DUPLICATES`]: listing every match would make
/// the flags of a group grow with the square of its size (10,000 identical rows would store
/// 10⁸ ids), and ten suspects already tell a reviewer what to look at.
pub const MAX_DUPLICATES_LISTED: usize = 10;

/// The flag added when more than [`MAX_DUPLICATES_LISTED`] projects match.
pub const MORE_DUPLICATES: &str = "more_duplicates";

/// What the flags of one project depend on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlagFacts {
    /// The project's id.
    pub id: i64,
    /// The amount agreed; projects without one are nobody's duplicate.
    pub amount_agreed_fen: Option<i64>,
    /// The capital paid in.
    pub paid_in_fen: Option<i64>,
    /// The lifecycle stage (`lead` … `paying_tax`).
    pub stage: String,
    /// The signing date as a day number; `None` when not signed (or not a readable date,
    /// which the rules treat alike).
    pub signed_day: Option<i64>,
}

/// The flags of every project of one group (same enterprise and park), in the input's order,
/// each as the comma-separated text stored in `projects.review_flags`.
pub fn group_flags(group: &[FlagFacts]) -> Vec<String> {
    let duplicates = duplicates(group);
    group
        .iter()
        .zip(duplicates)
        .map(|(p, d)| {
            let mut flags: Vec<String> =
                d.ids.iter().map(|i| format!("duplicate_of_{i}")).collect();
            if d.more {
                flags.push(MORE_DUPLICATES.into());
            }
            flags.extend(own_flags(p).iter().map(|s| s.to_string()));
            flags.join(",")
        })
        .collect()
}

/// The flags of a project outside any group (no park): its own checks only.
pub fn single_flags(p: &FlagFacts) -> String {
    own_flags(p).join(",")
}

fn own_flags(p: &FlagFacts) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if let (Some(a), Some(paid)) = (p.amount_agreed_fen, p.paid_in_fen) {
        if paid > a {
            flags.push("paid_in_exceeds_agreed");
        }
    }
    let operating = matches!(p.stage.as_str(), "production" | "paying_tax");
    if operating && p.amount_agreed_fen.is_some_and(|a| a > 0) && p.paid_in_fen.unwrap_or(0) == 0 {
        flags.push("operating_without_paid_in");
    }
    flags
}

/// Whether two agreed amounts are within the tolerance of the larger one (the rule as it has
/// always been computed, in `f64`, so existing flags do not change).
pub fn close(a: i64, b: i64) -> bool {
    let larger = a.max(b) as f64;
    larger == 0.0
        || ((a as i128 - b as i128).unsigned_abs() as f64) <= DUPLICATE_AMOUNT_TOLERANCE * larger
}

/// One project's matches: the listed ids (ascending) and whether there were more.
#[derive(Clone, Debug, Default)]
struct Matches {
    ids: Vec<i64>,
    more: bool,
}

/// (amount, id) pairs in ascending order: the key of both sorted structures below.
type Key = (i64, i64);

/// A sequence of keys running away from one amount, nearest first.
type Stream<'a> = Box<dyn Iterator<Item = Key> + 'a>;

fn duplicates(group: &[FlagFacts]) -> Vec<Matches> {
    let mut out = vec![Matches::default(); group.len()];
    let sorted = |keep: &dyn Fn(&FlagFacts) -> bool| -> Vec<Key> {
        let mut v: Vec<Key> = group
            .iter()
            .filter(|p| keep(p))
            .filter_map(|p| p.amount_agreed_fen.map(|a| (a, p.id)))
            .collect();
        v.sort_unstable();
        v
    };
    // An unsigned project may duplicate any project; a signed one any unsigned one, and the
    // signed ones inside its date window.
    let all = sorted(&|_| true);
    let unsigned = sorted(&|p| p.signed_day.is_none());
    for (i, p) in group.iter().enumerate() {
        if let (Some(a), None) = (p.amount_agreed_fen, p.signed_day) {
            out[i] = nearest(outward_slice(&all, (a, p.id)), (a, p.id));
        }
    }
    let mut signed: Vec<(i64, Key, usize)> = group
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((p.signed_day?, (p.amount_agreed_fen?, p.id), i)))
        .collect();
    signed.sort_unstable();
    // Sweep the signed projects in date order; `window` holds those within the window days
    // of the current one (the current one included).
    let mut window: BTreeSet<Key> = BTreeSet::new();
    let (mut lo, mut hi) = (0, 0);
    for &(day, key, i) in &signed {
        while hi < signed.len() && signed[hi].0 <= day.saturating_add(DUPLICATE_WINDOW_DAYS) {
            window.insert(signed[hi].1);
            hi += 1;
        }
        while signed[lo].0 < day.saturating_sub(DUPLICATE_WINDOW_DAYS) {
            window.remove(&signed[lo].1);
            lo += 1;
        }
        let mut streams = outward_slice(&unsigned, key);
        streams.push(Box::new(window.range(..key).rev().copied()));
        streams.push(Box::new(window.range(key..).copied()));
        out[i] = nearest(streams, key);
    }
    out
}

/// The entries of `sorted` below `key` (nearest first) and from `key` up.
fn outward_slice(sorted: &[Key], key: Key) -> Vec<Stream<'_>> {
    let at = sorted.partition_point(|k| *k < key);
    vec![
        Box::new(sorted[..at].iter().rev().copied()),
        Box::new(sorted[at..].iter().copied()),
    ]
}

/// The matches of project `me` (amount, id) from streams running outward from its amount.
/// Each stream stops at its first amount that is not close: the rule is monotone in the
/// distance for the amounts the platform accepts (0 to 10^14 fen, where `f64` holds every
/// amount and difference exactly), so nothing beyond can match. Each stream gives at most one
/// more than the listed maximum, which is enough to know the closest ones and whether there
/// are more.
fn nearest(streams: Vec<Stream<'_>>, me: Key) -> Matches {
    let limit = MAX_DUPLICATES_LISTED + 1;
    let mut found: Vec<(u128, i64)> = Vec::new();
    for s in streams {
        found.extend(
            s.filter(|k| k.1 != me.1)
                .take_while(|k| close(me.0, k.0))
                .take(limit)
                .map(|k| ((me.0 as i128 - k.0 as i128).unsigned_abs(), k.1)),
        );
    }
    found.sort_unstable();
    let more = found.len() > MAX_DUPLICATES_LISTED;
    found.truncate(MAX_DUPLICATES_LISTED);
    let mut ids: Vec<i64> = found.into_iter().map(|(_, id)| id).collect();
    ids.sort_unstable();
    Matches { ids, more }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rule as the service used to compute it: every other project of the group, by id.
    fn naive(group: &[FlagFacts]) -> Vec<Vec<i64>> {
        group
            .iter()
            .map(|me| {
                let Some(a) = me.amount_agreed_fen else {
                    return Vec::new();
                };
                let mut others: Vec<&FlagFacts> = group.iter().filter(|o| o.id != me.id).collect();
                others.sort_by_key(|o| o.id);
                others
                    .into_iter()
                    .filter(|o| {
                        let Some(b) = o.amount_agreed_fen else {
                            return false;
                        };
                        let near = match (me.signed_day, o.signed_day) {
                            (Some(x), Some(y)) => (x - y).abs() <= DUPLICATE_WINDOW_DAYS,
                            _ => true,
                        };
                        close(a, b) && near
                    })
                    .map(|o| o.id)
                    .collect()
            })
            .collect()
    }

    fn fact(id: i64, amount: Option<i64>, day: Option<i64>) -> FlagFacts {
        FlagFacts {
            id,
            amount_agreed_fen: amount,
            signed_day: day,
            stage: "signed".into(),
            ..Default::default()
        }
    }

    fn group_strategy() -> impl Strategy<Value = Vec<FlagFacts>> {
        // Few distinct amounts and days, so that matches, ties and window edges are common.
        let amount = prop_oneof![
            Just(None),
            (0i64..6).prop_map(|k| Some(k * 5_000)),
            (90_000i64..=110_000).prop_map(Some),
            Just(Some(100_000_000_000_000)),
        ];
        let day = prop_oneof![Just(None), (0i64..4).prop_map(|k| Some(19_000 + k * 90)),];
        proptest::collection::vec((amount, day), 0..40).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (a, d))| fact(i as i64 * 7 + 1, a, d))
                .collect()
        })
    }

    proptest! {
        /// Up to the listed maximum the one-pass flags are exactly the pairwise rule's; beyond
        /// it, the listed ids are true matches, as many as the maximum, with the marker.
        #[test]
        fn one_pass_agrees_with_the_pairwise_rule(group in group_strategy()) {
            let expected = naive(&group);
            let got = duplicates(&group);
            for (e, g) in expected.iter().zip(&got) {
                if e.len() <= MAX_DUPLICATES_LISTED {
                    prop_assert_eq!(&g.ids, e);
                    prop_assert!(!g.more);
                } else {
                    prop_assert_eq!(g.ids.len(), MAX_DUPLICATES_LISTED);
                    prop_assert!(g.more);
                    prop_assert!(g.ids.iter().all(|i| e.contains(i)));
                }
            }
        }
    }

    #[test]
    fn flags_read_as_before() {
        let mut a = fact(1, Some(100_000), Some(19_000));
        let b = fact(2, Some(95_000), Some(19_180));
        let c = fact(3, Some(95_000), Some(19_181));
        a.paid_in_fen = Some(200_000);
        let flags = group_flags(&[a.clone(), b, c]);
        assert_eq!(
            flags,
            [
                // 181 days apart from 3: outside the window.
                "duplicate_of_2,paid_in_exceeds_agreed",
                "duplicate_of_1,duplicate_of_3",
                "duplicate_of_2"
            ]
        );
        a.stage = "production".into();
        a.paid_in_fen = None;
        assert_eq!(single_flags(&a), "operating_without_paid_in");
    }

    #[test]
    fn a_large_group_lists_the_closest_and_says_there_are_more() {
        let group: Vec<FlagFacts> = (1..=50)
            .map(|i| fact(i, Some(1_000_000 + i), None))
            .collect();
        let flags = group_flags(&group);
        let first: Vec<&str> = flags[0].split(',').collect();
        assert_eq!(first.len(), MAX_DUPLICATES_LISTED + 1);
        assert_eq!(first[0], "duplicate_of_2");
        assert_eq!(first[MAX_DUPLICATES_LISTED - 1], "duplicate_of_11");
        assert_eq!(first[MAX_DUPLICATES_LISTED], MORE_DUPLICATES);
    }
}
