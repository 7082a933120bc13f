//! Account management on both engines (issue #12): disabling and enabling accounts, setting
//! passwords, ending sessions, who may, the account's append-only history without password
//! hashes; bidirectional control characters refused in names and record texts; private
//! database and backup files.

use serde_json::{json, Map, Value};
use tandem_platform::accounts::{self, By};
use tandem_platform::auth::{self, NewUser, Role};
use tandem_platform::service::{self, PlatformError};
use tandem_platform::testkit::{self, PAIR, PASSWORD};
use tandem_platform::{entity, Db, User};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn sign_in(db: &Db, username: &str, password: &str) -> Option<User> {
    db.read(|c| auth::check_credentials(c, username, password))
        .unwrap()
}

fn session(db: &Db, user: &User) -> String {
    db.write(|c| auth::start_session(c, user.id)).unwrap().0
}

fn session_works(db: &Db, token: &str) -> bool {
    db.read(|c| auth::session_user(c, token)).unwrap().is_some()
}

fn actions(db: &Db, id: i64) -> Vec<String> {
    let admin = admin_of(db);
    accounts::history(db, By::User(&admin), id)
        .unwrap()
        .into_iter()
        .map(|h| h.action)
        .collect()
}

fn admin_of(db: &Db) -> User {
    sign_in(db, "admin", PASSWORD).expect("the admin signs in")
}

#[test]
fn a_disabled_account_cannot_sign_in_and_its_sessions_end_until_enabled() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let officer = &cast.helped_officer;
        let by = By::User(&cast.admin);
        let (a, b) = (session(&t.db, officer), session(&t.db, officer));
        let other = session(&t.db, &cast.coordinator);
        assert_eq!(accounts::get(&t.db, by, officer.id).unwrap().sessions, 2);

        let changed = accounts::disable(&t.db, by, officer.id).unwrap();
        assert!(changed.account.disabled, "{}", t.name);
        assert!(changed.account.disabled_at.is_some());
        assert_eq!(changed.sessions_ended, 2, "{}", t.name);
        assert!(sign_in(&t.db, &officer.username, PASSWORD).is_none());
        assert!(!session_works(&t.db, &a) && !session_works(&t.db, &b));
        // Other users' sessions are not touched.
        assert!(session_works(&t.db, &other), "{}", t.name);
        // A session started anyway (a sign-in racing the disabling) is refused.
        let late = session(&t.db, officer);
        assert!(!session_works(&t.db, &late), "{}", t.name);

        let changed = accounts::enable(&t.db, by, officer.id).unwrap();
        assert!(!changed.account.disabled && changed.account.disabled_at.is_none());
        assert!(sign_in(&t.db, &officer.username, PASSWORD).is_some());
        // Sessions ended by the disabling stay ended.
        assert!(!session_works(&t.db, &a), "{}", t.name);
        assert_eq!(
            actions(&t.db, officer.id),
            ["disable", "enable"],
            "{}",
            t.name
        );
    }
}

#[test]
fn a_new_password_ends_sessions_and_the_old_one_stops_working() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let firm = &cast.enterprise_user;
        let by = By::User(&cast.admin);
        let token = session(&t.db, firm);
        let (changed, generated) =
            accounts::reset_password(&t.db, by, firm.id, Some("a brand new secret")).unwrap();
        assert!(generated.is_none());
        assert_eq!(changed.sessions_ended, 1, "{}", t.name);
        assert!(changed.account.password_changed_at.is_some());
        assert!(!session_works(&t.db, &token), "{}", t.name);
        assert!(sign_in(&t.db, "firm", PASSWORD).is_none(), "{}", t.name);
        assert!(sign_in(&t.db, "firm", "a brand new secret").is_some());

        let (_, generated) = accounts::reset_password(&t.db, by, firm.id, None).unwrap();
        let generated = generated.expect("a generated password is returned");
        assert!(sign_in(&t.db, "firm", &generated).is_some(), "{}", t.name);
        assert!(sign_in(&t.db, "firm", "a brand new secret").is_none());

        let e = accounts::reset_password(&t.db, by, firm.id, Some("short")).unwrap_err();
        assert!(
            matches!(&e, PlatformError::Invalid(v) if v[0].rule == "too_short"),
            "{e:?}"
        );
        let e = accounts::reset_password(&t.db, by, firm.id, Some(&"x".repeat(1025)));
        assert!(matches!(e, Err(PlatformError::Invalid(v)) if v[0].rule == "too_long"));
        // Refused attempts change nothing and leave no history.
        assert!(sign_in(&t.db, "firm", &generated).is_some());
        assert_eq!(
            actions(&t.db, firm.id),
            ["reset_password", "reset_password"]
        );

        let ended = accounts::end_sessions(&t.db, by, firm.id).unwrap();
        assert_eq!(ended.sessions_ended, 0);
        let token = session(&t.db, firm);
        assert_eq!(
            accounts::end_sessions(&t.db, by, firm.id)
                .unwrap()
                .sessions_ended,
            1
        );
        assert!(!session_works(&t.db, &token), "{}", t.name);
    }
}

