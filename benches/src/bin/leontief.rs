//! Benchmark: the Leontief inverse `L = (I − A)⁻¹` and output multipliers (column sums of
//! L) in tandem (faer LU with partial pivoting) for n = 153, 1000, 3000, 6000.
//!
//! Each A is dense, non-negative and productive (every column sum in [0.40, 0.85)),
//! generated from a fixed-seed splitmix64 stream. The matrices are written as raw
//! little-endian f64, row-major, to `<out>/leontief_A_<n>.f64` so that the numpy peer
//! (`benches/peers/numpy_leontief.py`) inverts exactly the same data; for n ≤ 1000 L is
//! written too (`leontief_L_<n>.f64`) so the peer can report the largest difference.
//!
//! Usage: `leontief [--out DIR] [--threads T] [--sizes 153,1000,...]`
//! (defaults: benches/out, tandem's automatic choice — one thread below 256 sectors, the rayon
//! pool above, as OpenBLAS also stays on one thread for small matrices — and
//! 153,1000,3000,6000; `--threads T` forces T threads at every size). Prints one line per size:
//! `tandem n=<n> best_s=<seconds> reps=<k> checksum=<Σ multipliers>`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tandem_core::metrics::input_output::{leontief_inverse_with, output_multipliers, Parallelism};

/// splitmix64 (Steele, Lea & Flood 2014), the same stream in every language.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// A dense productive n x n matrix: uniform entries, each column scaled to a column sum
/// drawn uniformly from [0.40, 0.85).
fn productive_matrix(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64(seed);
    let mut a: Vec<f64> = (0..n * n).map(|_| rng.next_f64()).collect();
    let mut col = vec![0.0; n];
    for row in a.chunks_exact(n) {
        for (c, v) in col.iter_mut().zip(row) {
            *c += v;
        }
    }
    let target: Vec<f64> = (0..n).map(|_| 0.40 + 0.45 * rng.next_f64()).collect();
    let scale: Vec<f64> = target.iter().zip(&col).map(|(t, c)| t / c).collect();
    for row in a.chunks_exact_mut(n) {
        for (v, s) in row.iter_mut().zip(&scale) {
            *v *= s;
        }
    }
    a
}

fn write_f64(path: &Path, values: &[f64]) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for v in values {
        f.write_all(&v.to_le_bytes())?;
    }
    f.flush()
}

fn reps_for(n: usize) -> usize {
    match n {
        0..=200 => 20,
        201..=1000 => 5,
        1001..=3000 => 3,
        _ => 2,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = PathBuf::from("benches/out");
    // 0 = automatic (Parallelism::Auto).
    let mut threads = 0usize;
    let mut sizes = vec![153usize, 1000, 3000, 6000];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--out" => out = PathBuf::from(value()?),
            "--threads" => threads = value()?.parse()?,
            "--sizes" => {
                sizes = value()?
                    .split(',')
                    .map(|s| s.trim().parse())
                    .collect::<Result<_, _>>()?
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    std::fs::create_dir_all(&out)?;
    let par = match threads {
        0 => Parallelism::Auto,
        1 => Parallelism::Sequential,
        t => Parallelism::Threads(t),
    };
    for &n in &sizes {
        let a = productive_matrix(n, 0x7A4D_E700 + n as u64);
        write_f64(&out.join(format!("leontief_A_{n}.f64")), &a)?;
        let mut best = f64::INFINITY;
        let mut last = None;
        let reps = reps_for(n);
        for _ in 0..reps {
            let t = Instant::now();
            let l = leontief_inverse_with(&a, n, par)?;
            let m = output_multipliers(&l, n)?;
            best = best.min(t.elapsed().as_secs_f64());
            last = Some((l, m));
        }
        let (l, m) = last.expect("at least one repetition");
        if n <= 1000 {
            write_f64(&out.join(format!("leontief_L_{n}.f64")), &l)?;
        }
        let checksum: f64 = m.iter().sum();
        println!("tandem n={n} best_s={best:.6} reps={reps} checksum={checksum:.12e}");
    }
    Ok(())
}
