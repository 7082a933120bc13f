//! `tandem_registry::import`: Chinese-column exports (UTF-8, GB18030, XLSX) to the schema,
//! all-or-nothing with located problems, and a round trip through a generated registry.

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use std::path::{Path, PathBuf};
use tandem_data::import::Rule;
use tandem_registry::import::{import, Inputs, Mapping};
use tandem_registry::{generate, Options, Params, RegistryError};

const MAPPING: &str = include_str!("../../../docs/registry-mapping.example.toml");

const FIRMS_CSV: &str = "\
企业ID,统一社会信用代码,企业名称,所属城市/区县代码,区县代码,行业代码,成立日期,注销日期,注册资本(万元),企业类型
1,91320300MA1XXXXX01,徐州某机械有限公司,320300,320311,3411,2015-03-02,,500,有限责任公司（自然人投资或控股）
2,,淮北某煤业集团,淮北市,,0610,2008/7/1,2020/12/31,12000.5,国有独资
3,91310000MA1YYYYY02,上海某外资公司,310112,310112,5191,20190101,,,外商独资企业
4,,宿州某农业合作社,ah-suzhou,,0111,2012年5月8日,,0.25,集体所有制
";

fn mapping() -> Mapping {
    Mapping::parse(MAPPING).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn firms_only(path: PathBuf) -> Inputs {
    Inputs {
        firms: path,
        ..Inputs::default()
    }
}

fn read(path: &Path) -> (Vec<String>, Vec<Vec<Field>>) {
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let names = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let rows = reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| {
            r.unwrap()
                .get_column_iter()
                .map(|(_, f)| f.clone())
                .collect()
        })
        .collect();
    (names, rows)
}

fn check_firms(out: &Path) {
    let (names, rows) = read(&out.join("firms.parquet"));
    let cols: Vec<&str> = tandem_registry::schema::FIRMS
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, cols);
    assert_eq!(rows.len(), 4);
    let show = |r: &Vec<Field>| {
        r.iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("|")
    };
    assert_eq!(
        show(&rows[0]),
        "1|\"91320300MA1XXXXX01\"|320311|\"js-xuzhou\"|320300|\"3411\"|\"34\"|2015-03-02|null|5000000|\"private\""
    );
    assert_eq!(
        show(&rows[1]),
        "2|null|null|\"ah-huaibei\"|340600|\"0610\"|\"06\"|2008-07-01|2020-12-31|120005000|\"state\""
    );
    // A district code maps to its province-level city; an empty capital stays null.
    assert!(
        show(&rows[2]).contains("\"sh-shanghai\"|310000"),
        "{}",
        show(&rows[2])
    );
    assert!(
        show(&rows[2]).ends_with("|null|\"foreign\""),
        "{}",
        show(&rows[2])
    );
    assert!(
        show(&rows[3]).contains("\"ah-suzhou\"|341300|\"0111\""),
        "{}",
        show(&rows[3])
    );
    assert!(
        show(&rows[3]).ends_with("|2500|\"collective\""),
        "{}",
        show(&rows[3])
    );
    for t in ["establishments", "links", "address_changes"] {
        assert!(read(&out.join(format!("{t}.parquet"))).1.is_empty());
    }
}

#[test]
fn chinese_csv_utf8_imports_with_capital_in_yuan() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "firms.csv", FIRMS_CSV.as_bytes());
    let out = dir.path().join("reg");
    let s = import(&mapping(), &firms_only(f), &out, &mut |_, _| {}).unwrap();
    assert_eq!(s.rows, [4, 0, 0, 0]);
    check_firms(&out);
}

