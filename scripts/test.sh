#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what the tests need first.
# Usage: bash scripts/test.sh        (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

# The bundled data is compiled in, SQLite is built from source (rusqlite "bundled"), and
# every test writes to temporary folders. The browser tests need headless Chromium and
# ChromeDriver (Debian packages `chromium`, `chromium-driver`); a CJK font makes their
# screenshots (target/*-screenshots/) legible. The platform's tests also run on PostgreSQL
# (Debian package `postgresql`): a private, throw-away server is started below. All are
# installed once, quietly, when missing (CI runs as root on Debian).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# The Python package's tests run in a virtual environment (Debian's python3 needs python3-venv).
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "scripts/test.sh: installing ${missing[*]} (Debian packages) ..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "scripts/test.sh: ${missing[*]} missing and cannot be installed here (not root with apt-get);" \
             "the browser test will fail unless TANDEM_SKIP_BROWSER=1" >&2
    fi
fi

# A private PostgreSQL for the platform's tests: its own data folder, port and socket, trust
# authentication on loopback only, stopped and deleted on exit. Tests create one database
# each. (initdb refuses to run as root, so the server runs as the `postgres` user.)
if pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1) && [ -n "$pg_bin" ]; then
    pg_data=$(mktemp -d /tmp/tandem-pg.XXXXXX)
    pg_port=${TANDEM_TEST_PG_PORT:-54329}
    as_pg=()
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres "$pg_data"
        as_pg=(runuser -u postgres --)
    fi
    stop_pg() {
        "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$pg_data"
    }
    trap stop_pg EXIT
    "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -A trust -U tandem -E UTF8 >/dev/null
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w \
        -o "-p $pg_port -k $pg_data -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on" start >/dev/null
    export TANDEM_TEST_POSTGRES="postgres://tandem@127.0.0.1:$pg_port/postgres"
    # Without this, PostgreSQL tests fail instead of being skipped.
    export TANDEM_REQUIRE_POSTGRES=1
    echo "scripts/test.sh: PostgreSQL for the tests at $TANDEM_TEST_POSTGRES"
else
    echo "scripts/test.sh: PostgreSQL is not installed; its tests are skipped" >&2
fi

# --all-features: the registry query engine (DataFusion, Ballista) and its cluster tests too.
# Every cargo command here and in .ci/run uses the same features, so nothing compiles twice.
cargo test --workspace --all-targets --all-features --locked
# Doc tests (worked examples in the indicator documentation) are not run by --all-targets.
cargo test --workspace --doc --all-features --locked

# The Python package (python/, crates/tandem-py; README "Python"): built by maturin into a
# private virtual environment with the dev profile, so it reuses the dependencies the tests
# above compiled instead of building the workspace again in release; then its pytest suite,
# which compares every function with the golden files and, side by side, with the reference
# packages (py-ecomplexity, pymrio, csdid, pysyncon) where they install; PyArrow for the
# Arrow-table input. About 65 s with a new virtual environment (wheels from pip's cache),
# 30 s when it exists (measured 2026-12-04, 2 cores).
target_dir=${CARGO_TARGET_DIR:-target}
# Absolute: pip runs the build backend from a temporary directory, where a relative PATH
# entry would not find maturin.
venv="$(cd "$target_dir" && pwd)/py-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pip_quiet=(-q --disable-pip-version-check)
"$venv/bin/python" -m pip install "${pip_quiet[@]}" 'maturin>=1.9.4,<2' numpy pandas pytest matplotlib
# The reference packages are optional: a test whose package is missing is skipped, not failed.
for reference in ecomplexity pymrio csdid pysyncon pyarrow; do
    "$venv/bin/python" -m pip install "${pip_quiet[@]}" "$reference" >/dev/null 2>&1 ||
        echo "scripts/test.sh: Python package $reference did not install; its side-by-side test is skipped" >&2
done
PATH="$venv/bin:$PATH" MATURIN_PEP517_ARGS="--profile dev" \
    "$venv/bin/python" -m pip install "${pip_quiet[@]}" --no-build-isolation --force-reinstall --no-deps ./python
MPLBACKEND=Agg "$venv/bin/python" -m pytest -q -p no:cacheprovider python/tests
