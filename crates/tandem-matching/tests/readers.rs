//! Reading demands, parks, funds and projects: the shipped examples load, defects are
//! located by file, row, column and rule, XLSX reads like CSV; capital matching.

use std::path::PathBuf;
use tandem_matching::io::{
    demands_from_grid, parks_from_grid, read_demands, read_funds, read_parks, read_projects, Grid,
    ReadError,
};
use tandem_matching::{
    CapitalProblem, MatchContext, Problem, RegionMode, Stage, Visibility, Weights,
};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/matching")
        .join(name)
}

#[test]
fn shipped_examples_load_and_score() {
    let ctx = MatchContext::bundled().unwrap();
    let demands = read_demands(&example("demands.csv"), &ctx).unwrap();
    let parks = read_parks(&example("parks.csv"), &ctx).unwrap();
    assert_eq!(demands.len(), 12);
    assert_eq!(parks.len(), 10);
    let d02 = &demands[1];
    assert_eq!(d02.industry_input, "gbt4754:38");
    assert_eq!(
        d02.industry, "19",
        "division 38 (electrical machinery) maps to IO-42 19"
    );
    assert_eq!(d02.region_mode, RegionMode::Only);
    assert_eq!(demands[3].industry, "06", "C14 (foods) maps to IO-42 06");
    assert!(matches!(demands[4].visibility, Visibility::Restricted(ref v) if v.len() == 3));
    assert_eq!(demands[10].budget_yuan, None);
    let pb = Problem::new(&ctx, Weights::shipped(), &demands, &parks).unwrap();
    // D02 accepts only Chuzhou: exactly one park there.
    let feasible: Vec<usize> = (0..parks.len())
        .filter(|&p| pb.score(1, p).is_some())
        .collect();
    assert_eq!(feasible, [1]);
    // D05 is restricted to two parks.
    let feasible: Vec<&str> = (0..parks.len())
        .filter(|&p| pb.score(4, p).is_some())
        .map(|p| parks[p].id.as_str())
        .collect();
    assert!(
        feasible
            .iter()
            .all(|id| ["P-LUAN-1", "P-FUY-1"].contains(id)),
        "{feasible:?}"
    );

    let funds = read_funds(&example("funds.csv"), &ctx).unwrap();
    let projects = read_projects(&example("projects.csv"), &ctx).unwrap();
    assert_eq!((funds.len(), projects.len()), (5, 6));
    assert_eq!(projects[0].stage, Stage::Construction);
    let cp = CapitalProblem::new(&ctx, Weights::shipped(), &projects, &funds).unwrap();
    let s = cp.shortlists(3);
    // J01 (Huainan, 120m, construction, IO-42 18) fits the Minhang-Huainan fund best: it
    // names the sector and the region and its home is Huainan's helper.
    assert_eq!(funds[s.per_demand[0][0].index as usize].id, "F-MH");
}

#[test]
fn capital_components_follow_their_formulas() {
    let ctx = MatchContext::bundled().unwrap();
    let funds = read_funds(&example("funds.csv"), &ctx).unwrap();
    let projects = read_projects(&example("projects.csv"), &ctx).unwrap();
    let cp = CapitalProblem::new(&ctx, Weights::shipped(), &projects, &funds).unwrap();
    // J01 with F-MH: tickets 10m-200m, amount 120m.
    let x = cp.components(0, 0).unwrap();
    let t = (120e6f64 / 10e6).ln() / (200e6f64 / 10e6).ln();
    assert!((x[1] - (1.0 - (2.0 * t - 1.0).abs() / 2.0)).abs() < 1e-12);
    assert_eq!((x[0], x[2], x[3]), (1.0, 1.0, 1.0));
    // J05 (400m) is above F-MH's maximum ticket.
    assert_eq!(
        cp.components(4, 0),
        Err(tandem_matching::CapitalInfeasible::Ticket)
    );
    // J03 (operation) with F-NB (preparation/construction, Bengbu only): region first.
    assert_eq!(
        cp.components(2, 1),
        Err(tandem_matching::CapitalInfeasible::Region)
    );
    let (_, text) = cp.explain(4, 0).unwrap_err();
    assert_eq!(
        text,
        "amount 400000000 yuan is outside fund F-MH's tickets 10000000-200000000 yuan"
    );
}

fn csv_error(text: &str) -> String {
    let ctx = MatchContext::bundled().unwrap();
    let grid = Grid::from_csv(text, "d.csv").unwrap();
    demands_from_grid(&grid, &ctx).unwrap_err().to_string()
}

