//! The bundled data set: it parses, it is internally consistent, and it says what the
//! provenance files say.

use std::collections::{BTreeSet, HashSet};
use tandem_core::{
    indicator, Classification, IoTableKind, LocalityLevel, Province, SourceQuality, Unit,
    INDICATORS,
};
use tandem_data::bundled::{
    bundle, Bundle, BOUNDARIES_SIMPLIFIED_GEOJSON, IO_README_MD, SOURCES_MD,
};
use tandem_data::classification::{classifications, concordance, sectors, Classifications};

/// Total gross output of China's 2020 input-output tables, 10,000 yuan (data/io/README.md).
const GROSS_OUTPUT_2020: f64 = 26_990_278_045.0;

#[test]
fn bundle_parses_without_defects() {
    // Bundle::load reports a located error where bundle() would panic.
    let loaded = Bundle::load().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&loaded, bundle());
    Classifications::load().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn indicators_and_yrd41_do_not_conflict() {
    let conflicts = &bundle().conflicts;
    for c in conflicts {
        eprintln!(
            "{} {} {}: {} {} in {} vs {} {} in {}",
            c.kept.locality,
            c.kept.year,
            c.kept.indicator,
            c.kept.value,
            c.kept.unit,
            c.kept_file,
            c.other.value,
            c.other.unit,
            c.other_file
        );
    }
    assert!(conflicts.is_empty(), "{} conflicting keys", conflicts.len());
    // yrd41.csv repeats indicators.csv rows: the union is smaller than the two files.
    let rows = |text: &str| text.lines().filter(|l| !l.trim().is_empty()).count() - 1;
    let total = rows(tandem_data::bundled::INDICATORS_CSV) + rows(tandem_data::bundled::YRD41_CSV);
    let keys: HashSet<_> = bundle().observations.iter().map(|o| o.key()).collect();
    assert_eq!(
        keys.len(),
        bundle().observations.len(),
        "one observation per key"
    );
    assert!(keys.len() < total, "{} keys from {total} rows", keys.len());
}

#[test]
fn programme_has_sixteen_localities_in_eight_pairs() {
    let b = bundle();
    assert_eq!(b.programme.id, "yrd-north-anhui-2021");
    assert!(b
        .programme
        .name
        .contains("沪苏浙城市结对合作帮扶皖北城市实施方案"));
    assert_eq!((b.programme.start_year, b.programme.end_year), (2021, 2030));
    assert_eq!(b.programme.pairs.len(), 8);
    let locals = b.programme_localities();
    assert_eq!(locals.len(), 16);
    let ids: BTreeSet<&str> = locals.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids.len(), 16, "no locality in two pairs");
    let in_file: BTreeSet<&str> = tandem_data::bundled::LOCALITIES_CSV
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .filter(|id| !id.is_empty())
        .collect();
    assert_eq!(
        ids, in_file,
        "the programme localities are those of localities.csv"
    );
    for pair in &b.programme.pairs {
        assert!(pair.sub_pairs.is_empty());
        assert_eq!((pair.start_year, pair.end_year), (2021, 2030));
        assert!(!pair.source.is_empty());
        let helper = b
            .locality(&pair.helper)
            .unwrap_or_else(|| panic!("{}", pair.helper));
        let helped = b
            .locality(&pair.helped)
            .unwrap_or_else(|| panic!("{}", pair.helped));
        assert!(
            matches!(
                helper.province,
                Province::Shanghai | Province::Jiangsu | Province::Zhejiang
            ),
            "{}: helper in {:?}",
            pair.id,
            helper.province
        );
        assert_eq!(helped.province, Province::Anhui, "{}", pair.id);
        assert_eq!(helped.level, LocalityLevel::Prefecture);
        assert_eq!(
            b.programme.pair_of(&helped.id).map(|p| p.id.as_str()),
            Some(pair.id.as_str())
        );
    }
    let helpers_by_province = |p: Province| {
        b.programme
            .pairs
            .iter()
            .filter(|pair| b.locality(&pair.helper).unwrap().province == p)
            .count()
    };
    assert_eq!(helpers_by_province(Province::Shanghai), 3);
    assert_eq!(helpers_by_province(Province::Jiangsu), 3);
    assert_eq!(helpers_by_province(Province::Zhejiang), 2);
}

