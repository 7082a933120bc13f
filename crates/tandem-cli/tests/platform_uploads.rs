//! Regression test of issue #12, finding 1, against the real `tandem serve` on loopback: a
//! ~1.5 KB XLSX whose only cells are A1 and XFD1048576 made calamine's dense reader allocate
//! 512 GiB and the server abort, and any signed-in account could send it, because the file
//! was parsed before the role was checked. Now a researcher is refused (403) before a byte of
//! the file is read, a user who may upload gets 413 naming the limit, and the server answers
//! throughout. (Before the fix the first upload killed the server, so the next request
//! failed to connect.)

#[path = "support/platform.rs"]
mod platform;

use platform::{user_add, Api, Server};
use tandem_platform::testkit;
use tandem_platform::Target;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `GET /healthz` answers `ok`.
fn assert_healthy(server: &Server, after: &str) {
    let mut r = platform::agent()
        .get(format!("{}/healthz", server.base))
        .call()
        .unwrap_or_else(|e| panic!("the server no longer answers after {after}: {e}"));
    assert_eq!(r.status().as_u16(), 200, "after {after}");
    assert_eq!(
        r.body_mut().read_to_string().unwrap(),
        "ok",
        "after {after}"
    );
}

#[test]
fn a_workbook_bomb_is_refused_and_the_server_keeps_answering() {
    let t = testkit::sqlite();
    let park = testkit::cast(&t.db).park;
    let Target::Sqlite(file) = &t.target else {
        unreachable!("testkit::sqlite is SQLite")
    };
    let url = format!("sqlite://{}", file.display());
    user_add(&url, "upload-coordinator", "coordinator", &[]);
    user_add(&url, "upload-researcher", "researcher", &[]);
    let server = Server::start(&url);
    assert_healthy(&server, "the start");

    // The sheet is named like the import's, so the projects import reads the bomb itself.
    let bomb = tandem_sheet::testkit::a1_and_xfd1048576("projects");
    assert!(bomb.len() < 2048, "the attack is ~1.5 KB: {}", bomb.len());
    let revenues = format!("/parks/{park}/revenues");
    let routes = ["/sheets/projects", revenues.as_str()];

    // A researcher writes nothing: refused before the workbook is read.
    let researcher = Api::login(&server.base, "upload-researcher");
    for route in routes {
        let r = researcher
            .post_bytes(route, XLSX, &bomb)
            .unwrap_or_else(|e| panic!("POST {route} as a researcher: no answer ({e})"));
        assert_eq!(r.status, 403, "POST {route} as a researcher: {}", r.json);
        let message = r.json["message"].as_str().unwrap_or_default();
        assert!(message.contains("nothing was read"), "{message}");
        assert_healthy(&server, &format!("the researcher's POST {route}"));
    }

    // A coordinator may upload: 413, naming the limit the file broke.
    let coordinator = Api::login(&server.base, "upload-coordinator");
    for route in routes {
        let r = coordinator
            .post_bytes(route, XLSX, &bomb)
            .unwrap_or_else(|e| panic!("POST {route} as a coordinator: no answer ({e})"));
        assert_eq!(r.status, 413, "POST {route}: {}", r.json);
        assert_eq!(r.json["error"], "too_large", "{}", r.json);
        let message = r.json["message"].as_str().unwrap_or_default();
        assert!(message.contains("XFD1048576"), "{message}");
        assert!(message.contains("(limit: max_columns = 256)"), "{message}");
        assert_healthy(&server, &format!("the coordinator's POST {route}"));
    }

    // A deflate bomb (130 MiB of sheet XML in a few hundred KB) is stopped while inflating.
    let deflated = tandem_sheet::testkit::deflate_bomb(130 << 20);
    let r = coordinator
        .post_bytes("/sheets/projects", XLSX, &deflated)
        .expect("the server answers a deflate bomb");
    assert_eq!(r.status, 413, "{}", r.json);
    let message = r.json["message"].as_str().unwrap_or_default();
    assert!(message.contains("max_decompressed_bytes"), "{message}");
    assert_healthy(&server, "a deflate bomb");

    // And an honest upload still works after all that.
    let csv = "enterprise_id,park_id,industry,recommended_by,period,revenue_type,amount\n\
               E1,p,C35,,2024-01,vat_local_share,100.00\n";
    let r = coordinator
        .post_text(&revenues, "text/csv", csv.into())
        .expect("the server answers");
    assert_eq!(r.status, 201, "{}", r.json);
}
