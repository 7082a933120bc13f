//! The advisor's industrialisation stage with the income criterion: the yuan → 2005 USD
//! conversion by hand, Xuzhou 2022 (inputs typed in from data/indicators.csv) no longer
//! scoring post-industrial once its income is counted, and a year without constants
//! leaving income out and saying so.

use tandem_core::advisor::foundation::side;
use tandem_core::advisor::Stage;
use tandem_core::metrics::structure::{gdp_per_capita_usd2005_for_year, usd2005_conversion};
use tandem_core::*;

const XUZHOU_SOURCE: &str = "https://zh.wikipedia.org/zh-tw/江苏各地级市地区生产总值列表";

fn obs(year: i32, indicator: &str, value: f64, unit: Unit) -> Observation {
    Observation {
        locality: "js-xuzhou".into(),
        year,
        indicator: indicator.into(),
        value,
        unit,
        source: Source::new(XUZHOU_SOURCE, SourceQuality::Unrated, "bundled"),
    }
}

/// Xuzhou 2022 as in data/indicators.csv (js-xuzhou rows 2022): value added by sector in
/// 亿元 (primary 9.1 %, secondary 42.5 %, tertiary 48.4 %).
fn xuzhou_structure_2022() -> Vec<Observation> {
    vec![
        obs(2022, "va_primary", 771.89, Unit::HundredMillionYuan),
        obs(2022, "va_secondary", 3593.22, Unit::HundredMillionYuan),
        obs(2022, "va_tertiary", 4092.73, Unit::HundredMillionYuan),
    ]
}

#[test]
fn conversion_of_one_year_by_hand() {
    // 2021: 61,956 yuan / 6.4515 yuan per USD = 9,603.35 USD of 2021;
    // US deflator 2021 vs 2005 = 110.2 / 81.5 = 1.352147; 9,603.35 / 1.352147 = 7,102.29.
    let y = gdp_per_capita_usd2005_for_year(61_956.0, 2021).unwrap();
    assert!((y - 7102.29).abs() < 0.01, "got {y}");
    let c = usd2005_conversion(2021).unwrap();
    assert_eq!(c.cny_per_usd, 6.4515);
    assert_eq!(c.us_deflator_index, 110.2);
    assert_eq!(c.us_deflator_index_2005, 81.5);
}

#[test]
fn xuzhou_is_not_post_industrial_once_income_counts() {
    // Structure alone: primary below 10 % and secondary below tertiary -> post-industrial.
    let structure_only = xuzhou_structure_2022();
    let before = side(&structure_only, "js-xuzhou").stage.unwrap();
    assert_eq!(before.stage, Stage::PostIndustrial);
    assert_eq!(before.score, 100.0);

    let mut data = xuzhou_structure_2022();
    data.push(obs(2022, "gdp_per_capita", 93_731.0, Unit::Yuan));
    let st = side(&data, "js-xuzhou").stage.unwrap();

    // 93,731 / 6.7261 / (117.9 / 81.5) = 9,633.05 2005-USD: late band (5,960-11,170),
    // score 66 + 33 * (9,633.05 - 5,960) / 5,210 = 89.26; composite with the structure's
    // 100 at weights 36 and 22: (36 * 89.26 + 22 * 100) / 58 = 93.34 -> late.
    assert_eq!(st.stage, Stage::Late);
    assert!((st.score - 93.337).abs() < 0.01, "score {}", st.score);
    let income = st
        .criteria
        .iter()
        .find(|c| c.criterion == "gdp_per_capita")
        .expect("income criterion used");
    assert_eq!(income.stage, Stage::Late);
    assert_eq!(income.weight, 36.0);
    assert!((income.score - 89.265).abs() < 0.01);

    // The figure's year and source stay visible, and the note names the constants used.
    let pc = st
        .inputs
        .iter()
        .find(|f| f.value == 93_731.0)
        .expect("per-capita figure among the inputs");
    assert_eq!(pc.year, 2022);
    assert_eq!(pc.source.citation, XUZHOU_SOURCE);
    for needle in [
        "2022",
        "6.7261",
        "117.9",
        "81.5",
        "9633",
        "NIPA Table 1.1.9",
        "central parity",
    ] {
        assert!(
            st.note.en.contains(needle),
            "en note lacks {needle}: {}",
            st.note.en
        );
    }
    assert!(st.note.zh.contains("6.7261") && st.note.zh.contains("117.9"));
}

#[test]
fn year_without_constants_leaves_income_out_and_says_so() {
    let mut data = xuzhou_structure_2022();
    // A per-capita figure of a year with no exchange rate / deflator in the tables.
    data.push(obs(2024, "gdp_per_capita", 99_000.0, Unit::Yuan));
    let st = side(&data, "js-xuzhou").stage.unwrap();
    assert!(st.criteria.iter().all(|c| c.criterion != "gdp_per_capita"));
    assert_eq!(st.stage, Stage::PostIndustrial, "structure alone decides");
    assert!(
        st.note
            .en
            .contains("Per-capita GDP is not used: 2024 has no built-in"),
        "{}",
        st.note.en
    );
    assert!(st.note.zh.contains("2024年没有内置"), "{}", st.note.zh);
    assert!(
        !st.note.en.contains("NIPA"),
        "constants not used, so not cited"
    );
    // The figure is still shown with its year, so the reader sees what was left out.
    assert!(st
        .inputs
        .iter()
        .any(|f| f.year == 2024 && f.value == 99_000.0));

    // 2018 has an exchange rate but no deflator constant: still left out, no borrowing.
    let mut data = xuzhou_structure_2022();
    data.push(obs(2018, "gdp_per_capita", 80_000.0, Unit::Yuan));
    let st = side(&data, "js-xuzhou").stage.unwrap();
    assert!(st.criteria.iter().all(|c| c.criterion != "gdp_per_capita"));
    assert!(
        st.note.en.contains("2018 has no built-in"),
        "{}",
        st.note.en
    );
}