#[test]
fn the_two_suzhous_are_different_places() {
    let b = bundle();
    let js = b.locality("js-suzhou").unwrap();
    let ah = b.locality("ah-suzhou").unwrap();
    assert_eq!(js.adcode, Some(320500));
    assert_eq!(ah.adcode, Some(341300));
    assert_eq!(
        (js.name_zh.as_str(), ah.name_zh.as_str()),
        ("苏州市", "宿州市")
    );
    assert_eq!(js.province, Province::Jiangsu);
    assert_eq!(ah.province, Province::Anhui);
}

#[test]
fn localities_are_the_union_plus_reference_aggregates() {
    let b = bundle();
    let ids: HashSet<&str> = b.localities.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids.len(), b.localities.len(), "ids are unique");
    // 16 paired + 41 YRD cities, 13 of them in both files, + the 301 other units of the city
    // panel (344 codes, 43 of them already known) + 5 reference aggregates.
    assert_eq!(b.localities.len(), 16 + 41 - 13 + 301 + 5);
    for (id, level) in [
        ("ah-anhui", LocalityLevel::Province),
        ("js-jiangsu", LocalityLevel::Province),
        ("zj-zhejiang", LocalityLevel::Province),
        ("yrd", LocalityLevel::Aggregate),
        ("ah-north", LocalityLevel::Aggregate),
        ("sh-shanghai", LocalityLevel::ProvinceLevelCity),
    ] {
        let l = b.locality(id).unwrap_or_else(|| panic!("{id}"));
        assert_eq!(l.level, level, "{id}");
        assert!(!l.name_zh.is_empty() && !l.name_en.is_empty(), "{id}");
        assert!(
            l.short_name_zh().chars().count() >= 2,
            "{id}: {}",
            l.short_name_zh()
        );
    }
    // A place in both files is described the same way in both.
    let yrd41 = tandem_data::bundled::parse_localities(
        tandem_data::bundled::YRD41_LOCALITIES_CSV,
        "data/yrd41_localities.csv",
    )
    .unwrap();
    assert_eq!(yrd41.len(), 41);
    for l in &yrd41 {
        assert_eq!(
            b.locality(&l.id),
            Some(l),
            "{} differs between the two files",
            l.id
        );
    }
    for l in &b.localities {
        if let Some(code) = l.adcode {
            assert!((110000..=829999).contains(&code), "{}: adcode {code}", l.id);
        }
    }
}

#[test]
fn every_observation_is_sourced_and_in_its_indicators_unit() {
    let b = bundle();
    assert!(b.observations.len() > 300);
    for o in &b.observations {
        assert!(!o.source.citation.trim().is_empty(), "{:?}", o.key());
        assert_eq!(o.source.dataset, "bundled");
        assert!(
            b.locality(&o.locality).is_some(),
            "unknown locality {}",
            o.locality
        );
        let ind = INDICATORS
            .iter()
            .find(|i| i.id == o.indicator)
            .unwrap_or_else(|| panic!("unknown indicator {}", o.indicator));
        assert_eq!(
            o.unit.dimension(),
            ind.unit.dimension(),
            "{:?} in {}",
            o.key(),
            o.unit
        );
        assert!(o.value.is_finite());
        if ind.non_negative {
            assert!(o.value >= 0.0, "{:?} = {}", o.key(), o.value);
        }
        if let Some(max) = ind.max {
            let v = tandem_core::Quantity::new(o.value, o.unit)
                .convert_to(ind.unit)
                .unwrap();
            assert!(v.value <= max, "{:?} = {} > {max}", o.key(), v.value);
        }
    }
    // Per-capita figures labelled "yuan" in the files are yuan per person.
    let per_capita: Vec<_> = b
        .observations
        .iter()
        .filter(|o| o.indicator == "gdp_per_capita")
        .collect();
    assert!(!per_capita.is_empty());
    assert!(per_capita.iter().all(|o| o.unit == Unit::YuanPerPerson));
    for a in &b.alternates {
        assert!(!a.observation.source.citation.is_empty());
        assert!(indicator(&a.observation.indicator).is_some());
    }
}

