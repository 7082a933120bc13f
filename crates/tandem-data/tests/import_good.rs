//! Imports of valid files in every layout, encoding and format.

mod import_support;

use import_support::*;
use std::path::PathBuf;
use tandem_core::{IoTableKind, SourceQuality, Unit};
use tandem_data::encoding::Encoding;
use tandem_data::import::{
    import_bytes, import_files, import_many, read_panel, read_panel_bytes, ImportOptions, Layout,
    PanelOptions,
};

fn value(batch: &tandem_data::import::ImportBatch, loc: &str, year: i32, ind: &str) -> f64 {
    let hits: Vec<_> = batch
        .observations
        .iter()
        .filter(|o| o.locality == loc && o.year == year && o.indicator == ind)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "{loc} {year} {ind}: {:?}",
        batch.observations
    );
    hits[0].value
}

#[test]
fn long_csv_resolves_names_and_keeps_sources() {
    let locs = localities();
    let path = fixtures().join("long_good.csv");
    let opts = ImportOptions {
        dataset: "mine".into(),
        ..ImportOptions::default()
    };
    let batch = import_files(&[path], &opts, &locs).unwrap();
    assert_eq!(batch.observations.len(), 8);
    assert_eq!(batch.files[0].layout, Layout::Long);
    assert_eq!(batch.files[0].encoding, Some(Encoding::Utf8));
    // 宿州 / 宿州市 / 341300 are all Anhui's Suzhou; 苏州 is Jiangsu's.
    assert_eq!(value(&batch, "ah-suzhou", 2021, "va_primary"), 325.8);
    assert_eq!(value(&batch, "ah-suzhou", 2021, "va_tertiary"), 1066.6);
    assert_eq!(
        value(&batch, "js-suzhou", 2021, "population_resident"),
        1284.78
    );
    assert_eq!(value(&batch, "ah-luan", 2022, "gdp_per_capita"), 43000.0);
    let pc = batch
        .observations
        .iter()
        .find(|o| o.locality == "ah-luan")
        .unwrap();
    // "yuan" under a per-capita indicator means yuan per person.
    assert_eq!(pc.unit, Unit::YuanPerPerson);
    assert_eq!(pc.source.quality, SourceQuality::Rank(3));
    assert_eq!(pc.source.dataset, "mine");
    assert_eq!(pc.source.citation, "https://example.org/luan-2022");
    let bengbu = batch
        .observations
        .iter()
        .find(|o| o.locality == "ah-bengbu")
        .unwrap();
    assert_eq!(bengbu.source.quality, SourceQuality::Unrated);
}

const WIDE: &str = "\
地区,地区生产总值(亿元),第一产业增加值（亿元）,第二产业增加值（亿元）,第三产业增加值（亿元）,常住人口（万人）,城镇化率(%)
宿州市,2167.7,325.8,775.3,1066.6,532.4,-
蚌埠,2115.1,269.4,700.4,1145.3,329.6,62.1
Huaibei,1223.0,,,,197.0,66.5
";

#[test]
fn wide_yearbook_csv_with_units_in_the_header() {
    let locs = localities();
    let opts = ImportOptions {
        year: Some(2021),
        ..opts_with_source()
    };
    let batch = import_bytes("yearbook_2021.csv", WIDE.as_bytes(), &opts, &locs).unwrap();
    assert_eq!(batch.files[0].layout, Layout::Wide);
    assert_eq!(batch.observations.len(), 3 * 6 - 4);
    assert_eq!(value(&batch, "ah-bengbu", 2021, "va_tertiary"), 1145.3);
    assert_eq!(
        value(&batch, "ah-huaibei", 2021, "population_resident"),
        197.0
    );
    assert_eq!(
        value(&batch, "ah-suzhou", 2021, "population_resident"),
        532.4
    );
    // "-" and the empty cells are absent, not zero, and counted.
    assert_eq!(batch.files[0].missing_cells, 4);
    assert!(batch
        .observations
        .iter()
        .all(|o| !(o.locality == "ah-huaibei" && o.indicator == "va_primary")));
    assert!(
        batch
            .notes
            .iter()
            .any(|n| n.contains("4 missing cells skipped")),
        "{:?}",
        batch.notes
    );
    assert!(batch
        .observations
        .iter()
        .all(|o| o.source.citation == "test fixture"));
}

