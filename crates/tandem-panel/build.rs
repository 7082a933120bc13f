//! Compresses data/city_panel/values.csv (4.7 MB of text) into OUT_DIR so the binary carries
//! it deflated (about 0.6 MB); `tandem_panel::panel()` inflates it on first use only.

use std::io::Write;

fn main() {
    // Read at run time, not baked in with env!(): one build-script binary may serve another
    // checkout of the repository.
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let src = format!("{dir}/../../data/city_panel/values.csv");
    println!("cargo:rerun-if-changed={src}");
    let text = std::fs::read(&src).expect("data/city_panel/values.csv is part of the repository");
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&text).expect("deflate in memory");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("values.csv.deflate");
    std::fs::write(out, enc.finish().expect("deflate in memory")).expect("write OUT_DIR");
}