#[test]
fn source_quality_comes_from_the_chosen_alternate() {
    let b = bundle();
    // data/indicators_alternates.csv: Anhui 2019 GDP 37114 (chosen, rank 5) beside the
    // revised 36845.49 (rank 6, not chosen).
    let gdp = b
        .observations_for("ah-anhui", "gdp")
        .into_iter()
        .find(|o| o.year == 2019)
        .unwrap();
    assert_eq!(gdp.value, 37114.0);
    assert_eq!(gdp.source.quality, SourceQuality::Rank(5));
    let rejected = b
        .alternates
        .iter()
        .find(|a| !a.chosen && a.observation.key() == gdp.key())
        .unwrap();
    assert_eq!(rejected.observation.value, 36845.49);
    assert_eq!(rejected.observation.source.quality, SourceQuality::Rank(6));
    let rated = b
        .observations
        .iter()
        .filter(|o| o.source.quality != SourceQuality::Unrated)
        .count();
    assert!(
        rated * 10 > b.observations.len() * 9,
        "{rated} of {} rated",
        b.observations.len()
    );
}

#[test]
fn observations_for_and_latest() {
    let b = bundle();
    let series = b.observations_for("js-suzhou", "gdp");
    assert!(series.len() >= 4, "{}", series.len());
    assert!(series.windows(2).all(|w| w[0].year < w[1].year));
    let latest = b.latest("js-suzhou", "gdp").unwrap();
    assert_eq!(latest, *series.last().unwrap());
    assert!(b.latest("js-suzhou", "rd_intensity").is_none());
    assert!(b.observations_for("nowhere", "gdp").is_empty());
}

#[test]
fn the_four_io_tables_balance() {
    let b = bundle();
    let expected = [
        (2017, Classification::Io42, IoTableKind::NonCompetitive, 42),
        (2018, Classification::Io42, IoTableKind::NonCompetitive, 42),
        (2020, Classification::Io42, IoTableKind::NonCompetitive, 42),
        (2020, Classification::Io153, IoTableKind::Competitive, 153),
    ];
    assert_eq!(b.io_tables.len(), expected.len());
    for (year, c, kind, n) in expected {
        let t = b.io_table(year, &c).unwrap_or_else(|| panic!("{year} {c}"));
        assert_eq!((t.kind, t.n()), (kind, n), "{year} {c}");
        t.check_balance(1e-9)
            .unwrap_or_else(|e| panic!("{year} {c}: {e}"));
        assert!(t.source.contains("National Bureau of Statistics"));
        let va: Vec<&str> = t.value_added.iter().map(|v| v.code.as_str()).collect();
        assert_eq!(va, ["VA001", "VA002", "VA003", "VA004", "TVA"]);
    }
    assert!(b.io_table(2019, &Classification::Io42).is_none());
}

#[test]
fn the_2020_tables_agree_on_gross_output() {
    let b = bundle();
    let t42 = b.io_table(2020, &Classification::Io42).unwrap();
    let t153 = b.io_table(2020, &Classification::Io153).unwrap();
    // Non-competitive: the domestic rows' GO is the economy's output (the TI row total);
    // competitive: GO is domestic output too, imports being a separate column.
    let go42: f64 = t42.gross_output.iter().sum();
    let go153: f64 = t153.gross_output.iter().sum();
    assert!((go42 - GROSS_OUTPUT_2020).abs() < 1.0, "{go42}");
    assert!((go153 - GROSS_OUTPUT_2020).abs() < 1.0, "{go153}");
    // Total imports agree as well: the 42 table's imports rows vs the 153 table's IM column.
    let imports153: f64 = t153.imports.as_ref().unwrap().iter().sum();
    let n = t42.n();
    let z_im: f64 = t42.intermediate_imports.as_ref().unwrap().iter().sum();
    let tfu_im = t42
        .final_use_imports
        .as_ref()
        .unwrap()
        .iter()
        .find(|c| c.code == "TFU")
        .unwrap();
    let imports42 = z_im + tfu_im.values.iter().sum::<f64>();
    assert!(
        (imports42 - imports153).abs() / imports153 < 1e-9,
        "{imports42} vs {imports153}"
    );
    assert_eq!(n, 42);
}

