#!/usr/bin/env python3
"""Condense the shared city panel into the files tandem compiles in.

Input : ../shared/data/city_panel/panel_long.csv (one row per value per source; see its README,
        sources.md and coverage.md) and the PyPI package cpca==0.5.5 (adcodes and coordinates,
        the same package as data/localities.csv) and pypinyin (English transliterations).
Output: data/city_panel/values.csv   adcode,year,indicator,value,unit,source,note
        data/city_panel/sources.csv  id,letter,rank,series,citation,description
        data/city_panel/notes.csv    id,caution,text
        data/city_panel/cities.csv   every prefecture-level unit of the panel, laid out like
                                     data/localities.csv (ids for units the project already knows
                                     are the project's own)

Nothing is chosen here: every row of the panel is kept, so the curation rules live in Rust
(crates/tandem-panel/src/curate.rs) where they are tested. Values are copied as text, unchanged.
`gdp_per_capita_derived` rows become `gdp_per_capita` rows of the source DER (derived).

Usage: pip install cpca==0.5.5 pypinyin && python3 scripts/city_panel/build.py [PANEL_DIR]
"""
import csv
import os
import re
import sys

import cpca
from pypinyin import lazy_pinyin

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PANEL_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "city_panel")
OUT = os.path.join(ROOT, "data", "city_panel")

# Source letter -> (rank on data/SOURCES.md's scale, series, description).
# Rank 1 = a statistics bureau's own release (bulletins, reproduced verbatim), 2 = news citing the
# bureau, 3 = secondary compilations of the yearbooks (CSMAR, the vendor panel that equals it),
# 4 = vendor files of mixed or undocumented vintage, 5 = low-quality aggregators,
# 6 = a revised series kept for reference (used on request, --series revised).
LETTERS = {
    "A": (3, "first_release", "CSMAR China Regional Economy database, CRE_Gdpct (secondary compilation of the China City Statistical Yearbook)"),
    "A2": (3, "first_release", "CSMAR China Regional Economy database, CRE_Eplwagct (population and employment; secondary compilation of the China City Statistical Yearbook)"),
    "B": (3, "first_release", "vendor panel 2000-2023地级市产业结构 (compiled from provincial and city yearbooks and bulletins; equals A to 2018, post-2018-census first release from 2019)"),
    "C": (6, "revised", "vendor file 296个地级市GDP相关数据 (one latest-revised vintage on current boundaries; undocumented)"),
    "D": (4, "census_based", "vendor file 298个地级市人口密度 (year-end resident population; many 2011-2019 cells revised to the 2020 census)"),
    "E": (4, "first_release", "vendor file 1996-2023年地级市外商直接投资FDI (city statistics bureaus; broad definition to 2021)"),
    "DER": (4, "derived", "derived: GDP (B) / year-end resident population (D); not a published figure"),
}

# F (single transcribed values): rank by the kind of page.
F_RANKS = [
    (r"777doc\.com|quyushuju\.com|c97885\.com|songjiang\.gov\.cn", 1, "statistical bulletin or government page, reproduced"),
    (r"fytv\.com\.cn|xomn\.cn|sjrcw\.com", 2, "news citing the statistics bureau or government"),
    (r"wikipedia\.org", 3, "Wikipedia citing yearbooks or the census"),
    (r"worldlibrary\.org|clateway\.com|wikizero\.net", 4, "Wikipedia mirror"),
    (r"huiruisoft\.com|hendeli\.cn", 5, "low-reliability aggregator"),
]

INDICATOR_RENAME = {"gdp_per_capita_derived": "gdp_per_capita"}

PROVINCES = {
    "11": ("bj", "Beijing"), "12": ("tj", "Tianjin"), "13": ("he", "Hebei"), "14": ("sx", "Shanxi"),
    "15": ("nm", "Inner Mongolia"), "21": ("ln", "Liaoning"), "22": ("jl", "Jilin"),
    "23": ("hl", "Heilongjiang"), "31": ("sh", "Shanghai"), "32": ("js", "Jiangsu"),
    "33": ("zj", "Zhejiang"), "34": ("ah", "Anhui"), "35": ("fj", "Fujian"), "36": ("jx", "Jiangxi"),
    "37": ("sd", "Shandong"), "41": ("ha", "Henan"), "42": ("hb", "Hubei"), "43": ("hn", "Hunan"),
    "44": ("gd", "Guangdong"), "45": ("gx", "Guangxi"), "46": ("hi", "Hainan"), "50": ("cq", "Chongqing"),
    "51": ("sc", "Sichuan"), "52": ("gz", "Guizhou"), "53": ("yn", "Yunnan"), "54": ("xz", "Tibet"),
    "61": ("sn", "Shaanxi"), "62": ("gs", "Gansu"), "63": ("qh", "Qinghai"), "64": ("nx", "Ningxia"),
    "65": ("xj", "Xinjiang"),
}
SUFFIXES = [("自治州", " Autonomous Prefecture"), ("地区", " Prefecture"), ("盟", " League"), ("市", "")]


