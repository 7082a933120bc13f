//! Limits on bulk work, so that one user cannot fill the database or hold the writer for long.
//!
//! * **Rows per request**: an import has at most [`MAX_BULK_ROWS`] rows
//!   ([`crate::bulk`]; more is refused whole with [`PlatformError::TooLarge`], HTTP 413).
//! * **Creations per user**: each user has a budget of [`CREATION_BUDGET`] records per
//!   [`CREATION_WINDOW`], refilled continuously (a token bucket), spent by every created record
//!   whatever the route (one `POST`, a form, an import row). A request that would overspend it
//!   creates nothing and gets [`PlatformError::TooMany`] (HTTP 429) with the seconds until it
//!   would fit. Why a budget as well as the row cap: 93,000 rows sent one `POST` at a time are
//!   as harmful as one file of them.
//! * **One bulk write at a time**: imports take [`Limits::bulk_turn`] first, so a sign-in (or
//!   any short write) waits behind at most one import's short write transaction, and imports
//!   do not fill the reader pool.
//!
//! The budget is kept in memory per process: a restart forgets it, and each server process of
//! a PostgreSQL deployment keeps its own. That bounds the damage per process and per day,
//! which is what it is for; it is not an accounting of who created what (the audit log is).

use crate::error::PlatformError;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Rows in one import (or other bulk change): twice the largest real batch we know of (a park
/// loading its project history), and small enough that checking and writing it takes seconds.
pub const MAX_BULK_ROWS: usize = 10_000;

/// Records one user may create per [`CREATION_WINDOW`]: two full imports a day, far above what
/// a person types, far below what breaks anything.
pub const CREATION_BUDGET: u64 = 2 * MAX_BULK_ROWS as u64;

/// The window over which [`CREATION_BUDGET`] refills.
pub const CREATION_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// A user's creation budget: `records` per `window`, refilled continuously.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreationBudget {
    /// Records per window (and the most one request may create).
    pub records: u64,
    /// How long the budget takes to refill from empty.
    pub window: Duration,
}

impl Default for CreationBudget {
    fn default() -> Self {
        CreationBudget {
            records: CREATION_BUDGET,
            window: CREATION_WINDOW,
        }
    }
}

/// What one user has left.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The limits of one database handle (shared by its clones).
#[derive(Debug, Default)]
pub struct Limits {
    budget: Mutex<CreationBudget>,
    buckets: Mutex<HashMap<i64, Bucket>>,
    bulk: Mutex<()>,
}

/// Buckets kept before full ones are forgotten (a full bucket is the same as no bucket).
const MAX_BUCKETS: usize = 10_000;

impl Limits {
    /// Replaces the creation budget (tests, and operators who need another one).
    pub fn set_creation_budget(&self, budget: CreationBudget) {
        *self.budget.lock().unwrap_or_else(|e| e.into_inner()) = budget;
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The creation budget in force.
    pub fn creation_budget(&self) -> CreationBudget {
        *self.budget.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes `n` creations from the budget of user `user_id` (`username` for the message), or refuses: [`PlatformError::TooMany`] with
    /// the seconds until they fit, or [`PlatformError::TooLarge`] when `n` exceeds the whole
    /// budget (waiting would not help). The reservation is given back unless
    /// [`Reservation::spent`] is called, so a failed or rolled-back request costs nothing.
    pub fn reserve_creations(
        &self,
        user_id: i64,
        username: &str,
        n: u64,
    ) -> Result<Reservation<'_>, PlatformError> {
        let budget = self.creation_budget();
        if n > budget.records {
            return Err(PlatformError::TooLarge(format!(
                "{n} new records in one request is more than the {} a user may create per {}; \
                 split the file",
                budget.records,
                hours(budget.window)
            )));
        }
        let rate = budget.records as f64 / budget.window.as_secs_f64().max(1e-9);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| {
                b.tokens + rate * now.duration_since(b.at).as_secs_f64() < budget.records as f64
            });
        }
        let b = buckets.entry(user_id).or_insert(Bucket {
            tokens: budget.records as f64,
            at: now,
        });
        b.tokens =
            (b.tokens + rate * now.duration_since(b.at).as_secs_f64()).min(budget.records as f64);
        b.at = now;
        let want = n as f64;
        if b.tokens + 1e-9 < want {
            let retry_after = ((want - b.tokens) / rate).ceil().max(1.0) as u64;
            return Err(PlatformError::TooMany {
                message: format!(
                    "{} may create at most {} records per {} and has {} left now; these {n} \
                     fit in {retry_after} s: try again then (Retry-After), or in smaller parts",
                    username,
                    budget.records,
                    hours(budget.window),
                    b.tokens.floor() as u64
                ),
                retry_after,
            });
        }
        b.tokens -= want;
        Ok(Reservation {
            limits: self,
            user: user_id,
            n: want,
            spent: false,
        })
    }

    fn give_back(&self, user: i64, n: f64) {
        let cap = self.creation_budget().records as f64;
        if let Some(b) = self
            .buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&user)
        {
            b.tokens = (b.tokens + n).min(cap);
        }
    }

    /// Waits for the turn to run a bulk write (one at a time per database handle); the turn
    /// ends when the guard is dropped.
    pub fn bulk_turn(&self) -> MutexGuard<'_, ()> {
        self.bulk.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn hours(d: Duration) -> String {
    let h = d.as_secs_f64() / 3600.0;
    if h >= 1.0 && h.fract() == 0.0 {
        format!("{h:.0} h")
    } else {
        format!("{} s", d.as_secs())
    }
}

/// Creations taken from a user's budget; given back when dropped unless spent.
#[derive(Debug)]
pub struct Reservation<'a> {
    limits: &'a Limits,
    user: i64,
    n: f64,
    spent: bool,
}

impl Reservation<'_> {
    /// The records were created: keep them counted.
    pub fn spent(mut self) {
        self.spent = true;
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.spent {
            self.limits.give_back(self.user, self.n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A user as the limits see one: an id and a name for messages.
    fn user(id: i64) -> (i64, String) {
        (id, format!("u{id}"))
    }

    #[test]
    fn the_budget_refuses_with_the_wait_and_gives_back_what_was_not_spent() {
        let limits = Limits::default();
        limits.set_creation_budget(CreationBudget {
            records: 10,
            window: Duration::from_secs(3600),
        });
        let (a, b) = (user(1), user(2));
        limits.reserve_creations(a.0, &a.1, 6).unwrap().spent();
        // Not spent (a failed request): given back.
        drop(limits.reserve_creations(a.0, &a.1, 4).unwrap());
        limits.reserve_creations(a.0, &a.1, 4).unwrap().spent();
        match limits.reserve_creations(a.0, &a.1, 3) {
            // 3 records at 10 per hour: about 18 minutes.
            Err(PlatformError::TooMany { retry_after, .. }) => {
                assert!((1000..=1100).contains(&retry_after), "{retry_after}")
            }
            other => panic!("expected TooMany, got {other:?}"),
        }
        // Budgets are per user; more than the whole budget is too large, not too many.
        limits.reserve_creations(b.0, &b.1, 10).unwrap().spent();
        assert!(matches!(
            limits.reserve_creations(b.0, &b.1, 11),
            Err(PlatformError::TooLarge(_))
        ));
    }
}
