//! Malformed and hostile input against the whole application: random methods, paths, query
//! strings, headers and bodies (random JSON, wrong types, huge numbers, deep nesting, random
//! bytes), as a signed-in user with a valid CSRF token so requests get past the session
//! checks. The property: never a 5xx, and API errors are JSON that says what was wrong.

mod support;

use axum::http::{Method, StatusCode};
use proptest::prelude::*;
use serde_json::{json, Value};
use support::Client;
use tandem_platform::entity::ENTITIES;
use tandem_platform::testkit;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        Just(json!(1e300)),
        Just(json!(-0.001)),
        ".{0,40}".prop_map(Value::String),
        Just(json!("2024-02-30")),
        Just(json!("pair-xuzhou-huaibei")),
        Just(json!("'; DROP TABLE projects; --")),
        Just(json!("<script>alert(1)</script>")),
        Just(json!("\u{0000}\u{202e}")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    let mut names: Vec<String> = vec![
        "id".into(),
        "version".into(),
        "updated_at".into(),
        "stage".into(),
        "date".into(),
        "evidence".into(),
        "username".into(),
        "password".into(),
    ];
    for e in ENTITIES {
        names.extend(e.fields.iter().map(|f| f.name.to_string()));
    }
    prop_oneof![prop::sample::select(names), "[a-z_]{1,12}"]
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            ENTITIES
                .iter()
                .map(|e| e.name.to_string())
                .collect::<Vec<_>>()
        ),
        Just("1".to_string()),
        Just("0".to_string()),
        Just("-5".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("pair-xuzhou-huaibei".to_string()),
        Just("%2e%2e".to_string()),
        Just("%00".to_string()),
        Just("%E4%B8%AD".to_string()),
        "[a-zA-Z0-9_-]{0,20}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        segment().prop_map(|e| format!("/api/{e}")),
        (segment(), segment()).prop_map(|(e, id)| format!("/api/{e}/{id}")),
        (segment(), segment()).prop_map(|(e, id)| format!("/api/{e}/{id}/history")),
        segment().prop_map(|id| format!("/api/projects/{id}/stages")),
        segment().prop_map(|e| format!("/api/sheets/{e}")),
        Just("/api/login".to_string()),
        Just("/api/dashboard".to_string()),
        segment().prop_map(|e| format!("/r/{e}")),
        (segment(), segment()).prop_map(|(e, id)| format!("/r/{e}/{id}")),
        segment().prop_map(|id| format!("/projects/{id}")),
        segment().prop_map(|id| format!("/pairs/{id}")),
        segment().prop_map(|id| format!("/parks/{id}")),
        segment().prop_map(|id| format!("/tasks/{id}/status")),
        Just("/api/surveys".to_string()),
        segment().prop_map(|id| format!("/api/surveys/{id}")),
        segment().prop_map(|id| format!("/api/surveys/{id}/tokens")),
        segment().prop_map(|id| format!("/surveys/{id}")),
        (segment(), segment()).prop_map(|(w, t)| format!("/survey/{w}/{t}")),
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            field_name(),
            prop_oneof![segment(), Just("".to_string()), Just("-1".to_string())],
        ),
        0..4,
    )
    .prop_map(|kv| {
        if kv.is_empty() {
            String::new()
        } else {
            let mut q = String::from("?");
            for (k, v) in kv {
                q.push_str(&format!("{k}={v}&"));
            }
            q
        }
    })
}

