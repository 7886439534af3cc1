#!/usr/bin/env bash
# Regenerate the README's rule index from rules/ (tests/readme.rs checks it is current).
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(cargo run -q -- rules --format markdown)
python3 - "$table" <<'PY'
import sys
table = sys.argv[1] + "\n"
text = open("README.md").read()
start = text.index("<!-- rules:start -->\n") + len("<!-- rules:start -->\n")
end = text.index("<!-- rules:end -->")
open("README.md", "w").write(text[:start] + table + text[end:])
PY