#[test]
fn demand_defects_name_row_column_and_rule() {
    let head = "id,origin,industry,land_ha\n";
    assert_eq!(
        csv_error(&format!(
            "{head}D1,sh-minhang,io42:18,5\nD2,sh-minhang,io42:18,-1\n"
        )),
        "d.csv, row 3, column land_ha: -1 must be a number >= 0"
    );
    assert_eq!(
        csv_error(&format!("{head}D1,sh-nowhere,io42:18,5\n")),
        "d.csv, row 2, column origin: sh-nowhere is not a locality id with coordinates (see `tandem localities`)"
    );
    assert_eq!(
        csv_error(&format!("{head}D1,sh-minhang,18,5\n")),
        "d.csv, row 2, column industry: ambiguous industry 18: write io42:18 for an input-output sector or gbt4754:18 for a GB/T 4754-2017 division"
    );
    assert_eq!(
        csv_error(&format!("{head}D1,sh-minhang,io42:18,five\n")),
        "d.csv, row 2, column land_ha: \"five\" is not a number"
    );
    assert_eq!(
        csv_error(&format!(
            "{head}D1,sh-minhang,io42:18,5\nD1,sh-minhang,io42:18,5\n"
        )),
        "d.csv, row 3, column id: duplicate id D1"
    );
    assert_eq!(
        csv_error("id,origin\nD1,sh-minhang\n"),
        "d.csv, row 1, column industry: required column missing"
    );
    assert!(csv_error("id,origin,industry,colour\n")
        .starts_with("d.csv, row 1, column colour: unknown column"));
    assert_eq!(
        csv_error("id,origin,industry,region_mode\nD1,sh-minhang,io42:18,only\n"),
        "d.csv, row 2, column region_mode: \"only\" needs at least one preferred region"
    );
    assert_eq!(
        csv_error("id,origin,industry,deadline\nD1,sh-minhang,io42:18,2027-02-30\n"),
        "d.csv, row 2, column deadline: \"2027-02-30\" is not a date YYYY-MM-DD"
    );
    assert_eq!(
        csv_error("id,origin,industry,allowed_viewers\nD1,sh-minhang,io42:18,P1\n"),
        "d.csv, row 2, column allowed_viewers: viewers are listed but visibility is public: set visibility to restricted"
    );
}

#[test]
fn park_defects_name_row_column_and_rule() {
    let ctx = MatchContext::bundled().unwrap();
    let head = "id,locality,land_price_yuan_m2,incentives,data_freshness,capacity,exclusions\n";
    let err = |body: &str| {
        let g = Grid::from_csv(&format!("{head}{body}"), "p.csv").unwrap();
        parks_from_grid(&g, &ctx).unwrap_err()
    };
    assert_eq!(
        err("P1,ah-huaibei,150,1.5,2027-01-01,2,\n").to_string(),
        "p.csv, row 2, column incentives: 1.5 must be a rating in [0, 1]"
    );
    assert_eq!(
        err("P1,ah-huaibei,150,0.5,2027-01-01,two,\n").to_string(),
        "p.csv, row 2, column capacity: \"two\" must be a whole number of projects >= 0"
    );
    assert_eq!(
        err("P1,ah-huaibei,150,0.5,,2,\n").to_string(),
        "p.csv, row 2, column data_freshness: required value missing"
    );
    let e = err("P1,ah-huaibei,150,0.5,2027-01-01,2,io42:77\n");
    assert!(
        matches!(e, ReadError::Cell { row: 2, ref column, .. } if column == "exclusions"),
        "{e}"
    );
}

#[test]
fn a_workbook_bomb_is_a_file_error_naming_the_limit() {
    let ctx = MatchContext::bundled().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demands.xlsx");
    std::fs::write(&path, tandem_sheet::testkit::a1_and_xfd1048576("Sheet1")).unwrap();
    let e = read_demands(&path, &ctx).unwrap_err();
    assert!(matches!(e, ReadError::File { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("demands.xlsx"), "{text}");
    assert!(text.contains("max_columns = 256"), "{text}");
}

#[test]
fn xlsx_reads_like_csv_with_dates_and_numbers() {
    let ctx = MatchContext::bundled().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parks.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let head = [
        "id",
        "locality",
        "land_ha",
        "land_price_yuan_m2",
        "incentives",
        "data_freshness",
        "capacity",
        "focus_industries",
    ];
    for (c, h) in head.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "P1").unwrap();
    sheet.write_string(1, 1, "ah-bengbu").unwrap();
    sheet.write_number(1, 2, 12.5).unwrap();
    sheet.write_number(1, 3, 180).unwrap();
    sheet.write_number(1, 4, 0.5).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2027, 3, 31).unwrap();
    sheet.write_datetime_with_format(1, 5, &date, &fmt).unwrap();
    sheet.write_number(1, 6, 2).unwrap();
    sheet.write_string(1, 7, "io42:18; C36").unwrap();
    sheet.write_string(2, 0, "P2").unwrap();
    sheet.write_string(2, 1, "ah-bengbu").unwrap();
    sheet.write_number(2, 3, 180).unwrap();
    sheet.write_number(2, 4, 0.5).unwrap();
    sheet.write_string(2, 5, "2027-03-31").unwrap();
    sheet.write_number(2, 6, -1).unwrap();
    book.save(&path).unwrap();
    let e = read_parks(&path, &ctx).unwrap_err().to_string();
    assert!(e.contains("row 3, column capacity"), "{e}");
    assert!(e.contains("parks.xlsx (sheet Sheet1)"), "{e}");

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in head.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "P1").unwrap();
    sheet.write_string(1, 1, "ah-bengbu").unwrap();
    sheet.write_number(1, 2, 12.5).unwrap();
    sheet.write_number(1, 3, 180).unwrap();
    sheet.write_number(1, 4, 0.5).unwrap();
    sheet.write_datetime_with_format(1, 5, &date, &fmt).unwrap();
    sheet.write_number(1, 6, 2).unwrap();
    sheet.write_string(1, 7, "io42:18; C36").unwrap();
    book.save(&path).unwrap();
    let parks = read_parks(&path, &ctx).unwrap();
    assert_eq!(parks[0].land_ha, 12.5);
    assert_eq!(parks[0].capacity, 2);
    assert_eq!(parks[0].data_freshness.to_string(), "2027-03-31");
    assert_eq!(parks[0].focus_industries, ["18", "18"]);
}
