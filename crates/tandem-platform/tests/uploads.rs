//! Uploads of records: `auth::may_write_any`, the check an upload makes before reading a byte
//! of the file (which roles may write some record of the types that can be uploaded, expected
//! values by hand), and the XLSX import refusing a workbook bomb whole.

use tandem_platform::auth::may_write_any;
use tandem_platform::entity::PROJECTS;
use tandem_platform::service::PlatformError;
use tandem_platform::{sheets, testkit};

#[test]
fn only_roles_that_write_some_record_may_upload_it() {
    let t = testkit::sqlite();
    let c = testkit::cast(&t.db);
    // (user, may write some project, may write some task)
    let expected = [
        (&c.admin, true, true),
        (&c.coordinator, true, true),
        (&c.helper_officer, true, true),
        (&c.helped_officer, true, true),
        (&c.other_officer, true, true),
        (&c.park_operator, true, false),
        (&c.enterprise_user, true, false),
        (&c.researcher, false, false),
    ];
    for (user, projects, tasks) in expected {
        assert_eq!(
            (
                may_write_any(user, "projects"),
                may_write_any(user, "tasks")
            ),
            (projects, tasks),
            "{}",
            user.username
        );
    }
    // Nobody writes matches through the record API, and only the frame's roles the pairs.
    assert!(!may_write_any(&c.admin, "matches"));
    assert!(!may_write_any(&c.helper_officer, "pairs"));
    assert!(may_write_any(&c.coordinator, "pairs"));
}

#[test]
fn a_workbook_bomb_is_refused_whole_over_the_limit_it_broke() {
    let t = testkit::sqlite();
    let c = testkit::cast(&t.db);
    let bomb = tandem_sheet::testkit::a1_and_xfd1048576("projects");
    let failure = sheets::import(&t.db, &c.coordinator, &PROJECTS, &bomb).unwrap_err();
    let Some(PlatformError::TooLarge(message)) = &failure.limit else {
        panic!("expected TooLarge, got {failure:?}");
    };
    assert!(message.contains("(limit: max_columns = 256)"), "{message}");
    assert_eq!(failure.problems.len(), 1);
    assert_eq!(failure.problems[0].rule, "too_large");
    // Not a workbook, or without the template's sheet: problems (422), not a limit.
    let broken = sheets::import(&t.db, &c.coordinator, &PROJECTS, b"PK\x03\x04 no").unwrap_err();
    assert!(broken.limit.is_none());
    assert_eq!(broken.problems[0].rule, "not_xlsx");
    let other = tandem_sheet::testkit::workbook("Sheet1", &[(0, 0, "id")]);
    let missing = sheets::import(&t.db, &c.coordinator, &PROJECTS, &other).unwrap_err();
    assert_eq!(missing.problems[0].rule, "missing_sheet");
}
