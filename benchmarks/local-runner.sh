#!/usr/bin/env bash
# The local runner's throughput on a 1-step workflow beside its own floor — a route that answers 404
# at once — at concurrency 4 and 16, alternating, several rounds; prints each round and the medians.
#   bash benchmarks/local-runner.sh [rounds] [seconds per measurement]
# Needs the built modules (./mvnw -q install -DskipTests). Starts the runner on a free port, in memory.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECONDS_EACH=${2:-5}
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
WORK=$(mktemp -d)
./mvnw -q -o dependency:build-classpath -pl infra/local-runner -Dmdep.outputFile="$WORK/cp" >/dev/null 2>&1 \
  || ./mvnw -q dependency:build-classpath -pl infra/local-runner -Dmdep.outputFile="$WORK/cp" >/dev/null
CP="infra/local-runner/target/classes:$(cat "$WORK/cp")"
LOAD="benchmarks/engine/target/engine-benchmarks.jar"
[ -f "$LOAD" ] || { echo "missing $LOAD: run ./mvnw -q install -DskipTests" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
KEY=bwk_bench_local_runner_key_0123456789
"$JAVA" -cp "$CP" dev.backendworkflows.local.LocalRunner --port "$PORT" --api-key "$KEY" \
  --workflows functions/aws/src/test/resources/budget-workflows > "$WORK/runner.log" 2>&1 &
RUNNER=$!
trap 'kill $RUNNER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.5; done
load() { "$JAVA" -cp "$LOAD" dev.backendworkflows.bench.HttpLoad "$@"; }
# warm both paths (JIT) before measuring
load GET "http://127.0.0.1:$PORT/no-such-route" 404 4 5 >/dev/null
load POST "http://127.0.0.1:$PORT/wf/ping" 200 4 5 "$KEY" '{"name":"Ada"}' >/dev/null
for c in 4 16; do
  : > "$WORK/floor-$c"; : > "$WORK/ping-$c"
  for r in $(seq 1 "$ROUNDS"); do
    f=$(load GET "http://127.0.0.1:$PORT/no-such-route" 404 "$c" "$SECONDS_EACH")
    p=$(load POST "http://127.0.0.1:$PORT/wf/ping" 200 "$c" "$SECONDS_EACH" "$KEY" '{"name":"Ada"}')
    echo "c=$c round $r floor $f"; echo "c=$c round $r ping  $p"
    echo "$f" >> "$WORK/floor-$c"; echo "$p" >> "$WORK/ping-$c"
  done
done
python3 - "$WORK" <<'PY'
import json, statistics, sys
work = sys.argv[1]
for c in (4, 16):
    floor = [json.loads(l) for l in open(f"{work}/floor-{c}")]
    ping = [json.loads(l) for l in open(f"{work}/ping-{c}")]
    med = lambda rows, k: statistics.median(r[k] for r in rows)
    bad = sum(r["unexpected"] for r in floor + ping)
    print(f"concurrency {c}: 404 floor {med(floor,'requests_per_s'):.0f} req/s (p99 {med(floor,'p99_ms'):.2f} ms); "
          f"1-step workflow {med(ping,'requests_per_s'):.0f} req/s (p99 {med(ping,'p99_ms'):.2f} ms); "
          f"ratio {med(ping,'requests_per_s')/med(floor,'requests_per_s'):.2f}; unexpected answers {bad}")
PY
