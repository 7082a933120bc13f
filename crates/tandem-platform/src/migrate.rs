//! Versioned schema migrations, shared by both engines.
//!
//! Each migration is a portable SQL file plus an optional file per engine (triggers and other
//! dialect-specific statements). `schema_migrations` records what was applied; each migration
//! runs in its own transaction, so a failure leaves the database at the previous version.

use crate::clock::now_timestamp;
use crate::db::{Conn, Db, DbError, Engine, Value};

struct Migration {
    version: i64,
    name: &'static str,
    portable: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "platform",
        portable: include_str!("../migrations/0001_platform.sql"),
        sqlite: include_str!("../migrations/0001_platform.sqlite.sql"),
        postgres: include_str!("../migrations/0001_platform.postgres.sql"),
    },
    Migration {
        version: 2,
        name: "ledger",
        portable: include_str!("../migrations/0002_ledger.sql"),
        sqlite: include_str!("../migrations/0002_ledger.sqlite.sql"),
        postgres: include_str!("../migrations/0002_ledger.postgres.sql"),
    },
    Migration {
        version: 3,
        name: "docking",
        portable: include_str!("../migrations/0003_docking.sql"),
        sqlite: include_str!("../migrations/0003_docking.sqlite.sql"),
        postgres: include_str!("../migrations/0003_docking.postgres.sql"),
    },
    Migration {
        version: 4,
        name: "accounts",
        portable: include_str!("../migrations/0004_accounts.sql"),
        sqlite: include_str!("../migrations/0004_accounts.sqlite.sql"),
        postgres: include_str!("../migrations/0004_accounts.postgres.sql"),
    },
    Migration {
        version: 5,
        name: "agreements_per_park",
        portable: include_str!("../migrations/0005_agreements_per_park.sql"),
        sqlite: include_str!("../migrations/0005_agreements_per_park.sqlite.sql"),
        postgres: include_str!("../migrations/0005_agreements_per_park.postgres.sql"),
    },
    Migration {
        version: 6,
        name: "assessment",
        portable: include_str!("../migrations/0006_assessment.sql"),
        sqlite: include_str!("../migrations/0006_assessment.sqlite.sql"),
        postgres: include_str!("../migrations/0006_assessment.postgres.sql"),
    },
    Migration {
        version: 7,
        name: "surveys",
        portable: include_str!("../migrations/0007_surveys.sql"),
        sqlite: include_str!("../migrations/0007_surveys.sqlite.sql"),
        postgres: include_str!("../migrations/0007_surveys.postgres.sql"),
    },
    Migration {
        version: 8,
        name: "chains",
        portable: include_str!("../migrations/0008_chains.sql"),
        sqlite: include_str!("../migrations/0008_chains.sqlite.sql"),
        postgres: include_str!("../migrations/0008_chains.postgres.sql"),
    },
    Migration {
        version: 9,
        name: "disputes",
        portable: include_str!("../migrations/0009_disputes.sql"),
        sqlite: include_str!("../migrations/0009_disputes.sqlite.sql"),
        postgres: include_str!("../migrations/0009_disputes.postgres.sql"),
    },
    Migration {
        version: 10,
        name: "barriers",
        portable: include_str!("../migrations/0010_barriers.sql"),
        sqlite: include_str!("../migrations/0010_barriers.sqlite.sql"),
        postgres: include_str!("../migrations/0010_barriers.postgres.sql"),
    },
    Migration {
        version: 11,
        name: "innovation",
        portable: include_str!("../migrations/0011_innovation.sql"),
        sqlite: include_str!("../migrations/0011_innovation.sqlite.sql"),
        postgres: include_str!("../migrations/0011_innovation.postgres.sql"),
    },
    Migration {
        version: 12,
        name: "produce",
        portable: include_str!("../migrations/0012_produce.sql"),
        sqlite: include_str!("../migrations/0012_produce.sqlite.sql"),
        postgres: include_str!("../migrations/0012_produce.postgres.sql"),
    },
    Migration {
        version: 13,
        name: "chain_sources",
        portable: include_str!("../migrations/0013_chain_sources.sql"),
        sqlite: include_str!("../migrations/0013_chain_sources.sqlite.sql"),
        postgres: include_str!("../migrations/0013_chain_sources.postgres.sql"),
    },
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

fn render(sql: &str, engine: Engine) -> String {
    let pk = match engine {
        Engine::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Engine::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    sql.replace("{{pk}}", pk)
}

/// The version the database is at (0 for an empty database).
pub fn current_version(conn: &mut dyn Conn) -> Result<i64, DbError> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
         name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    conn.query_i64(
        "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations",
        &[],
    )
}

/// Brings the schema up to date; returns the versions applied. Refuses a database written by
/// a newer tandem instead of guessing.
pub fn migrate(db: &Db) -> Result<Vec<i64>, DbError> {
    let at = db.write(|c| current_version(c))?;
    if at > latest_version() {
        return Err(DbError::Other(format!(
            "the database {} has schema version {at}, newer than this tandem's {}; \
             upgrade tandem",
            db.describe(),
            latest_version()
        )));
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > at) {
        db.write(|c| -> Result<(), DbError> {
            // Re-check inside the transaction: another process may have migrated meanwhile.
            if current_version(c)? >= m.version {
                return Ok(());
            }
            let engine = c.engine();
            c.batch(&render(m.portable, engine))?;
            let specific = match engine {
                Engine::Sqlite => m.sqlite,
                Engine::Postgres => m.postgres,
            };
            c.batch(specific)?;
            c.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                &[Value::Int(m.version), m.name.into(), now_timestamp().into()],
            )?;
            Ok(())
        })?;
        applied.push(m.version);
    }
    Ok(applied)
}
