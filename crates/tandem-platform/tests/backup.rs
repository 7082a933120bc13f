//! Backup and restore against the real schema, on every engine: the backup covers every table
//! of a freshly migrated database (or the table is a documented exclusion), and a database with
//! docking records, a ledger and a deleted record survives a round trip into either engine,
//! keeps a valid hash chain and hands out fresh ids afterwards.

use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;
use tandem_platform::backup::{self, RestoreError, EXCLUDED, TABLES};
use tandem_platform::db::{Conn, Value};
use tandem_platform::docking::{self, Step};
use tandem_platform::entity::{self, Entity};
use tandem_platform::service::{self, Record};
use tandem_platform::testkit::{self, Cast, TestDb};
use tandem_platform::{ledger, migrate, Db, Engine, Target, User};

/// The tables of the database and their columns in schema order, read from the engine's own
/// catalogue (not from the backup module). SQLite's internal tables are left out.
fn schema(c: &mut dyn Conn) -> BTreeMap<String, Vec<String>> {
    let text = |v: &Value| v.as_str().expect("a name").to_string();
    let names: Vec<String> = match c.engine() {
        Engine::Sqlite => c.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            &[],
        ),
        Engine::Postgres => c.query(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            &[],
        ),
    }
    .expect("list tables")
    .iter()
    .map(|r| text(&r[0]))
    .collect();
    names
        .into_iter()
        .map(|t| {
            let cols = match c.engine() {
                Engine::Sqlite => c.query(
                    "SELECT name FROM pragma_table_info(?) ORDER BY cid",
                    &[t.as_str().into()],
                ),
                Engine::Postgres => c.query(
                    "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND CAST(table_name AS TEXT) = ? \
                     ORDER BY ordinal_position",
                    &[t.as_str().into()],
                ),
            }
            .expect("list columns")
            .iter()
            .map(|r| text(&r[0]))
            .collect();
            (t, cols)
        })
        .collect()
}

/// A new, empty, migrated (not seeded) database on each engine, with what keeps it alive.
struct Empty {
    name: &'static str,
    db: Db,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Drop for Empty {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            testkit::drop_postgres_database(admin, name);
        }
    }
}

fn empty_targets() -> Vec<Empty> {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::Sqlite(dir.path().join("restored.sqlite"));
    let mut v = vec![(Some(dir), target, None, "sqlite")];
    if let Some((target, admin, name)) = testkit::postgres_empty() {
        v.push((None, target, Some((admin, name)), "postgres"));
    }
    v.into_iter()
        .map(|(dir, target, pg, name)| {
            let db = Db::open(&target).unwrap();
            migrate::migrate(&db).unwrap();
            Empty {
                name,
                db,
                _dir: dir,
                pg,
            }
        })
        .collect()
}