#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Bytes(Vec<u8>),
    Form(String),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        json_value().prop_map(Body::Json),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Body::Bytes),
        Just(Body::Bytes(b"{\"name\": ".to_vec())),
        Just(Body::Bytes("[".repeat(5000).into_bytes())),
        "[a-z_]{1,8}=[^&]{0,20}(&[a-z_]{1,8}=[^&]{0,20}){0,4}".prop_map(Body::Form),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn hostile_requests_never_cause_a_server_error(
        method in prop::sample::select(vec![Method::GET, Method::POST, Method::PATCH, Method::DELETE, Method::PUT]),
        path in path(),
        query in query(),
        body in body(),
        if_match in prop_oneof![Just(None), Just(Some("\"v1\"".to_string())), "[ -~]{0,12}".prop_map(Some)],
    ) {
        let (rt, client) = &*FIXTURE;
        let uri = format!("{path}{query}");
        let mut headers: Vec<(&str, String)> = Vec::new();
        if let Some(v) = &if_match {
            headers.push(("if-match", v.clone()));
        }
        let (bytes, ctype) = match &body {
            Body::Json(v) => (v.to_string().into_bytes(), "application/json"),
            Body::Bytes(b) => (b.clone(), "application/json"),
            Body::Form(f) => (f.clone().into_bytes(), "application/x-www-form-urlencoded"),
        };
        let extra: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let Ok(parsed) = uri.parse::<axum::http::Uri>() else { return Ok(()) };
        let reply = rt.block_on(client.raw(method.clone(), &parsed.to_string(), bytes, ctype, &extra));
        prop_assert!(reply.status.as_u16() < 500, "{method} {uri} -> {}: {}", reply.status, reply.text());
        if path.starts_with("/api/") && !reply.status.is_success() && reply.status != StatusCode::METHOD_NOT_ALLOWED {
            let is_json = serde_json::from_slice::<Value>(&reply.body).is_ok();
            // axum's own extractor rejections (malformed JSON, wrong content type) are plain
            // text that names the problem; ours are JSON.
            prop_assert!(is_json || !reply.body.is_empty(), "{method} {uri} -> {} with an empty body", reply.status);
        }
    }
}

static FIXTURE: std::sync::LazyLock<(tokio::runtime::Runtime, Client)> = std::sync::LazyLock::new(
    || {
        let t = Box::leak(Box::new(testkit::sqlite()));
        let cast = testkit::cast(&t.db);
        // Some real records so ids like 1 exist.
        let admin = &cast.admin;
        let p = json!({"pair_id": testkit::PAIR, "park_id": cast.park, "enterprise_id": cast.enterprise, "name": "p", "initiated_by": "government"});
        tandem_platform::service::create(
            &t.db,
            admin,
            &tandem_platform::entity::PROJECTS,
            p.as_object().unwrap(),
        )
        .unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let mut c = Client::new(t.db.clone());
        rt.block_on(c.login("coord"));
        (rt, c)
    },
);

// ---- Uploads: generated XLSX/ZIP files, honest, broken and hostile ----

/// Where a file goes: the API (raw body) or a page form (multipart), as which user.
#[derive(Debug, Clone)]
enum Route {
    /// `POST /api/sheets/{entity}`.
    ApiSheet(String),
    /// `POST /api/parks/{park}/revenues`.
    ApiRevenues,
    /// `POST /sheets` with the form's `entity` field.
    PageSheets(String),
    /// `POST /parks/{park}/revenues`.
    PageRevenues,
}

#[derive(Debug, Clone)]
enum Upload {
    /// A workbook with these cells (row, column, text), anywhere up to XFD1048576.
    Cells(Vec<(u32, u32, String)>),
    /// An honest workbook cut short after this many bytes.
    Truncated(usize),
    /// An honest workbook with one byte changed.
    Flipped(usize, u8),
    /// Random bytes, sometimes behind a ZIP signature.
    Random(Vec<u8>),
    /// One of [`BOMBS`], by index.
    Bomb(usize),
}

/// Workbooks over a limit, built once: (what, bytes, the sheet holding the bomb when it is in
/// the cells rather than the package). Every reader refuses a package bomb with 413; a cell
/// bomb is 413 for a reader of its sheet (revenue uploads read the first sheet, the projects
/// import the sheet `projects`) and a missing sheet (422) for others.
type Bomb = (&'static str, Vec<u8>, Option<&'static str>);