#[test]
fn io153_concordance_aggregates_gross_output() {
    let b = bundle();
    let t42 = b.io_table(2020, &Classification::Io42).unwrap();
    let t153 = b.io_table(2020, &Classification::Io153).unwrap();
    let c = concordance(&Classification::Io153, &Classification::Io42).unwrap();
    for (i, s) in t42.sectors.iter().enumerate() {
        let parts = c.sources(&s.code);
        assert!(!parts.is_empty(), "IO-42 {} has no IO-153 product", s.code);
        let sum: f64 = parts
            .iter()
            .map(|p| {
                let k = t153.sectors.iter().position(|x| x.code == *p).unwrap();
                t153.gross_output[k]
            })
            .sum();
        let go = t42.gross_output[i];
        assert!(
            (sum - go).abs() / go < 1e-9,
            "{} {}: {sum} vs {go}",
            s.code,
            s.name_zh
        );
    }
    // Each product in exactly one sector, and the products nest in code order.
    let mut last = String::new();
    for s in &t153.sectors {
        let targets = c.targets(&s.code);
        assert_eq!(targets.len(), 1, "{}", s.code);
        assert!(targets[0] >= last.as_str(), "{} breaks the order", s.code);
        last = targets[0].to_string();
    }
}

#[test]
fn events_reference_pairs() {
    let b = bundle();
    assert_eq!(b.events.len(), 36);
    for e in &b.events {
        if let Some(p) = &e.pair {
            assert!(
                b.programme.pair(p).is_some(),
                "event {:?}: unknown pair {p}",
                e.title
            );
        }
        assert!(!e.source.is_empty());
        assert!(e.amount_yuan.is_none_or(|a| a > 0.0));
        assert!(e.industries.iter().all(|i| !i.is_empty() && i.trim() == i));
    }
    assert!(b.events.iter().any(|e| e.pair.is_none()));
    assert!(b.events.iter().any(|e| e.date.is_none()));
    assert!(b
        .events
        .iter()
        .any(|e| e.date.is_some_and(|d| d.month.is_some() && d.day.is_none())));
}

#[test]
fn leading_industries_reference_localities_and_io42() {
    let b = bundle();
    assert_eq!(b.leading_industries.len(), 205);
    let io42: HashSet<String> = sectors(&Classification::Io42)
        .into_iter()
        .map(|s| s.code)
        .collect();
    for li in &b.leading_industries {
        assert!(b.locality(&li.locality).is_some(), "{}", li.locality);
        if let Some(code) = &li.io42_code {
            assert!(io42.contains(code), "{}: {code}", li.industry_zh);
        }
        if let Some(p) = &li.pair {
            let pair = b.programme.pair(p).unwrap_or_else(|| panic!("{p}"));
            // By convention a cooperation focus is recorded on the helped city.
            assert_eq!(pair.helped, li.locality, "{}", li.industry_zh);
        }
        assert!(!li.source.is_empty());
        // CRLF line ends must not leak into the last column.
        assert!(!li.source.ends_with('\r'));
    }
}

#[test]
fn io_code_lists_match_across_tables() {
    let b = bundle();
    let io42 = sectors(&Classification::Io42);
    assert_eq!(io42.len(), 42);
    assert_eq!(io42[5].code, "06");
    assert_eq!(io42[5].name_zh, "食品和烟草");
    for year in [2017, 2018] {
        let t = b.io_table(year, &Classification::Io42).unwrap();
        assert_eq!(t.sectors, io42, "{year}");
    }
    let io153 = sectors(&Classification::Io153);
    assert_eq!(io153.len(), 153);
    assert_eq!(
        (io153[0].code.as_str(), io153[152].code.as_str()),
        ("001", "153")
    );
    assert!(sectors(&Classification::Custom("mine".into())).is_empty());
}

