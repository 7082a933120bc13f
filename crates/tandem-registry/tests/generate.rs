//! The synthetic registry: determinism, firm counts following GDP, the planted effect, bounds.

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use std::collections::BTreeMap;
use std::path::Path;
use tandem_registry::schema::TABLES;
use tandem_registry::{generate, Effect, Manifest, Options, Params, RegistryError};

fn run(firms: u64, seed: u64, effects: &[&str], dir: &Path) -> Manifest {
    let opts = Options {
        firms,
        seed,
        effects: effects.iter().map(|e| Effect::parse(e).unwrap()).collect(),
        params: Params::default(),
    };
    generate(&opts, dir, &mut |_, _, _| {}).unwrap()
}

/// Column names and rows of a Parquet file.
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

fn text(f: &Field) -> &str {
    match f {
        Field::Str(s) => s,
        other => panic!("not text: {other:?}"),
    }
}

fn int(f: &Field) -> i64 {
    match f {
        Field::Long(i) => *i,
        Field::Int(i) => i64::from(*i),
        Field::Date(d) => i64::from(*d),
        other => panic!("not an integer: {other:?}"),
    }
}

#[test]
fn same_seed_gives_identical_files_and_another_seed_different_ones() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    run(5_000, 42, &["pair-xuzhou-huaibei:2022:3"], a.path());
    run(5_000, 42, &["pair-xuzhou-huaibei:2022:3"], b.path());
    run(5_000, 43, &["pair-xuzhou-huaibei:2022:3"], c.path());
    for file in TABLES.iter().map(|(f, _)| *f).chain(["manifest.json"]) {
        let bytes = |d: &Path| std::fs::read(d.join(file)).unwrap();
        assert_eq!(
            bytes(a.path()),
            bytes(b.path()),
            "{file} differs for the same seed"
        );
        if file != "manifest.json" {
            assert_ne!(
                bytes(a.path()),
                bytes(c.path()),
                "{file} equal for another seed"
            );
        }
    }
}

#[test]
fn files_have_the_documented_columns_and_the_manifest_counts() {
    let dir = tempfile::tempdir().unwrap();
    let m = run(20_000, 7, &[], dir.path());
    let counts = [
        m.counts.firms,
        m.counts.establishments,
        m.counts.links,
        m.counts.address_changes,
    ];
    for ((file, columns), count) in TABLES.iter().zip(counts) {
        let (names, rows) = read(&dir.path().join(file));
        let expected: Vec<&str> = columns.iter().map(|c| c.name).collect();
        assert_eq!(names, expected, "{file}");
        assert_eq!(rows.len() as u64, count, "{file}");
        assert!(count > 0, "{file} is empty");
    }
    assert_eq!(m.counts.firms, 20_000);
    let (_, firms) = read(&dir.path().join("firms.parquet"));
    for f in &firms {
        let industry = text(&f[5]);
        assert_eq!(industry.len(), 4);
        assert_eq!(&industry[..2], text(&f[6]), "class inside its division");
        assert_eq!(&industry[2..3], "0", "synthetic class marker");
        assert!(matches!(f[2], Field::Null), "no county code is invented");
        if let Field::Date(closed) = f[8] {
            assert!(i64::from(closed) > int(&f[7]), "closed after founded");
        }
        assert!(int(&f[9]) >= 1, "capital in whole yuan");
    }
    let closed = firms
        .iter()
        .filter(|f| !matches!(f[8], Field::Null))
        .count();
    assert!(
        (0.3..0.8).contains(&(closed as f64 / 20_000.0)),
        "closed share {closed}"
    );
    let json = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["synthetic"], true);
    assert_eq!(v["seed"], 7);
    assert!(v["industry_codes"].as_str().unwrap().contains("synthetic"));
}