#[test]
fn wide_headers_carry_year_and_unit_and_other_units_are_converted() {
    let locs = localities();
    let text = "\
locality,GDP 2022 (100m_yuan),GDP 2021 (万元),Resident population 2022 (persons)
Bozhou,2142.8,19724000,4975000
Fuyang,3233.3,30730000,8147000
";
    let batch = import_bytes("wide.csv", text.as_bytes(), &opts_with_source(), &locs).unwrap();
    assert_eq!(value(&batch, "ah-bozhou", 2022, "gdp"), 2142.8);
    // 19,724,000 万元 = 1,972.4 亿元, converted explicitly and recorded.
    assert!((value(&batch, "ah-bozhou", 2021, "gdp") - 1972.4).abs() < 1e-9);
    assert!((value(&batch, "ah-fuyang", 2022, "population_resident") - 814.7).abs() < 1e-9);
    for o in &batch.observations {
        assert_eq!(o.unit, tandem_core::indicator(&o.indicator).unwrap().unit);
    }
    let conversions: Vec<&String> = batch
        .notes
        .iter()
        .filter(|n| n.contains("converted"))
        .collect();
    assert_eq!(conversions.len(), 2, "{:?}", batch.notes);
    assert!(conversions
        .iter()
        .any(|n| n.contains("2 values of GDP 2021 (万元) converted from 10k_yuan to 100m_yuan")));
}

#[test]
fn wide_cells_with_unit_suffixes_and_a_year_column() {
    let locs = localities();
    let text = "\
城市,年份,地区生产总值,来源
淮南市,2021,1457.1亿元,https://example.org/huainan
淮南市,2022,1539.7亿元,https://example.org/huainan
";
    let batch = import_bytes("w.csv", text.as_bytes(), &ImportOptions::default(), &locs).unwrap();
    assert_eq!(value(&batch, "ah-huainan", 2022, "gdp"), 1539.7);
    assert_eq!(
        batch.observations[0].source.citation,
        "https://example.org/huainan"
    );
}

#[test]
fn gbk_file_is_detected() {
    let locs = localities();
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(WIDE);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the test needs non-UTF-8 bytes"
    );
    let opts = ImportOptions {
        year: Some(2021),
        ..opts_with_source()
    };
    let batch = import_bytes("gbk.csv", &bytes, &opts, &locs).unwrap();
    assert_eq!(batch.files[0].encoding, Some(Encoding::Gb18030));
    assert_eq!(value(&batch, "ah-suzhou", 2021, "gdp"), 2167.7);
    // An explicit choice works too.
    let forced = ImportOptions {
        encoding: Some(Encoding::Gb18030),
        ..opts
    };
    assert_eq!(
        import_bytes("gbk.csv", &bytes, &forced, &locs)
            .unwrap()
            .observations
            .len(),
        14
    );
}

/// A yearbook-style workbook: a title row, the header in row 2, a footnote, and the data
/// on a named second sheet.
pub fn yearbook_xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let cover = book.add_worksheet();
    cover.set_name("说明").unwrap();
    cover.write_string(0, 0, "cover sheet").unwrap();
    let s = book.add_worksheet();
    s.set_name("表3-1").unwrap();
    s.write_string(0, 0, "表3-1 各市主要经济指标（2022年）")
        .unwrap();
    let header = ["地区", "地区生产总值(亿元)", "常住人口(万人)", "资料来源"];
    for (c, h) in header.iter().enumerate() {
        s.write_string(1, c as u16, *h).unwrap();
    }
    s.write_string(2, 0, "滁州市").unwrap();
    s.write_number(2, 1, 3610.0).unwrap();
    s.write_number(2, 2, 398.7).unwrap();
    s.write_string(2, 3, "滁州市2022年统计公报").unwrap();
    s.write_string(3, 0, "Bengbu").unwrap();
    s.write_number(3, 1, 2279.4).unwrap();
    s.write_string(3, 2, "…").unwrap();
    s.write_string(3, 3, "蚌埠市2022年统计公报").unwrap();
    s.write_string(4, 0, "注：本表按当年价格计算。").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn xlsx_yearbook_sheet() {
    let locs = localities();
    let bytes = yearbook_xlsx();
    let opts = ImportOptions {
        sheet: Some("表3-1".into()),
        year: Some(2022),
        ..ImportOptions::default()
    };
    let batch = import_bytes("yearbook.xlsx", &bytes, &opts, &locs).unwrap();
    assert_eq!(batch.files[0].sheet.as_deref(), Some("表3-1"));
    assert_eq!(batch.files[0].encoding, None);
    assert_eq!(batch.observations.len(), 3);
    assert_eq!(value(&batch, "ah-chuzhou", 2022, "gdp"), 3610.0);
    assert_eq!(
        value(&batch, "ah-chuzhou", 2022, "population_resident"),
        398.7
    );
    assert_eq!(batch.files[0].missing_cells, 1);
    let bengbu = batch
        .observations
        .iter()
        .find(|o| o.locality == "ah-bengbu")
        .unwrap();
    assert_eq!(bengbu.source.citation, "蚌埠市2022年统计公报");
    assert!(
        batch.notes.iter().any(|n| n.contains("footnote")),
        "{:?}",
        batch.notes
    );
    assert!(
        batch.notes.iter().any(|n| n.contains("title row")),
        "{:?}",
        batch.notes
    );
}

