//! The SQL interface on both engines (issue #15): rows read by column name, and constraint
//! failures classified by the engine's error code rather than by its message.

use tandem_platform::db::{Conn, DbError, Row};
use tandem_platform::testkit;

fn one_row(c: &mut dyn Conn, sql: &str) -> Row {
    c.query_one(sql, &[]).unwrap().expect("a row")
}

#[test]
fn rows_are_read_by_column_name_and_errors_name_the_column() {
    for t in testkit::engines() {
        t.db.read(|c| -> Result<(), DbError> {
            let r = one_row(
                c,
                "SELECT 'pair-a' AS pair_id, CAST(7 AS BIGINT) AS parks, \
                 CAST(NULL AS TEXT) AS note, CAST(2.5 AS DOUBLE PRECISION) AS area",
            );
            assert_eq!(
                r.columns(),
                ["pair_id", "parks", "note", "area"],
                "{}",
                t.name
            );
            assert_eq!(r.text("pair_id")?, "pair-a");
            assert_eq!(r.int("parks")?, 7);
            assert_eq!(r.opt_text("note")?, None);
            assert_eq!(r.real("area")?, 2.5);
            assert_eq!(r.real("parks")?, 7.0, "an integer is a number");
            // Positional access still works beside the names.
            assert_eq!(r[1].as_i64(), Some(7));

            let missing = r.int("projects").unwrap_err();
            assert!(matches!(&missing, DbError::Column { column, .. } if column == "projects"));
            let text = missing.to_string();
            assert!(
                text.contains("\"projects\"") && text.contains("pair_id, parks"),
                "{text}"
            );

            let mistyped = r.int("pair_id").unwrap_err();
            let text = mistyped.to_string();
            assert!(
                text.contains("\"pair_id\"")
                    && text.contains("an integer")
                    && text.contains("pair-a"),
                "{}: {text}",
                t.name
            );
            let null = r.text("note").unwrap_err().to_string();
            assert!(null.contains("\"note\"") && null.contains("NULL"), "{null}");
            Ok(())
        })
        .unwrap();
    }
}

#[test]
fn unique_violations_are_classified_by_engine_code() {
    for t in testkit::engines() {
        testkit::cast(&t.db);
        // A duplicate UNIQUE column.
        let e =
            t.db.write(|c| {
                c.execute(
                    "INSERT INTO users (username, display_name, password_hash, role, disabled, \
                     created_at) SELECT username, display_name, password_hash, role, disabled, \
                     created_at FROM users WHERE id = (SELECT MIN(id) FROM users)",
                    &[],
                )
            })
            .unwrap_err();
        assert!(e.is_unique_violation(), "{}: {e:?}", t.name);
        let DbError::UniqueViolation { constraint, .. } = &e else {
            unreachable!()
        };
        let constraint = constraint.as_deref().unwrap_or("");
        assert!(
            constraint.contains("username"),
            "{}: {constraint:?}",
            t.name
        );
        // A duplicate primary key (SQLite reports SQLITE_CONSTRAINT_PRIMARYKEY for it).
        let e =
            t.db.write(|c| {
                c.execute(
                    "INSERT INTO pairs SELECT * FROM pairs WHERE id = (SELECT MIN(id) FROM pairs)",
                    &[],
                )
            })
            .unwrap_err();
        assert!(e.is_unique_violation(), "{}: {e:?}", t.name);
        assert!(!e.is_foreign_key_violation());
    }
}

/// Failures whose message merely contains the words the old text matching looked for are
/// not unique violations.
#[test]
fn a_message_that_mentions_unique_is_not_a_unique_violation() {
    for t in testkit::engines() {
        for table in [
            "UNIQUE constraint failed",
            "duplicate key value violates unique constraint",
        ] {
            let e =
                t.db.read(|c| c.query(&format!("SELECT 1 FROM \"{table}\""), &[]))
                    .unwrap_err();
            assert!(e.to_string().contains(table), "{}: {e}", t.name);
            assert!(!e.is_unique_violation(), "{}: {e:?}", t.name);
            assert!(matches!(e, DbError::Query { .. }), "{}: {e:?}", t.name);
        }
    }
}

#[test]
fn foreign_key_violations_are_classified_by_engine_code() {
    for t in testkit::engines() {
        testkit::cast(&t.db);
        // Parks, users and projects refer to the pair.
        let e =
            t.db.write(|c| c.execute("DELETE FROM pairs WHERE id = ?", &[testkit::PAIR.into()]))
                .unwrap_err();
        assert!(e.is_foreign_key_violation(), "{}: {e:?}", t.name);
        assert!(!e.is_unique_violation());
    }
}
