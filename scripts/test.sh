#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what the tests need first.
# Usage: bash scripts/test.sh        (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

# The bundled data is compiled in, SQLite is built from source (rusqlite "bundled"), and
# every test writes to temporary folders. The report's browser test needs headless Chromium
# (Debian package `chromium`); a CJK font makes its screenshots (target/report-screenshots/)
# legible. Both are installed once, quietly, when missing (CI runs as root on Debian).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
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

cargo test --workspace --all-targets --locked
# Doc tests (worked examples in the indicator documentation) are not run by --all-targets.
cargo test --workspace --doc --locked
