#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what the tests need first.
# Usage: bash scripts/test.sh        (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

# Nothing outside the Rust toolchain is needed yet: the bundled data is compiled in, SQLite
# is built from source (rusqlite "bundled"), and every test writes to temporary folders.
# Later suites (browser, PostgreSQL) install their Debian packages here.

cargo test --workspace --all-targets --locked
# Doc tests (worked examples in the indicator documentation) are not run by --all-targets.
cargo test --workspace --doc --locked
