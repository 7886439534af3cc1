#!/usr/bin/env bash
# Live scan of an AWS organization against a local moto server: wall time, and the calls
# jitgap sends per account (from moto's request recorder). See benches/README.md.
#
#   benches/live.sh                       # 10 member accounts of 200 roles, 3 runs
#   ACCOUNTS=20 ROLES=100 RUNS=5 benches/live.sh
#
# Needs the test suite's moto (.venv, made by scripts/test.sh) and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."

ACCOUNTS=${ACCOUNTS:-10}
ROLES=${ROLES:-200}
RUNS=${RUNS:-3}
PORT=${PORT:-5123}
JITGAP=target/release/jitgap
MOTO=${JITGAP_MOTO_SERVER:-.venv/bin/moto_server}
PY=$(dirname "$MOTO")/python
[[ -x "$MOTO" ]] || { echo "benches/live.sh: $MOTO not found: run scripts/test.sh once (it makes .venv)" >&2; exit 2; }

cargo build --release --bin jitgap >&2
tmp=$(mktemp -d)
MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_RECORDER_FILEPATH="$tmp/rec.jsonl" \
    "$MOTO" -H 127.0.0.1 -p "$PORT" >"$tmp/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; rm -rf "$tmp"' EXIT
url="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -fs "$url/moto-api/config" >/dev/null 2>&1 && break; sleep 0.2; done
echo "seeding $ACCOUNTS accounts x $ROLES roles..." >&2
"$PY" benches/live_seed.py "$url" "$ACCOUNTS" "$ROLES" >&2

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
walls=()
for ((r = 1; r <= RUNS; r++)); do
    curl -fs -X POST "$url/moto-api/recorder/reset-recording" >/dev/null
    curl -fs -X POST "$url/moto-api/recorder/start-recording" >/dev/null
    start=$EPOCHREALTIME
    set +e
    /usr/bin/time -v -o "$tmp/time" "$JITGAP" scan --aws-organization --aws-endpoint-url "$url" \
        --format json --progress never >"$tmp/report.json" 2>"$tmp/stderr"
    rc=$?
    set -e
    end=$EPOCHREALTIME
    ((rc <= 1)) || { cat "$tmp/stderr" >&2; exit 1; }
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}')
    walls+=("$wall")
    echo "run $r: wall ${wall}s" >&2
    curl -fs -X POST "$url/moto-api/recorder/stop-recording" >/dev/null
done
wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
scanned=$((ACCOUNTS + 1))
echo
echo "| accounts scanned | roles each | wall s (median of $RUNS) | wall s per account | calls per account, by operation (last run) |"
echo "|---:|---:|---:|---:|---|"
calls=$("$PY" - "$tmp/rec.jsonl" "$scanned" <<'PY'
import base64, collections, json, sys, urllib.parse
counts = collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    body = e.get("body") or ""
    if e.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    ops = urllib.parse.parse_qs(body).get("Action", [])
    target = {k.lower(): v for k, v in (e.get("headers") or {}).items()}.get("x-amz-target")
    if target:
        ops = [target.rsplit(".", 1)[-1]]
    counts.update(ops or ["?"])
n = int(sys.argv[2])
print(", ".join(f"{op} {c / n:.1f}" for op, c in sorted(counts.items())))
PY
)
awk -v a="$scanned" -v r="$ROLES" -v w="$wall" -v c="$calls" 'BEGIN {printf "| %d | %d | %.2f | %.2f | %s |\n", a, r, w, w / a, c}'