/// Spearman's rank correlation (average ranks for ties).
fn spearman(x: &[f64], y: &[f64]) -> f64 {
    fn ranks(v: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut r = vec![0.0; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
                j += 1;
            }
            for &k in &idx[i..=j] {
                r[k] = (i + j) as f64 / 2.0;
            }
            i = j + 1;
        }
        r
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

#[test]
fn firm_counts_by_city_follow_gdp() {
    let dir = tempfile::tempdir().unwrap();
    run(300_000, 11, &[], dir.path());
    let path = dir.path().join("firms.parquet");
    let groups = SerializedFileReader::new(std::fs::File::open(&path).unwrap())
        .unwrap()
        .metadata()
        .num_row_groups();
    let expected = 300_000usize.div_ceil(tandem_registry::table::ROW_GROUP_ROWS);
    assert_eq!(groups, expected, "written a row group at a time");
    let (_, firms) = read(&path);
    let mut per_city: BTreeMap<String, f64> = BTreeMap::new();
    for f in &firms {
        *per_city.entry(text(&f[3]).to_string()).or_default() += 1.0;
    }
    let cities = tandem_registry::cities::cities();
    let (gdp, count): (Vec<f64>, Vec<f64>) = cities
        .iter()
        .map(|c| {
            (
                c.gdp.iter().sum::<f64>(),
                per_city.get(&c.id).copied().unwrap_or(0.0),
            )
        })
        .unzip();
    let rho = spearman(&gdp, &count);
    // About 1,000 firms for a median city: sampling noise leaves the ranks close to GDP's.
    assert!(rho > 0.95, "Spearman {rho}");
}

#[test]
fn the_planted_effect_shows_in_helper_to_helped_links() {
    let (with, without) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let m = run(300_000, 5, &["pair-xuzhou-huaibei:2018:20"], with.path());
    run(300_000, 5, &[], without.path());
    let t = &m.effects[0];
    assert!(t.planted_links > 0, "{t:?}");
    let pair_links = |dir: &Path| {
        let (_, firms) = read(&dir.join("firms.parquet"));
        let city: Vec<String> = firms.iter().map(|f| text(&f[3]).to_string()).collect();
        let (_, links) = read(&dir.join("links.parquet"));
        let from_2018 = tandem_registry::dates::year_start(2018) as i64;
        links
            .iter()
            .filter(|l| {
                city[int(&l[0]) as usize] == "js-xuzhou"
                    && city[int(&l[1]) as usize] == "ah-huaibei"
                    && int(&l[4]) >= from_2018
            })
            .count() as u64
    };
    let (a, b) = (pair_links(with.path()), pair_links(without.path()));
    assert_eq!(
        a, t.helper_to_helped_links_from_year,
        "the manifest's truth"
    );
    assert_eq!(
        a,
        b + t.planted_links,
        "planted links add to the baseline ones"
    );
    assert!(a >= 5 * b.max(1), "with {a}, without {b}");
    let moves = |dir: &Path| {
        let (_, rows) = read(&dir.join("address_changes.parquet"));
        rows.iter()
            .filter(|r| text(&r[2]) == "js-xuzhou" && text(&r[3]) == "ah-huaibei")
            .count() as u64
    };
    assert!(moves(with.path()) > moves(without.path()), "relocations");
}

#[test]
fn bounds_and_bad_effects_are_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let opts = |firms| Options {
        firms,
        seed: 1,
        effects: vec![],
        params: Params::default(),
    };
    for n in [0, tandem_registry::MAX_FIRMS + 1] {
        let e = generate(&opts(n), dir.path(), &mut |_, _, _| {}).unwrap_err();
        assert!(matches!(e, RegistryError::Firms { .. }), "{e}");
        assert!(
            e.to_string().contains("--firms must be between 1 and"),
            "{e}"
        );
    }
    for bad in [
        "pair-xuzhou-huaibei",
        "pair-nowhere:2022:3",
        "pair-xuzhou-huaibei:1999:3",
        "pair-xuzhou-huaibei:2022:0.5",
        "pair-xuzhou-huaibei:2022:x",
        "pair-xuzhou-huaibei:2022:3:4",
    ] {
        let e = Effect::parse(bad).unwrap_err();
        assert!(e.to_string().contains("PAIR:YEAR:MULTIPLIER"), "{e}");
    }
    let e = Effect::parse("pair-minhang-huainan:2022:2").unwrap();
    assert_eq!(
        e.helper_city, "sh-shanghai",
        "a Shanghai district invests as Shanghai"
    );
}