#[test]
fn only_administrators_manage_accounts_and_not_their_own_disabling() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let target = cast.researcher.id;
        for who in [&cast.coordinator, &cast.helper_officer, &cast.researcher] {
            let by = By::User(who);
            let refused = |r: Result<accounts::Changed, PlatformError>| {
                matches!(r, Err(PlatformError::Forbidden(_)))
            };
            assert!(
                refused(accounts::disable(&t.db, by, target)),
                "{}",
                who.username
            );
            assert!(refused(accounts::enable(&t.db, by, target)));
            assert!(refused(accounts::end_sessions(&t.db, by, target)));
            assert!(refused(
                accounts::reset_password(&t.db, by, target, Some("long enough!")).map(|r| r.0)
            ));
            assert!(accounts::list(&t.db, by).is_err());
            assert!(accounts::history(&t.db, by, target).is_err());
        }
        let admin = By::User(&cast.admin);
        let own = accounts::disable(&t.db, admin, cast.admin.id);
        assert!(
            matches!(own, Err(PlatformError::Forbidden(m)) if m.contains("tandem user disable"))
        );
        assert!(matches!(
            accounts::disable(&t.db, admin, 9999),
            Err(PlatformError::NotFound(_))
        ));
        // The command line may do anything (whoever runs it can open the database).
        let cli = By::CommandLine("tandem user, OS user ops");
        accounts::disable(&t.db, cli, cast.admin.id).unwrap();
        let history = accounts::history(&t.db, admin, cast.admin.id).unwrap();
        assert_eq!(history[0].actor, "command line (tandem user, OS user ops)");
        // Nothing changed by the refusals.
        assert!(
            sign_in(&t.db, "researcher", PASSWORD).is_some(),
            "{}",
            t.name
        );
    }
}

#[test]
fn the_account_history_names_who_and_when_and_never_holds_a_password_hash() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let by = By::User(&cast.admin);
        let new = NewUser {
            username: "wang".into(),
            display_name: "王 芳".into(),
            password: "first long secret".into(),
            role: Role::Researcher,
        };
        let created = accounts::create(&t.db, by, &new).unwrap();
        let id = created.user.id;
        accounts::reset_password(&t.db, by, id, Some("second long secret")).unwrap();
        accounts::disable(&t.db, by, id).unwrap();
        let history = accounts::history(&t.db, by, id).unwrap();
        assert_eq!(
            history
                .iter()
                .map(|h| h.action.as_str())
                .collect::<Vec<_>>(),
            ["create", "reset_password", "disable"],
            "{}",
            t.name
        );
        assert!(history
            .iter()
            .all(|h| h.actor == cast.admin.actor() && !h.at.is_empty()));
        let disable = &history[2];
        assert_eq!(disable.before.as_ref().unwrap()["disabled"], json!(false));
        assert_eq!(disable.after.as_ref().unwrap()["disabled"], json!(true));
        assert_eq!(disable.after.as_ref().unwrap()["role"], json!("researcher"));
        // No row of the audit log holds a hash or a password.
        let rows =
            t.db.read(|c| c.query("SELECT before_json, after_json FROM audit_log", &[]))
                .unwrap();
        for v in rows.iter().flatten().filter_map(|v| v.as_str()) {
            assert!(!v.contains("$argon2") && !v.contains("long secret"), "{v}");
        }
        // The history is the audit log's: append-only.
        let edit = t.db.write(|c| {
            c.execute(
                "UPDATE audit_log SET actor = 'mallory' WHERE entity = 'users'",
                &[],
            )
        });
        assert!(edit.is_err(), "{}", t.name);
        // Last sign-in is recorded by the sign-in's transaction.
        t.db.write(|c| accounts::note_sign_in(c, cast.coordinator.id))
            .unwrap();
        let list = accounts::list(&t.db, by).unwrap();
        let coord = list
            .iter()
            .find(|a| a.user.id == cast.coordinator.id)
            .unwrap();
        assert!(coord.last_sign_in_at.is_some());
        assert!(list.iter().any(|a| a.user.id == id && a.disabled));
    }
}

