//! Blocking work off the async workers. The platform's database calls are synchronous (one
//! connection model for SQLite and PostgreSQL), so every handler that touches records runs
//! them on tokio's blocking pool; [`run`] is the shape almost all of them share.

use crate::kernel::error::ApiError;
use tandem_platform::service::PlatformError;
use tandem_platform::{Db, User};

/// Runs blocking database work off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("worker failed: {e}")))
}

/// Runs `work` with a handle on the database and the signed-in user on the blocking pool, and
/// turns a platform error into the API's (`?` in handlers).
pub async fn run<T: Send + 'static>(
    db: &Db,
    user: &User,
    work: impl FnOnce(&Db, &User) -> Result<T, PlatformError> + Send + 'static,
) -> Result<T, ApiError> {
    let (db, user) = (db.clone(), user.clone());
    blocking(move || work(&db, &user))
        .await?
        .map_err(ApiError::from)
}