def f_rank(url):
    for pattern, rank, kind in F_RANKS:
        if re.search(pattern, url):
            return rank, kind
    sys.exit(f"build.py: no rank rule for F source {url}")


# Units whose name is not a place name plus a suffix.
SPECIAL_EN = {"429000": "Hubei county-level units directly under the province"}
SPECIAL_LEVEL = {"429000": "aggregate"}
SPECIAL_ID = {"429000": "hb-direct-counties"}


def stem(name_zh):
    """The place name without the ethnic groups of an autonomous prefecture (恩施土家族苗族自治州 -> 恩施)."""
    m = re.match(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,4}族)+自治州$", name_zh)
    return m.group(1) + "自治州" if m else name_zh


def english(name_zh):
    name_zh = stem(name_zh)
    for suffix, en in SUFFIXES:
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix) + 1:
            place = name_zh[: -len(suffix)]
            return "".join(lazy_pinyin(place)).capitalize() + en
    return "".join(lazy_pinyin(name_zh)).capitalize()


def main():
    rows = list(csv.DictReader(open(os.path.join(PANEL_DIR, "panel_long.csv"), encoding="utf-8")))
    sources, notes, values, units = {}, {}, [], {}
    f_count = 0
    for r in rows:
        letter = re.match(r"(A2|A|B|C|D|E|F|DERIVED)\b", r["vintage_note"]).group(1)
        letter = "DER" if letter == "DERIVED" else letter
        key = (letter, r["source"])
        if key not in sources:
            if letter == "F":
                f_count += 1
                rank, kind = f_rank(r["source"])
                sid = f"F{f_count:02d}"
                sources[key] = (sid, letter, rank, "first_release", r["source"], f"F: {kind}; hand-transcribed single value(s)")
            else:
                rank, series, desc = LETTERS[letter]
                sources[key] = (letter, letter, rank, series, r["source"], desc)
        note = r["vintage_note"]
        if note not in notes:
            notes[note] = len(notes) + 1
        indicator = INDICATOR_RENAME.get(r["indicator"], r["indicator"])
        if (r["derived"] == "1") != (letter == "DER"):
            sys.exit(f"build.py: derived flag and source disagree: {r}")
        units.setdefault(indicator, set()).add(r["unit"])
        values.append((int(r["adcode"]), int(r["year"]), indicator, r["value"], r["unit"], sources[key][0], notes[note]))
    values.sort(key=lambda v: (v[0], v[2], v[1], v[5]))
    for indicator, us in units.items():
        if len(us) != 1:
            sys.exit(f"build.py: {indicator} in several units {us}")

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "values.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["adcode", "year", "indicator", "value", "unit", "source", "note"])
        w.writerows(values)
    with open(os.path.join(OUT, "sources.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "letter", "rank", "series", "citation", "description"])
        w.writerows(sorted(sources.values()))
    with open(os.path.join(OUT, "notes.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "caution", "text"])
        for text, nid in sorted(notes.items(), key=lambda t: t[1]):
            w.writerow([nid, "1" if "CAUTION" in text else "0", text])
    write_cities(rows)
    print(f"values {len(values)}, sources {len(sources)}, notes {len(notes)}")


def write_cities(rows):
    known = {}
    for file in ("localities.csv", "yrd41_localities.csv"):
        for r in csv.DictReader(open(os.path.join(ROOT, "data", file), encoding="utf-8")):
            known.setdefault(r["adcode"], r["id"])
    ad = os.path.join(os.path.dirname(cpca.__file__), "resources", "adcodes.csv")
    cp = {r["adcode"][:6]: r for r in csv.DictReader(open(ad, encoding="utf-8")) if r["adcode"].endswith("000000")}
    names = {}
    for r in rows:
        names.setdefault(r["adcode"], r["name_zh"])
    out, ids = [], set()
    for adcode in sorted(names):
        if adcode in known:
            continue  # the project's own file describes it
        prefix, province = PROVINCES[adcode[:2]]
        name_zh = names[adcode]
        slug = re.sub(r"[^a-z]", "", "".join(lazy_pinyin(re.sub("(市|地区|盟|自治州)$", "", stem(name_zh)))).lower())
        lid = SPECIAL_ID.get(adcode, f"{prefix}-{slug}")
        if lid in ids:
            lid = f"{lid}-{adcode}"
        ids.add(lid)
        level = SPECIAL_LEVEL.get(adcode, "province-level city" if adcode.endswith("0000") else "prefecture")
        c = cp.get(adcode)
        lat, lon = (c["latitude"], c["longitude"]) if c else ("", "")
        out.append([lid, name_zh, SPECIAL_EN.get(adcode, english(name_zh)), province, "other", "", adcode, level, lat, lon, ""])
    with open(os.path.join(OUT, "cities.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "name_zh", "name_en", "province", "role", "pair_id", "adcode", "level", "lat", "lon", "area_km2"])
        w.writerows(out)


if __name__ == "__main__":
    main()
