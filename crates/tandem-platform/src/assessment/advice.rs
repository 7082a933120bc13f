//! The pair's park runs as the advisor's park assessments, so "park facilities and services
//! lag" is decided on the platform from the runs stored there (issue #16, part 3), read through
//! the run policy like every other read.

use super::runs;
use crate::db::{Db, DbError};
use crate::service::PlatformError;
use crate::User;
use std::collections::BTreeSet;
use tandem_core::advisor::ParkAssessment;

/// The park assessments of `pair_id` in the park runs `user` may read: of each run chain only
/// its latest revision (a corrected run replaces the one it revises).
///
/// # Errors
/// A [`PlatformError`] from the database, or for a stored result that is not an assessment.
pub fn park_assessments(
    db: &Db,
    user: &User,
    pair_id: &str,
) -> Result<Vec<ParkAssessment>, PlatformError> {
    let readable = runs::list(db, user)?;
    let superseded: BTreeSet<i64> = readable.iter().filter_map(|r| r.previous_run_id).collect();
    let mut out = Vec::new();
    for summary in readable
        .iter()
        .filter(|r| r.subject == "parks" && r.pair_id == pair_id && !superseded.contains(&r.id))
    {
        let run = runs::get(db, user, summary.id)?;
        let assessment: tandem_assess::Assessment = serde_json::from_value(run.result)
            .map_err(|e| DbError::Other(format!("the stored result of run {}: {e}", summary.id)))?;
        let parks = tandem_assess::park_assessments(&assessment)
            .map_err(|e| DbError::Other(format!("run {}: {e}", summary.id)))?;
        out.extend(parks);
    }
    Ok(out)
}