#[test]
fn gb18030_csv_imports_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _, bad) = encoding_rs::GB18030.encode(FIRMS_CSV);
    assert!(!bad);
    assert!(std::str::from_utf8(&bytes).is_err());
    let f = write(dir.path(), "firms-gbk.csv", &bytes);
    let out = dir.path().join("reg");
    import(&mapping(), &firms_only(f), &out, &mut |_, _| {}).unwrap();
    check_firms(&out);
    // The same as tab-separated GBK text.
    let tsv = FIRMS_CSV.replace(',', "\t");
    let (bytes, _, _) = encoding_rs::GB18030.encode(&tsv);
    let f = write(dir.path(), "firms-gbk.tsv", &bytes);
    let out = dir.path().join("reg-tsv");
    import(&mapping(), &firms_only(f), &out, &mut |_, _| {}).unwrap();
    check_firms(&out);
}

#[test]
fn xlsx_imports_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in FIRMS_CSV.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    let f = dir.path().join("firms.xlsx");
    book.save(&f).unwrap();
    let out = dir.path().join("reg");
    import(&mapping(), &firms_only(f), &out, &mut |_, _| {}).unwrap();
    check_firms(&out);
}

#[test]
fn bad_rows_write_nothing_and_every_problem_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let bad = "\
企业ID,统一社会信用代码,所属城市/区县代码,区县代码,行业代码,成立日期,注销日期,注册资本(万元),企业类型
1,,徐州市,,3411,2015-03-02,2014-01-01,500,国有
1,,火星市,,9999,2015-13-02,,-3,国有
3,,徐州市,,3411,,,abc,国有
";
    let f = write(dir.path(), "bad.csv", bad.as_bytes());
    let out = dir.path().join("reg");
    let err = import(&mapping(), &firms_only(f), &out, &mut |_, _| {}).unwrap_err();
    let RegistryError::Problems(failure) = err else {
        panic!("{err}")
    };
    assert!(!out.exists(), "nothing is written");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary directory is left");
    let got: Vec<(usize, String, Rule)> = failure
        .report
        .problems
        .iter()
        .map(|p| {
            let l = &p.location;
            (l.row.unwrap(), l.column_name.clone().unwrap(), p.rule)
        })
        .collect();
    let want = [
        (2, "注销日期", Rule::DateOrder),
        (3, "所属城市/区县代码", Rule::UnknownLocality),
        (3, "行业代码", Rule::UnknownIndustry),
        (3, "成立日期", Rule::InvalidDate),
        (3, "注册资本(万元)", Rule::Negative),
        (4, "成立日期", Rule::MissingValue),
        (4, "注册资本(万元)", Rule::NonNumeric),
    ];
    let want: Vec<(usize, String, Rule)> = want
        .iter()
        .map(|(r, c, k)| (*r, c.to_string(), *k))
        .collect();
    assert_eq!(got, want, "{}", failure.report);
    assert_eq!(failure.total, 7);
    // The duplicate id is only checked on a row that converts; make one that does.
    let dup = "企业ID,所属城市/区县代码,行业代码,成立日期\n7,徐州市,3411,2015-01-01\n7,徐州市,3411,2016-01-01\n";
    let f = write(dir.path(), "dup.csv", dup.as_bytes());
    let bare = Mapping::parse("[firms]\nfirm_id = \"企业ID\"\ncity = \"所属城市/区县代码\"\nindustry = \"行业代码\"\nfounded = \"成立日期\"\n").unwrap();
    let Err(RegistryError::Problems(failure)) = import(&bare, &firms_only(f), &out, &mut |_, _| {})
    else {
        panic!("a duplicate id is a problem")
    };
    let p = &failure.report.problems[0];
    assert_eq!(
        (p.rule, p.location.row, p.location.column),
        (Rule::DuplicateConflict, Some(3), Some(1))
    );
}