#[test]
fn io_table_fixture_and_real_table() {
    let locs = localities();
    let opts = ImportOptions {
        source: Some("NBS input-output table".into()),
        ..ImportOptions::default()
    };
    let batch = import_files(&[fixtures().join("io_small_2020.csv")], &opts, &locs).unwrap();
    assert_eq!(batch.files[0].layout, Layout::IoTable);
    let t = &batch.io_tables[0];
    assert_eq!((t.year, t.n(), t.kind), (2020, 2, IoTableKind::Competitive));
    assert_eq!(t.gross_output, vec![100.0, 150.0]);
    assert_eq!(t.source, "NBS input-output table");
    assert!(batch.observations.is_empty());

    let real: PathBuf = data_dir().join("io/china_2020_42.csv");
    let batch = import_files(&[real], &opts, &locs).unwrap();
    let t = &batch.io_tables[0];
    assert_eq!(
        (t.year, t.n(), t.kind),
        (2020, 42, IoTableKind::NonCompetitive)
    );
}

#[test]
fn io_table_from_a_spreadsheet_with_year_option() {
    let locs = localities();
    let text = std::fs::read_to_string(fixtures().join("io_small_2020.csv")).unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    for (r, line) in text.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            match cell.parse::<f64>() {
                Ok(v) if r > 0 && c >= 3 => s.write_number(r as u32, c as u16, v).unwrap(),
                _ => s.write_string(r as u32, c as u16, cell).unwrap(),
            };
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let opts = ImportOptions {
        source: Some("hand-made".into()),
        year: Some(2018),
        layout: Some(Layout::IoTable),
        ..ImportOptions::default()
    };
    let batch = import_bytes("table.xlsx", &bytes, &opts, &locs).unwrap();
    assert_eq!(batch.io_tables[0].year, 2018);
    assert_eq!(
        batch.io_tables[0].intermediate,
        vec![12.0, 18.0, 25.0, 45.0]
    );
}

#[test]
fn same_value_repeats_across_files_are_dropped_not_errors() {
    let locs = localities();
    let a = "locality_id,year,indicator,value,unit\nah-fuyang,2021,gdp,3071.5,100m_yuan\n";
    let b = "locality,year,indicator,value,unit\n阜阳,2021,gdp,30715000,万元\nah-fuyang,2022,gdp,3233.3,亿元\n";
    let batch = import_many(
        &[("a.csv", a.as_bytes()), ("b.csv", b.as_bytes())],
        &opts_with_source(),
        &locs,
    )
    .unwrap();
    assert_eq!(batch.observations.len(), 2);
    assert_eq!(batch.files[1].duplicates_dropped, 1);
    assert_eq!(batch.files[1].observations, 1);
}

#[test]
fn the_projects_own_indicator_file_imports() {
    // data/indicators.csv also names aggregates (ah-north, yrd...), which the bundled
    // localities include.
    let locs = &tandem_data::bundled::bundle().localities;
    let batch = import_files(
        &[data_dir().join("indicators.csv")],
        &ImportOptions::default(),
        locs,
    )
    .unwrap_or_else(|r| panic!("{r}"));
    let rows = std::fs::read_to_string(data_dir().join("indicators.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(batch.observations.len(), rows);
}

#[test]
fn panels_read_from_csv_and_xlsx() {
    let text = "region,industry,year,value\nA,x,2020,10\nA,y,2020,5\nB,x,2020,\nB,y,2020,7.5\nC,x,2020,-\n";
    let p = read_panel_bytes("p.csv", text.as_bytes(), &PanelOptions::default()).unwrap();
    assert_eq!(p.regions(), ["A", "B", "C"]);
    assert_eq!(p.value("A", "y", 2020), Some(5.0));
    // Empty value = absent; region C exists with only absent cells.
    assert_eq!(p.value("B", "x", 2020), None);
    assert_eq!(p.filled(), 3);
    assert_eq!(p.len(), 6);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("panel.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    for (c, h) in ["region", "industry", "year", "value"].iter().enumerate() {
        s.write_string(0, c as u16, *h).unwrap();
    }
    s.write_string(1, 0, "A").unwrap();
    s.write_string(1, 1, "x").unwrap();
    s.write_number(1, 2, 2021).unwrap();
    s.write_number(1, 3, 3.25).unwrap();
    book.save(&path).unwrap();
    let opts = PanelOptions {
        measure: "employment".into(),
        ..PanelOptions::default()
    };
    let p = read_panel(&path, &opts).unwrap();
    assert_eq!(p.measure(), "employment");
    assert_eq!(p.value("A", "x", 2021), Some(3.25));
}

#[test]
fn utf8_bom_and_tab_separated_text() {
    let locs = localities();
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(
        "locality\tyear\tindicator\tvalue\tunit\n淮北\t2021\tgdp\t1223\t亿元\n".as_bytes(),
    );
    let batch = import_bytes("bom.tsv", &bytes, &opts_with_source(), &locs).unwrap();
    assert_eq!(batch.files[0].layout, Layout::Long);
    assert_eq!(value(&batch, "ah-huaibei", 2021, "gdp"), 1223.0);
}