#[test]
fn gbt4754_has_20_sections_and_97_divisions() {
    let sections = sectors(&Classification::Gbt4754Section);
    let codes: String = sections.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, "ABCDEFGHIJKLMNOPQRST");
    let divisions = sectors(&Classification::Gbt4754Division);
    // GB/T 4754-2017 numbers its divisions 01-97 without gaps.
    let expected: Vec<String> = (1..=97).map(|d| format!("{d:02}")).collect();
    let got: Vec<String> = divisions.iter().map(|d| d.code.clone()).collect();
    assert_eq!(got, expected);
    let to_section = concordance(
        &Classification::Gbt4754Division,
        &Classification::Gbt4754Section,
    )
    .unwrap();
    for d in &divisions {
        assert_eq!(to_section.targets(&d.code).len(), 1, "{}", d.code);
        assert!(!d.name_zh.is_empty() && !d.name_en.is_empty());
    }
    // Sections take contiguous runs of divisions, in order.
    let order: Vec<&str> = divisions
        .iter()
        .map(|d| to_section.targets(&d.code)[0])
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(to_section.sources("C").len(), 31, "manufacturing is 13-43");
    assert_eq!(to_section.sources("N"), ["76", "77", "78", "79"]);
    assert_eq!(to_section.sources("T"), ["97"]);
}

#[test]
fn division_concordance_covers_every_division_and_sector() {
    let c = concordance(&Classification::Gbt4754Division, &Classification::Io42).unwrap();
    for d in sectors(&Classification::Gbt4754Division) {
        assert_eq!(
            c.targets(&d.code).len(),
            1,
            "division {} must map to one IO-42 sector",
            d.code
        );
    }
    for s in sectors(&Classification::Io42) {
        assert!(
            !c.sources(&s.code).is_empty(),
            "IO-42 {} {} has no division",
            s.code,
            s.name_zh
        );
    }
    // The cases named in the brief and in data/classifications/README.md.
    assert_eq!(c.sources("06"), ["13", "14", "15", "16"]);
    assert_eq!(c.sources("18"), ["36", "37"]);
    assert_eq!(c.targets("38"), ["19"]);
    assert_eq!(c.targets("39"), ["20"]);
    assert_eq!(c.targets("11"), ["05"]);
    assert_eq!(c.targets("97"), ["42"]);
    // Derived directions.
    let back = concordance(&Classification::Io42, &Classification::Gbt4754Division).unwrap();
    assert_eq!(back.targets("18"), ["36", "37"]);
    let sec = concordance(&Classification::Gbt4754Section, &Classification::Io42).unwrap();
    assert_eq!(sec.targets("A"), ["01"]);
    assert_eq!(
        sec.targets("C").len(),
        18,
        "manufacturing spans IO-42 06-23"
    );
    let id = concordance(&Classification::Io42, &Classification::Io42).unwrap();
    assert_eq!(id.links().len(), 42);
    assert!(concordance(&Classification::Io153, &Classification::Gbt4754Division).is_none());
    assert!(classifications().division_io42.links().len() == 97);
}

#[test]
fn provenance_texts_are_bundled() {
    assert!(SOURCES_MD.contains("Selection rule when sources disagree"));
    assert!(IO_README_MD.contains("26,990,278,045"));
    assert!(tandem_data::classification::README_MD.contains("compiled by the tandem project"));
    let geo: serde_json::Value = serde_json::from_str(BOUNDARIES_SIMPLIFIED_GEOJSON).unwrap();
    assert_eq!(geo["type"], "FeatureCollection");
    let ids: HashSet<&str> = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["properties"]["id"].as_str())
        .collect();
    for l in bundle().programme_localities() {
        assert!(ids.contains(l.id.as_str()), "no outline for {}", l.id);
    }
}

/// The three bundled values every city-panel source contradicted (the panel's
/// crosscheck_project.csv) are fixed, and the old values stay as alternates, not chosen.
#[test]
fn values_contradicted_by_every_panel_source_are_fixed() {
    let b = bundle();
    for (locality, year, fixed, old) in [
        ("ah-anqing", 2023, 2878.3, 2467.0),
        ("ah-huainan", 2020, 1337.2, 1350.0),
        ("zj-ningbo", 2023, 16452.8, 17146.6),
    ] {
        let chosen = b
            .observations
            .iter()
            .find(|o| o.locality == locality && o.year == year && o.indicator == "gdp")
            .unwrap_or_else(|| panic!("{locality} {year}"));
        assert_eq!(chosen.value, fixed, "{locality} {year}");
        let kept = b.alternates.iter().find(|a| {
            a.observation.locality == locality
                && a.observation.year == year
                && a.observation.value == old
        });
        assert!(
            kept.is_some_and(|a| !a.chosen && a.note.contains("not chosen")),
            "{locality} {year}"
        );
    }
}