#[test]
fn a_missing_column_and_a_bad_mapping_say_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "f.csv", "企业ID,行业代码\n1,3411\n".as_bytes());
    let Err(RegistryError::Problems(failure)) = import(
        &mapping(),
        &firms_only(f),
        &dir.path().join("o"),
        &mut |_, _| {},
    ) else {
        panic!()
    };
    assert!(failure
        .report
        .problems
        .iter()
        .all(|p| p.rule == Rule::MissingColumn));
    assert!(
        failure.report.to_string().contains("所属城市/区县代码"),
        "{}",
        failure.report
    );
    let e = Mapping::parse("[firms]\nfirm_id = \"a\"\ncity = \"b\"\nindustry = \"c\"\nfounded = \"d\"\nregistered_capital = { column = \"e\", unit = \"斤\" }\n").unwrap_err();
    assert!(e.contains("万元"), "{e}");
    let e = Mapping::parse("[firms]\nfirm_id = \"a\"\n").unwrap_err();
    assert!(e.contains("city"), "{e}");
}

fn money_wan(f: &Field) -> String {
    match f {
        Field::Long(y) => format!("{}.{:04}", y / 10_000, y % 10_000),
        Field::Null => String::new(),
        other => panic!("{other:?}"),
    }
}

fn cell(f: &Field) -> String {
    match f {
        Field::Null => String::new(),
        Field::Str(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn a_generated_registry_exported_as_csv_imports_back_identically() {
    let dir = tempfile::tempdir().unwrap();
    let gen = dir.path().join("gen");
    let opts = Options {
        firms: 3000,
        seed: 5,
        effects: vec![],
        params: Params::default(),
    };
    generate(&opts, &gen, &mut |_, _, _| {}).unwrap();
    let (_, firms) = read(&gen.join("firms.parquet"));
    let mut csv = String::from("企业ID,统一社会信用代码,区县代码,所属城市/区县代码,行业代码,成立日期,注销日期,注册资本(万元),企业类型\n");
    for r in &firms {
        let line = [
            cell(&r[0]),
            cell(&r[1]),
            cell(&r[2]),
            cell(&r[4]),
            cell(&r[5]),
            cell(&r[7]),
            cell(&r[8]),
            money_wan(&r[9]),
            cell(&r[10]),
        ];
        csv.push_str(&line.join(","));
        csv.push('\n');
    }
    let f = write(dir.path(), "export.csv", csv.as_bytes());
    let out = dir.path().join("back");
    let mut calls = 0;
    let s = import(&mapping(), &firms_only(f), &out, &mut |_, _| calls += 1).unwrap();
    assert!(calls > 0);
    assert_eq!(s.rows[0], firms.len() as u64);
    assert_eq!(
        read(&out.join("firms.parquet")),
        read(&gen.join("firms.parquet"))
    );
}

#[test]
fn a_parquet_export_with_schema_names_imports_identically_and_xlsx_dates_read() {
    let dir = tempfile::tempdir().unwrap();
    let gen = dir.path().join("gen");
    let opts = Options {
        firms: 500,
        seed: 3,
        effects: vec![],
        params: Params::default(),
    };
    generate(&opts, &gen, &mut |_, _, _| {}).unwrap();
    let m = Mapping::parse(
        "[firms]\nfirm_id = \"firm_id\"\nuscc = \"uscc\"\ncounty_code = \"county_code\"\ncity = \"city_id\"\nindustry = \"industry\"\nfounded = \"founded\"\nclosed = \"closed\"\nregistered_capital = \"registered_capital_yuan\"\nownership = \"ownership\"\n",
    )
    .unwrap();
    let out = dir.path().join("back");
    import(
        &m,
        &firms_only(gen.join("firms.parquet")),
        &out,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(
        read(&out.join("firms.parquet")),
        read(&gen.join("firms.parquet"))
    );

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2015, 3, 2).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in ["企业ID", "所属城市/区县代码", "行业代码", "成立日期"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_number(1, 0, 1).unwrap();
    sheet.write_string(1, 1, "徐州").unwrap();
    sheet.write_string(1, 2, "3411").unwrap();
    sheet.write_datetime_with_format(1, 3, &date, &fmt).unwrap();
    let f = dir.path().join("dates.xlsx");
    book.save(&f).unwrap();
    let bare = Mapping::parse("[firms]\nfirm_id = \"企业ID\"\ncity = \"所属城市/区县代码\"\nindustry = \"行业代码\"\nfounded = \"成立日期\"\n").unwrap();
    let out = dir.path().join("x");
    import(&bare, &firms_only(f), &out, &mut |_, _| {}).unwrap();
    let (_, rows) = read(&out.join("firms.parquet"));
    assert_eq!(rows[0][7].to_string(), "2015-03-02");
}

#[test]
fn bad_bytes_after_the_sniffed_start_are_an_encoding_problem_and_an_unmapped_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"firm_id,city,industry,founded\n".to_vec();
    let mut id = 10;
    while bytes.len() < 200_000 {
        id += 1;
        bytes.extend_from_slice(format!("{id},js-xuzhou,3411,2015-01-01\n").as_bytes());
    }
    let at = bytes.len();
    bytes.extend_from_slice(b"2,\xff\xfe,3411,2015-01-01\n");
    let f = write(dir.path(), "big.csv", &bytes);
    let m = Mapping::parse("[firms]\nfirm_id = \"firm_id\"\ncity = \"city\"\nindustry = \"industry\"\nfounded = \"founded\"\n").unwrap();
    let out = dir.path().join("o");
    let Err(RegistryError::Problems(failure)) =
        import(&m, &firms_only(f.clone()), &out, &mut |_, _| {})
    else {
        panic!("bad bytes are a problem")
    };
    let p = failure
        .report
        .with_rule(Rule::Encoding)
        .next()
        .expect("an encoding problem");
    assert!(p.message.contains(&format!("offset {}", at + 2)), "{p}");
    assert!(!out.exists());
    let inputs = Inputs {
        firms: f.clone(),
        links: Some(f),
        ..Inputs::default()
    };
    let e = import(&m, &inputs, &out, &mut |_, _| {}).unwrap_err();
    assert!(e.to_string().contains("no [links] section"), "{e}");
}

#[test]
fn all_four_tables_import_with_percent_shares_and_city_names() {
    let dir = tempfile::tempdir().unwrap();
    let firms = write(dir.path(), "firms.csv", FIRMS_CSV.as_bytes());
    let branches = write(
        dir.path(),
        "branches.csv",
        "分支机构ID,企业ID,所属城市,成立日期,注销日期\n10,1,淮北市,2018-01-01,\n".as_bytes(),
    );
    let links = write(
        dir.path(),
        "links.csv",
        "股东企业ID,被投资企业ID,持股比例(%),认缴出资额(万元),投资日期\n1,2,51,100,2021-06-01\n3,1,,,2020-01-01\n"
            .as_bytes(),
    );
    let moves = write(
        dir.path(),
        "moves.csv",
        "企业ID,变更日期,原所属城市,新所属城市\n1,2022-02-02,徐州,ah-huaibei\n".as_bytes(),
    );
    let inputs = Inputs {
        firms,
        establishments: Some(branches),
        links: Some(links),
        address_changes: Some(moves),
    };
    let out = dir.path().join("reg");
    let s = import(&mapping(), &inputs, &out, &mut |_, _| {}).unwrap();
    assert_eq!(s.rows, [4, 1, 2, 1]);
    let show = |file: &str| -> Vec<String> {
        read(&out.join(file))
            .1
            .iter()
            .map(|r| {
                r.iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    };
    assert_eq!(
        show("establishments.parquet"),
        ["10|1|\"ah-huaibei\"|340600|2018-01-01|null"]
    );
    assert_eq!(
        show("links.parquet"),
        ["1|2|0.51|1000000|2021-06-01", "3|1|null|null|2020-01-01"]
    );
    assert_eq!(
        show("address_changes.parquet"),
        ["1|2022-02-02|\"js-xuzhou\"|\"ah-huaibei\""]
    );
}
