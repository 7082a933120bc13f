//! Government guidance and status: the pair's dated events and the programme-wide ones as one
//! timeline, with counts per kind and the sum of stated amounts.

use super::types::*;
use crate::{CooperationEvent, EventKind};

/// Every event kind, in the order counts are reported.
pub const EVENT_KINDS: [EventKind; 6] = [
    EventKind::Policy,
    EventKind::Agreement,
    EventKind::Park,
    EventKind::Project,
    EventKind::EnterpriseTransfer,
    EventKind::Other,
];

/// The events of `pair_id` (scope pair) and the programme-wide ones (`pair: None`).
pub fn pair_events<'a>(events: &'a [CooperationEvent], pair_id: &str) -> Vec<&'a CooperationEvent> {
    events
        .iter()
        .filter(|e| e.pair.as_deref() == Some(pair_id))
        .collect()
}

/// The timeline of a pair: its own and the programme's events, dated ones oldest first
/// (a year-only date sorts before the months of that year), then undated ones in file order.
pub fn guidance(events: &[CooperationEvent], pair_id: &str) -> Guidance {
    let mut timeline: Vec<TimelineEvent> = events
        .iter()
        .filter_map(|e| {
            let scope = match e.pair.as_deref() {
                Some(p) if p == pair_id => EventScope::Pair,
                None => EventScope::Programme,
                Some(_) => return None,
            };
            Some(TimelineEvent {
                date: e.date,
                kind: e.kind,
                scope,
                title: e.title.clone(),
                amount_yuan: e.amount_yuan.filter(|a| a.is_finite()),
                industries: e.industries.clone(),
                summary: e.summary.clone(),
                source: e.source.clone(),
            })
        })
        .collect();
    // Stable sort: undated (None) last, ties keep file order.
    timeline.sort_by_key(|t| (t.date.is_none(), t.date));
    let own: Vec<&TimelineEvent> = timeline
        .iter()
        .filter(|t| t.scope == EventScope::Pair)
        .collect();
    let counts = EVENT_KINDS
        .iter()
        .map(|&kind| KindCount {
            kind,
            count: own.iter().filter(|t| t.kind == kind).count(),
        })
        .collect();
    let amounts: Vec<f64> = own.iter().filter_map(|t| t.amount_yuan).collect();
    Guidance {
        pair_events: own.len(),
        programme_events: timeline.len() - own.len(),
        undated: timeline.iter().filter(|t| t.date.is_none()).count(),
        stated_amount_yuan: (!amounts.is_empty()).then(|| amounts.iter().sum()),
        counts,
        timeline,
    }
}