static BOMBS: std::sync::LazyLock<Vec<Bomb>> = std::sync::LazyLock::new(|| {
    use tandem_sheet::testkit as k;
    vec![
        (
            "A1 + XFD1048576",
            k::a1_and_xfd1048576("projects"),
            Some("projects"),
        ),
        (
            "far row",
            k::workbook("projects", &[(0, 0, "id"), (900_000, 0, "1")]),
            Some("projects"),
        ),
        (
            "shared-string copies",
            k::shared_string_amplification(1 << 20, 40),
            Some("Sheet1"),
        ),
        ("deflate bomb", k::deflate_bomb(130 << 20), None),
        (
            "shared-strings bomb",
            k::shared_strings_bomb(1_000_001),
            None,
        ),
        ("uniqueCount lie", k::shared_strings_count_lie(), None),
        ("styles bomb", k::styles_bomb(20_000), None),
        ("too many entries", k::many_entries(1_000), None),
    ]
});

/// Honest bytes to cut and flip: a projects template with one row.
static HONEST: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    tandem_sheet::testkit::workbook(
        "projects",
        &[(0, 0, "id"), (0, 1, "name"), (1, 1, "a project")],
    )
});

fn position() -> impl Strategy<Value = (u32, u32)> {
    (
        prop_oneof![0u32..30, Just(1_048_575), 0u32..1_048_576],
        prop_oneof![0u32..12, Just(16_383), 0u32..16_384],
    )
}

fn upload() -> impl Strategy<Value = Upload> {
    let text = prop_oneof![
        prop::sample::select(vec![
            "id",
            "name",
            "pair_id",
            "version",
            "enterprise_id",
            "amount"
        ])
        .prop_map(str::to_string),
        "[a-z0-9 ]{0,12}",
        (-1e9f64..1e9).prop_map(|f| f.to_string()),
    ];
    prop_oneof![
        4 => prop::collection::vec((position(), text), 0..8)
            .prop_map(|cells| Upload::Cells(cells.into_iter().map(|((r, c), t)| (r, c, t)).collect())),
        2 => (0usize..2000).prop_map(Upload::Truncated),
        2 => (0usize..2000, any::<u8>()).prop_map(|(i, b)| Upload::Flipped(i, b)),
        1 => (any::<bool>(), prop::collection::vec(any::<u8>(), 0..300)).prop_map(|(zip, mut b)| {
            if zip {
                b.splice(0..0, *b"PK\x03\x04");
            }
            Upload::Random(b)
        }),
        2 => (0..BOMBS.len()).prop_map(Upload::Bomb),
    ]
}

fn route() -> impl Strategy<Value = Route> {
    let entity = prop_oneof![
        3 => prop::sample::select(vec!["projects", "tasks"]).prop_map(str::to_string),
        1 => segment(),
    ];
    prop_oneof![
        entity.clone().prop_map(Route::ApiSheet),
        Just(Route::ApiRevenues),
        entity.prop_map(Route::PageSheets),
        Just(Route::PageRevenues),
    ]
}

fn upload_bytes(u: &Upload) -> Vec<u8> {
    match u {
        Upload::Cells(cells) => {
            let cells: Vec<(u32, u32, &str)> =
                cells.iter().map(|(r, c, t)| (*r, *c, t.as_str())).collect();
            tandem_sheet::testkit::workbook("projects", &cells)
        }
        Upload::Truncated(n) => HONEST[..(*n).min(HONEST.len())].to_vec(),
        Upload::Flipped(i, b) => {
            let mut bytes = HONEST.clone();
            let at = i % bytes.len();
            bytes[at] = *b;
            bytes
        }
        Upload::Random(b) => b.clone(),
        Upload::Bomb(i) => BOMBS[*i].1.clone(),
    }
}

