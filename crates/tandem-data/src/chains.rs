//! The industry-chain maps shipped with tandem (`data/chains/`): one worked chain for the
//! stated focus industry of each programme pair, built only from public pages and cited (the
//! chain's `source`, and a `source` on every segment and enterprise placement; what could not
//! be found is said in each file's comments and in `data/chains/README.md`).
//!
//! They are examples to start from, not censuses: a segment without placements means no
//! public page was found, not that no firm exists. `tandem chain gaps --chain shipped:PAIR`
//! reads one, and the platform's one-step import loads one into a pair's records.

use std::sync::OnceLock;
use tandem_core::chain::Chain;

/// `data/chains/README.md`: per pair, the focus industry chosen and why, the sources used and
/// what could not be found.
pub const README_MD: &str = include_str!("../../../data/chains/README.md");

/// The shipped chain files: (file name, TOML text), one per pair.
pub const CHAIN_FILES: &[(&str, &str)] = &[
    (
        "pair-fengxian-bozhou.toml",
        include_str!("../../../data/chains/pair-fengxian-bozhou.toml"),
    ),
    (
        "pair-hangzhou-suzhou.toml",
        include_str!("../../../data/chains/pair-hangzhou-suzhou.toml"),
    ),
    (
        "pair-minhang-huainan.toml",
        include_str!("../../../data/chains/pair-minhang-huainan.toml"),
    ),
    (
        "pair-nanjing-chuzhou.toml",
        include_str!("../../../data/chains/pair-nanjing-chuzhou.toml"),
    ),
    (
        "pair-ningbo-bengbu.toml",
        include_str!("../../../data/chains/pair-ningbo-bengbu.toml"),
    ),
    (
        "pair-songjiang-luan.toml",
        include_str!("../../../data/chains/pair-songjiang-luan.toml"),
    ),
    (
        "pair-suzhou-fuyang.toml",
        include_str!("../../../data/chains/pair-suzhou-fuyang.toml"),
    ),
    (
        "pair-xuzhou-huaibei.toml",
        include_str!("../../../data/chains/pair-xuzhou-huaibei.toml"),
    ),
];

/// The shipped chains, parsed once (a file that does not parse is a build defect, caught by
/// this crate's tests).
pub fn shipped_chains() -> &'static [Chain] {
    static CHAINS: OnceLock<Vec<Chain>> = OnceLock::new();
    CHAINS.get_or_init(|| {
        CHAIN_FILES
            .iter()
            .filter_map(|(_, text)| toml::from_str(text).ok())
            .collect()
    })
}

/// The shipped chain with id `key`, or the one of pair `key`.
pub fn shipped_chain(key: &str) -> Option<&'static Chain> {
    let chains = shipped_chains();
    chains
        .iter()
        .find(|c| c.id == key)
        .or_else(|| chains.iter().find(|c| c.pair == key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_core::chain::chain_gaps;
    use tandem_core::Classification;

    #[test]
    fn every_shipped_chain_parses_is_of_its_pair_and_cites_every_placement() {
        let bundle = crate::bundled::bundle();
        let table = bundle.io_table(2020, &Classification::Io42).unwrap();
        assert_eq!(
            shipped_chains().len(),
            CHAIN_FILES.len(),
            "a chain file does not parse"
        );
        for (file, text) in CHAIN_FILES {
            let chain: Chain = toml::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(format!("{}.toml", chain.pair), *file);
            assert!(
                bundle.programme.pairs.iter().any(|p| p.id == chain.pair),
                "{file}: pair {}",
                chain.pair
            );
            for p in &chain.enterprises {
                let cited = p.source.as_deref().is_some_and(|s| s.starts_with("http"));
                assert!(cited, "{file}: {} has no source address", p.name);
            }
            assert!(chain.source.contains("http"), "{file}: the chain's source");
            let gaps = chain_gaps(&chain, table).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(!gaps.is_empty(), "{file}: no gap to show");
        }
        // One per pair of the programme.
        for pair in &bundle.programme.pairs {
            assert!(shipped_chain(&pair.id).is_some(), "{}", pair.id);
        }
    }
}