#[test]
fn births_by_year_follow_national_gdp_and_sectors_follow_value_added() {
    let dir = tempfile::tempdir().unwrap();
    run(200_000, 13, &[], dir.path());
    let (_, firms) = read(&dir.path().join("firms.parquet"));
    let cities = tandem_registry::cities::cities();
    let years = tandem_registry::cities::YEARS;
    let mut births = vec![0.0; years];
    let mut sector_firms = [0.0; 3];
    let sectors = tandem_registry::industry::divisions_by_sector();
    for f in &firms {
        let year = tandem_registry::dates::year_of(int(&f[7]) as i32);
        if year >= tandem_registry::cities::FIRST_YEAR {
            births[(year - tandem_registry::cities::FIRST_YEAR) as usize] += 1.0;
            let division = text(&f[6]).to_string();
            let s = sectors.iter().position(|v| v.contains(&division)).unwrap();
            sector_firms[s] += 1.0;
        }
    }
    let national: Vec<f64> = (0..years)
        .map(|y| cities.iter().map(|c| c.gdp[y]).sum())
        .collect();
    let rho = spearman(&national, &births);
    assert!(rho > 0.95, "births by year vs national GDP: Spearman {rho}");
    // Expected sector shares: each city-year's value-added shares weighted by its GDP.
    let mut expected = [0.0; 3];
    for c in &cities {
        for (gdp, shares) in c.gdp.iter().zip(&c.shares) {
            for (e, share) in expected.iter_mut().zip(shares) {
                *e += gdp * share;
            }
        }
    }
    let (te, tf): (f64, f64) = (expected.iter().sum(), sector_firms.iter().sum());
    for s in 0..3 {
        let (e, g) = (expected[s] / te, sector_firms[s] / tf);
        assert!(
            (e - g).abs() < 0.01,
            "sector {s}: expected {e:.3}, generated {g:.3}"
        );
    }
}

#[test]
fn links_branches_and_moves_are_consistent_with_the_firms() {
    let dir = tempfile::tempdir().unwrap();
    run(30_000, 17, &["pair-nanjing-chuzhou:2005:50"], dir.path());
    let (_, firms) = read(&dir.path().join("firms.parquet"));
    let life = |id: i64| {
        let f = &firms[id as usize];
        assert_eq!(int(&f[0]), id);
        let closed = match f[8] {
            Field::Null => i64::from(tandem_registry::dates::year_start(2024)),
            ref d => int(d),
        };
        (int(&f[7]), closed)
    };
    let (_, links) = read(&dir.path().join("links.parquet"));
    assert!(!links.is_empty());
    for l in &links {
        let (investor, investee, day) = (int(&l[0]), int(&l[1]), int(&l[4]));
        assert_ne!(investor, investee);
        for id in [investor, investee] {
            let (founded, closed) = life(id);
            assert!(
                founded <= day && day < closed,
                "link {l:?} outside firm {id}'s life"
            );
        }
    }
    let (_, moves) = read(&dir.path().join("address_changes.parquet"));
    assert!(!moves.is_empty());
    for m in &moves {
        let id = int(&m[0]);
        let (founded, closed) = life(id);
        assert!(founded < int(&m[1]) && int(&m[1]) < closed, "{m:?}");
        assert_ne!(text(&m[2]), text(&m[3]));
        assert_eq!(
            text(&m[2]),
            text(&firms[id as usize][3]),
            "moves from its city"
        );
    }
    let (_, branches) = read(&dir.path().join("establishments.parquet"));
    for (i, b) in branches.iter().enumerate() {
        assert_eq!(int(&b[0]), i as i64);
        let (founded, closed) = life(int(&b[1]));
        assert!(founded <= int(&b[4]) && int(&b[4]) < closed, "{b:?}");
        if let Field::Date(c) = b[5] {
            assert!(int(&b[4]) < i64::from(c) && i64::from(c) <= closed, "{b:?}");
        }
    }
}