/// A multipart form body with text `fields` and the file last.
fn multipart(fields: &[(&str, &str)], file: &[u8]) -> (Vec<u8>, String) {
    let boundary = "tandemUploadBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

/// Sends `file` to `route` as `client`; the reply.
async fn send_upload(client: &Client, park: i64, route: &Route, file: Vec<u8>) -> support::Reply {
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let csrf = client.csrf.clone().unwrap_or_default();
    match route {
        Route::ApiSheet(e) => {
            client
                .raw(Method::POST, &format!("/api/sheets/{e}"), file, xlsx, &[])
                .await
        }
        Route::ApiRevenues => {
            client
                .raw(
                    Method::POST,
                    &format!("/api/parks/{park}/revenues"),
                    file,
                    xlsx,
                    &[],
                )
                .await
        }
        Route::PageSheets(e) => {
            let (body, ctype) = multipart(&[("_csrf", &csrf), ("entity", e)], &file);
            client.raw(Method::POST, "/sheets", body, &ctype, &[]).await
        }
        Route::PageRevenues => {
            let (body, ctype) = multipart(&[("_csrf", &csrf)], &file);
            client
                .raw(
                    Method::POST,
                    &format!("/parks/{park}/revenues"),
                    body,
                    &ctype,
                    &[],
                )
                .await
        }
    }
}

/// A coordinator and a researcher signed in on one application, and a park.
struct Uploads {
    rt: tokio::runtime::Runtime,
    coordinator: Client,
    researcher: Client,
    park: i64,
}

static UPLOADS: std::sync::LazyLock<Uploads> = std::sync::LazyLock::new(|| {
    let t = Box::leak(Box::new(testkit::sqlite()));
    let cast = testkit::cast(&t.db);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut coordinator = Client::new(t.db.clone());
    rt.block_on(coordinator.login("coord"));
    let mut researcher = coordinator.another();
    rt.block_on(researcher.login("researcher"));
    Uploads {
        rt,
        coordinator,
        researcher,
        park: cast.park,
    }
});

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]
    /// Every upload route, with workbooks honest, broken and hostile, as a user who may upload
    /// and as one who may not: never a 5xx, a bomb is 413, a researcher is refused (403)
    /// before the file is read, and the server still answers afterwards.
    #[test]
    fn uploads_never_cause_a_server_error_and_bombs_are_413(
        route in route(),
        upload in upload(),
        as_researcher in prop::bool::weighted(0.25),
    ) {
        let u = &*UPLOADS;
        let client = if as_researcher { &u.researcher } else { &u.coordinator };
        let reply = u.rt.block_on(send_upload(client, u.park, &route, upload_bytes(&upload)));
        let status = reply.status.as_u16();
        prop_assert!(status < 500, "{route:?} {upload:?} -> {status}: {}", reply.text());
        let known = match &route {
            Route::ApiSheet(e) | Route::PageSheets(e) => e == "projects" || e == "tasks",
            Route::ApiRevenues | Route::PageRevenues => true,
        };
        if known && as_researcher {
            prop_assert_eq!(status, 403, "{:?}: {}", route, reply.text());
        } else if let (true, Upload::Bomb(i)) = (known, &upload) {
            let (what, _, sheet) = &BOMBS[*i];
            let read_sheet = match &route {
                Route::ApiSheet(e) | Route::PageSheets(e) => e.as_str(),
                Route::ApiRevenues | Route::PageRevenues => sheet.unwrap_or(""),
            };
            let expected = if sheet.is_none_or(|s| s == read_sheet) { 413 } else { 422 };
            prop_assert_eq!(status, expected, "{} to {:?}: {}", what, route, reply.text());
        }
        let health = u.rt.block_on(client.get("/healthz"));
        prop_assert_eq!(health.status, StatusCode::OK);
    }
}

/// An upload one byte over the file limit is 413 naming the limit, on every upload route,
/// before any parser sees it.
#[test]
fn an_upload_over_the_byte_limit_is_413_naming_the_limit() {
    let u = &*UPLOADS;
    let over = vec![b'x'; (tandem_sheet::Limits::DEFAULT.max_file_bytes + 1) as usize];
    for route in [
        Route::ApiSheet("projects".into()),
        Route::ApiRevenues,
        Route::PageSheets("projects".into()),
        Route::PageRevenues,
    ] {
        let reply =
            u.rt.block_on(send_upload(&u.coordinator, u.park, &route, over.clone()));
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{route:?}");
        assert!(
            reply.text().contains("max_file_bytes = 16777216"),
            "{route:?}: {}",
            reply.text()
        );
    }
}