#[test]
fn bidirectional_controls_are_refused_in_names_and_texts() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let park = |name: &str, incentives: &str| {
            let body = json!({"pair_id": PAIR, "name": name, "locality_id": "ah-huaibei", "incentives": incentives});
            service::create(&t.db, &cast.admin, &entity::PARKS, &obj(body))
        };
        for bad in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}',
        ] {
            let e = park(&format!("徐淮{bad}园区"), "").unwrap_err();
            let PlatformError::Invalid(errors) = e else {
                panic!("{bad:?}: {e:?}")
            };
            assert_eq!(
                (errors[0].field.as_str(), errors[0].rule),
                ("name", "bidi_control")
            );
            assert!(errors[0].message.contains("bidirectional"));
            assert!(errors[0].message_zh.contains("双向"));
            // Multi-line texts too.
            let e = park("徐淮园区", &format!("减免{bad}税收")).unwrap_err();
            assert!(matches!(e, PlatformError::Invalid(v) if v[0].rule == "bidi_control"));
        }
        // A single-line field is one line; a multi-line one keeps its lines (CRLF → LF).
        let e = park("徐淮\n园区", "").unwrap_err();
        assert!(matches!(e, PlatformError::Invalid(v) if v[0].rule == "control_character"));
        let e = park("徐淮\t园区", "").unwrap_err();
        assert!(matches!(e, PlatformError::Invalid(v) if v[0].rule == "control_character"));
        let ok = park("徐淮园区 (Xu–Huai) \u{200E}", "第一条\r\n第二条\t说明").unwrap();
        assert_eq!(
            ok.text("incentives"),
            Some("第一条\n第二条\t说明"),
            "{}",
            t.name
        );
        // List items (industry codes) too.
        let body = json!({"pair_id": PAIR, "name": "园", "locality_id": "ah-huaibei", "focus_industries": ["C35\u{202E}"]});
        let e = service::create(&t.db, &cast.admin, &entity::PARKS, &obj(body)).unwrap_err();
        assert!(matches!(e, PlatformError::Invalid(v) if v[0].rule == "bidi_control"));
        // Display names of accounts.
        let new = NewUser {
            username: "spoof".into(),
            display_name: "admin\u{202E}nimda".into(),
            password: "a long secret".into(),
            role: Role::Researcher,
        };
        let e = t.db.write(|c| auth::add_user(c, &new)).unwrap_err();
        assert!(e.to_string().contains("bidirectional"), "{e}");
    }
}

#[cfg(unix)]
mod files {
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    use tandem_platform::{backup, Target};

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    /// Issue #12: the database, its write-ahead log and shared memory were created 0644.
    #[test]
    fn the_sqlite_database_and_its_companions_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("platform.sqlite");
        let db = tandem_platform::open(&Target::Sqlite(path.clone())).unwrap();
        assert_eq!(mode(&dir.path().join("data")), 0o700);
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", path.display());
            assert_eq!(mode(Path::new(&file)), 0o600, "{file}");
        }
        drop(db);
        // A database created by an earlier tandem is made private when opened.
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", path.display());
            if Path::new(&file).exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            }
        }
        let _db = tandem_platform::open(&Target::Sqlite(path.clone())).unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", path.display());
            assert_eq!(mode(Path::new(&file)), 0o600, "{file}");
        }
    }

    #[test]
    fn backup_files_are_private_even_when_they_replace_one() {
        let t = tandem_platform::testkit::sqlite();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("platform.json");
        std::fs::write(&out, "old").unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
        let leftover = out.with_extension("partial");
        std::fs::write(&leftover, "half").unwrap();
        std::fs::set_permissions(&leftover, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (doc, _) = backup::backup(&t.db).unwrap();
        backup::write_file(&out, &doc).unwrap();
        assert_eq!(mode(&out), 0o600);
        assert!(!leftover.exists());
        let back: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(back["format"], serde_json::json!(backup::FORMAT));
        // The SQLite snapshot too.
        let snap = dir.path().join("snapshot.sqlite");
        t.db.sqlite_snapshot(&snap).unwrap().unwrap();
        assert_eq!(mode(&snap), 0o600);
    }
}
