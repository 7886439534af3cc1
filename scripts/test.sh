#!/usr/bin/env bash
# Run the whole jitgap test suite, installing first whatever it needs on a fresh Debian machine:
#   PostgreSQL and MariaDB servers (the tests start their own, on 127.0.0.1, in temp dirs),
#   moto (a local AWS IAM server) in .venv/, the SARIF validator in .tools/sarif/, and
#   Chromium and its WebDriver (headless, for the HTML report's browser tests).
# Usage: bash scripts/test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Debian packages: database servers, Python venv, Node for the SARIF validator, Chromium.
pkgs=()
have_pg() { command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
have_pg || pkgs+=(postgresql)
{ command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; } || pkgs+=(mariadb-server)
command -v runuser >/dev/null 2>&1 || pkgs+=(util-linux)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || pkgs+=(python3-venv)
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
{ [ -n "${JITGAP_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1; } || pkgs+=(chromium)
{ [ -n "${JITGAP_CHROMEDRIVER:-}" ] || command -v chromedriver >/dev/null 2>&1; } || pkgs+=(chromium-driver)
if [ ${#pkgs[@]} -gt 0 ]; then
  say "installing Debian packages: ${pkgs[*]}"
  as_root apt-get update -qq
  # Do not start the packaged services: the tests run their own servers.
  printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
  as_root chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
fi

# 2. moto (AWS IAM test server) in a project venv.
if [ ! -x .venv/bin/moto_server ]; then
  say "creating .venv with moto[server]"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check 'moto[server]>=5.1,<6' 'boto3>=1.34'
fi
export JITGAP_MOTO_SERVER="$PWD/.venv/bin/moto_server"

# 3. SARIF validator (Microsoft's SARIF multitool, from npm).
if [ ! -x .tools/sarif/node_modules/.bin/sarif-multitool ]; then
  say "installing @microsoft/sarif-multitool into .tools/sarif"
  npm install --silent --no-audit --no-fund --prefix .tools/sarif @microsoft/sarif-multitool@5.7.0 >/dev/null
fi
# npm may skip the package's install script that marks the program executable.
chmod u+x .tools/sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool 2>/dev/null || true
# The .NET program needs ICU; run without it rather than fail when libicu is absent.
ldconfig -p 2>/dev/null | grep -q libicuuc || export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

# 4. The database servers refuse to run as root: the tests start them as this user.
export JITGAP_TEST_DB_USER="${JITGAP_TEST_DB_USER:-nobody}"

# 5. The checks and the tests.
say "cargo fmt --check"
cargo fmt --check
say "cargo clippy --all-targets -- -D warnings"
cargo clippy --quiet --all-targets -- -D warnings
say "cargo test"
cargo test --no-fail-fast --all-targets "$@"