#[test]
fn the_backup_covers_every_table_of_the_schema_on_every_engine() {
    for t in empty_targets() {
        let tables =
            t.db.read(|c| Ok::<_, tandem_platform::DbError>(schema(c)))
                .unwrap();
        // Guard against a listing that finds nothing (which would make the checks vacuous).
        assert!(tables.contains_key("matches"), "{}: {tables:?}", t.name);
        for (table, cols) in &tables {
            let excluded = EXCLUDED.iter().any(|(n, _)| n == table);
            match TABLES.iter().find(|b| b.name == table) {
                Some(b) => {
                    assert!(!excluded, "{table} is both backed up and excluded");
                    assert_eq!(
                        b.columns, cols,
                        "{}: the backup's columns of {table} differ from the schema's",
                        t.name
                    );
                    assert!(b.columns.contains(&b.key), "{table}: key {}", b.key);
                }
                None => assert!(
                    excluded,
                    "{}: table {table} is neither backed up nor in backup::EXCLUDED; a restore \
                     would lose it",
                    t.name
                ),
            }
        }
        for b in TABLES {
            assert!(
                tables.contains_key(b.name),
                "{}: no table {}",
                t.name,
                b.name
            );
        }
        for (n, why) in EXCLUDED {
            assert!(tables.contains_key(*n), "{}: no excluded table {n}", t.name);
            assert!(!why.is_empty());
        }
        t.db.read(|c| -> Result<(), tandem_platform::DbError> {
            for (i, b) in TABLES.iter().enumerate() {
                match c.engine() {
                    // Dependency order: every table a foreign key references comes first.
                    Engine::Sqlite => {
                        for r in c.query(
                            "SELECT \"table\" FROM pragma_foreign_key_list(?)",
                            &[b.name.into()],
                        )? {
                            let parent = r[0].as_str().unwrap();
                            let at = TABLES.iter().position(|p| p.name == parent);
                            assert!(
                                at.is_some_and(|at| at < i) || parent == b.name,
                                "{} references {parent}, which the backup restores later",
                                b.name
                            );
                        }
                    }
                    // A generated key is exactly a key with a sequence.
                    Engine::Postgres => {
                        let seq = c.query_one(
                            &format!("SELECT pg_get_serial_sequence('{}', '{}')", b.name, b.key),
                            &[],
                        )?;
                        let has = seq.is_some_and(|r| !r[0].is_null());
                        assert_eq!(has, b.generated, "{}.{} generated", b.name, b.key);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    }
}

fn create(db: &Db, user: &User, e: &'static Entity, v: Json) -> Record {
    let body: Map<String, Json> = v.as_object().unwrap().clone();
    service::create(db, user, e, &body).unwrap_or_else(|err| panic!("{}: {err}", e.name))
}

/// What the round trip checks afterwards.
struct Populated {
    cast: Cast,
    /// The id of a capital provider that was deleted: the largest ever used for the table.
    deleted_provider: i64,
    /// The largest match id ever used (matches are replaced when a shortlist is refreshed).
    last_match: i64,
}

/// A demand, two offers, capital providers (one deleted), a refreshed shortlist with one
/// match converted into a project, an agreement, revenues and a settlement.
/// Annual figures, a run, an accepted objection and the run's second revision (issue #16).
fn assessed(db: &Db, c: &Cast) {
    use tandem_platform::assessment::{objections, runs, NewObjection, NewRun};
    testkit::assessment_fixture(db, c);
    let new = NewRun {
        park_id: Some(c.park),
        pair_id: None,
        year: testkit::ASSESSMENT_YEAR,
        scheme_toml: tandem_assess::EXAMPLE_PER_MU.into(),
        objections_close_on: "2099-12-31".into(),
    };
    let run = runs::start(db, &c.park_operator, &new).unwrap();
    let objection = NewObjection {
        figure: "tax_10k_yuan".into(),
        proposed_value: json!(700),
        evidence: "完税证明".into(),
    };
    let o = objections::file(db, &c.enterprise_user, run.summary.id, &objection).unwrap();
    let accept = objections::Decision {
        accept: true,
        reasons: String::new(),
    };
    objections::decide(db, &c.helped_officer, o.id, &accept).unwrap();
}

fn populate(db: &Db) -> Populated {
    let c = testkit::cast(db);
    create(
        db,
        &c.park_operator,
        &entity::PARK_OFFERS,
        json!({"park_id": c.park, "title": "标准厂房一期", "land_mu": 300, "building_m2": 20000,
               "power_kw": 8000, "labour": 500, "land_price_yuan_m2": 200.5, "incentive_rating": 0.7,
               "focus_industries": "io42:18", "capacity": 5, "fresh_until": "2099-12-31"}),
    );
    create(
        db,
        &c.admin,
        &entity::PARK_OFFERS,
        json!({"park_id": c.other_park, "title": "二期用地", "land_mu": 500,
               "fresh_until": "2020-01-01"}),
    );
    let demand = create(
        db,
        &c.enterprise_user,
        &entity::DEMANDS,
        json!({"enterprise_id": c.enterprise, "title": "汽车零部件扩产", "kind": "expansion",
               "industry": "io42:18", "land_mu": 60, "building_m2": 5000, "power_kw": 2000,
               "labour": 120, "budget_yuan": "12000000", "confidentiality": "restricted",
               "shared_with_parks": c.park.to_string(),
               "shared_with_pairs": testkit::PAIR}),
    )
    .int("id")
    .unwrap();
    create(
        db,
        &c.coordinator,
        &entity::CAPITAL_PROVIDERS,
        json!({"name": "徐州产业基金", "kind": "special_fund", "ticket_min_yuan": 1_000_000,
               "ticket_max_yuan": 50_000_000, "home_locality_id": "js-xuzhou",
               "industries": "io42:18", "stages": "preparation"}),
    );
    let gone = create(
        db,
        &c.coordinator,
        &entity::CAPITAL_PROVIDERS,
        json!({"name": "撤回的基金", "kind": "investor", "ticket_min_yuan": 1,
               "ticket_max_yuan": 2}),
    );
    let deleted_provider = gone.int("id").unwrap();
    service::delete(
        db,
        &c.coordinator,
        &entity::CAPITAL_PROVIDERS,
        &deleted_provider.to_string(),
        gone.int("version"),
    )
    .unwrap();
    // Refreshing twice replaces the first shortlist: the largest match ids are then ones
    // never seen by the first refresh, and the first ones are gone.
    docking::refresh_matches(db, &c.helper_officer, demand).unwrap();
    let ms = docking::refresh_matches(db, &c.helper_officer, demand).unwrap();
    assert!(!ms.is_empty());
    let last_match = ms.iter().map(|m| m.int("id").unwrap()).max().unwrap();
    let own = ms
        .iter()
        .find(|m| m.int("park_id") == Some(c.park))
        .unwrap()
        .int("id")
        .unwrap();
    docking::step(db, &c.helper_officer, own, Step::Contact, None, None).unwrap();
    let converted = docking::step(db, &c.helper_officer, own, Step::Convert, None, None).unwrap();
    assert!(converted.int("project_id").is_some());

    let officer = &c.helped_officer;
    ledger::record_agreement(db, officer, c.park, testkit::AGREEMENT_B).unwrap();
    ledger::record_revenues(
        db,
        officer,
        c.park,
        &[
            testkit::vat_revenue("E1", "2023-01", 600_000),
            testkit::vat_revenue("E2", "2023-01", 400_001),
        ],
    )
    .unwrap();
    let from = "2023-01".parse().unwrap();
    let s = ledger::settle_park(db, officer, c.park, from, from, false).unwrap();
    assert!(s.appended > 0);
    // Farm produce (issue #17): a base, its certificate, buyers, contracts and deliveries.
    testkit::sample_produce(db, &c.helped_officer, testkit::PAIR);
    assessed(db, &c);
    Populated {
        cast: c,
        deleted_provider,
        last_match,
    }
}

/// Every row of every table the backup covers, read with `SELECT *` by primary key.
fn dump(db: &Db) -> BTreeMap<String, Vec<Vec<Value>>> {
    db.read(|c| -> Result<_, tandem_platform::DbError> {
        let mut out = BTreeMap::new();
        for t in schema(c).keys() {
            if EXCLUDED.iter().any(|(n, _)| n == t) {
                continue;
            }
            let rows = c.query(&format!("SELECT * FROM {t} ORDER BY 1"), &[])?;
            out.insert(t.clone(), rows.into_iter().map(Vec::from).collect());
        }
        Ok(out)
    })
    .unwrap()
}

fn count(db: &Db, table: &str) -> i64 {
    db.read(|c| c.query_i64(&format!("SELECT COUNT(*) FROM {table}"), &[]))
        .unwrap()
}

#[test]
fn docking_and_ledger_survive_a_round_trip_into_either_engine() {
    let sources: Vec<TestDb> = testkit::engines();
    for source in &sources {
        let db = &source.db;
        let p = populate(db);
        let original = dump(db);
        for table in [
            "demands",
            "park_offers",
            "capital_providers",
            "matches",
            "agreements",
            "revenues",
            "ledger_entries",
            "enterprise_figures",
            "assessment_runs",
            "assessment_scores",
            "assessment_objections",
        ] {
            assert!(
                !original[table].is_empty(),
                "{}: the fixture has no {table}",
                source.name
            );
        }
        let chain = ledger::verify(db).unwrap().unwrap();
        let (doc, counts) = backup::backup(db).unwrap();
        // The file form: what `tandem backup` writes and `tandem restore` reads.
        let doc: Json = serde_json::from_str(&serde_json::to_string(&doc).unwrap()).unwrap();

        for target in empty_targets() {
            let how = format!("{} -> {}", source.name, target.name);
            let restored = &target.db;
            assert_eq!(backup::restore(restored, &doc).unwrap(), counts, "{how}");
            let after = dump(restored);
            assert_eq!(
                after.keys().collect::<Vec<_>>(),
                original.keys().collect::<Vec<_>>()
            );
            for (table, rows) in &original {
                assert_eq!(&after[table], rows, "{how}: {table}");
            }
            assert_eq!(
                ledger::verify(restored).unwrap().unwrap(),
                chain,
                "{how}: the restored chain"
            );

            // New records get fresh ids, past the largest ever used (deleted ones included).
            let c = &p.cast;
            let provider = create(
                restored,
                &c.coordinator,
                &entity::CAPITAL_PROVIDERS,
                json!({"name": "新基金", "kind": "investor", "ticket_min_yuan": 1,
                       "ticket_max_yuan": 2}),
            );
            assert!(
                provider.int("id").unwrap() > p.deleted_provider,
                "{how}: provider id {:?} reuses a deleted one ({})",
                provider.int("id"),
                p.deleted_provider
            );
            let demand = create(
                restored,
                &c.enterprise_user,
                &entity::DEMANDS,
                json!({"enterprise_id": c.enterprise, "title": "新需求", "kind": "relocation",
                       "industry": "io42:18", "confidentiality": "open"}),
            )
            .int("id")
            .unwrap();
            let old_demands = &original["demands"];
            assert!(old_demands.iter().all(|r| r[0].as_i64().unwrap() < demand));
            let ms = docking::refresh_matches(restored, &c.coordinator, demand).unwrap();
            assert!(!ms.is_empty(), "{how}");
            assert!(
                ms.iter().all(|m| m.int("id").unwrap() > p.last_match),
                "{how}: a new match reuses an id"
            );
            // The ledger goes on from the restored head and stays valid.
            let officer = &c.helped_officer;
            ledger::record_revenues(
                restored,
                officer,
                c.park,
                &[testkit::vat_revenue("E1", "2023-02", 10)],
            )
            .unwrap();
            let feb = "2023-02".parse().unwrap();
            let s = ledger::settle_park(restored, officer, c.park, feb, feb, false).unwrap();
            assert!(s.head_seq > chain.0, "{how}");
            assert_eq!(
                ledger::verify(restored).unwrap().unwrap(),
                (s.head_seq, s.head_hash.clone()),
                "{how}"
            );
            // A second restore is refused: the target is no longer empty.
            assert!(matches!(
                backup::restore(restored, &doc),
                Err(RestoreError::NotEmpty(_))
            ));
        }
    }
}

#[test]
fn a_backup_missing_a_table_restores_nothing() {
    let source = testkit::sqlite();
    populate(&source.db);
    let (mut doc, _) = backup::backup(&source.db).unwrap();
    doc["tables"].as_object_mut().unwrap().remove("matches");
    for target in empty_targets() {
        let err = backup::restore(&target.db, &doc).unwrap_err();
        assert!(
            matches!(&err, RestoreError::NotABackup(m) if m.contains("matches")),
            "{}: {err}",
            target.name
        );
        // All or nothing: the tables restored before the missing one were rolled back.
        for t in ["programmes", "parks", "demands", "ledger_entries"] {
            assert_eq!(count(&target.db, t), 0, "{}: {t}", target.name);
        }
    }
}

#[test]
fn a_backup_with_other_columns_is_refused() {
    let source = testkit::sqlite();
    let (mut doc, _) = backup::backup(&source.db).unwrap();
    doc["columns"]["demands"] = json!(["id", "title"]);
    let target = empty_targets().remove(0);
    let err = backup::restore(&target.db, &doc).unwrap_err();
    assert!(
        matches!(&err, RestoreError::NotABackup(m) if m.contains("columns of demands")),
        "{err}"
    );
    doc["columns"]["demands"] = json!(TABLES.iter().find(|t| t.name == "demands").unwrap().columns);
    doc["sequences"]["demands"] = json!(-3);
    let err = backup::restore(&target.db, &doc).unwrap_err();
    assert!(
        matches!(&err, RestoreError::NotABackup(m) if m.contains("sequences.demands")),
        "{err}"
    );
}
