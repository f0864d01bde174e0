#!/usr/bin/env bash
# The local runner's memory over many runs: drives a 1-step workflow (ping) on a runner with a data
# directory, in rounds of closed-loop load, and after each round forces a full GC and reads the heap
# in use (the live set), the runs kept in memory and the data directory's size. Run once with the
# default --keep-runs and once keeping every run in memory (the behaviour before run archiving).
#   bash benchmarks/local-runner-memory.sh [runs, default 1000000] [--keep-runs value, default: the runner's]
# Needs the built modules (./mvnw -q install -DskipTests) and a JDK with jcmd.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-1000000}
KEEP=${2:-}
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JCMD="${JAVA_HOME:+$JAVA_HOME/bin/}jcmd"
WORK=$(mktemp -d)
./mvnw -q -o dependency:build-classpath -pl infra/local-runner -Dmdep.outputFile="$WORK/cp" >/dev/null 2>&1 \
  || ./mvnw -q dependency:build-classpath -pl infra/local-runner -Dmdep.outputFile="$WORK/cp" >/dev/null
# a copy of the classpath, so a build during the long run cannot change the runner under it
mkdir -p "$WORK/lib" && cp -r infra/local-runner/target/classes "$WORK/lib/classes"
CP="$WORK/lib/classes"
IFS=: read -r -a JARS < "$WORK/cp" || true # the file has no final newline
for j in "${JARS[@]}"; do cp "$j" "$WORK/lib/"; CP="$CP:$WORK/lib/$(basename "$j")"; done
cp benchmarks/engine/target/engine-benchmarks.jar "$WORK/lib/load.jar" 2>/dev/null || true
LOAD="$WORK/lib/load.jar"
[ -f "$LOAD" ] || { echo "missing benchmarks/engine/target/engine-benchmarks.jar: run ./mvnw -q install -DskipTests" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
KEY=bwk_bench_local_runner_key_0123456789
"$JAVA" -cp "$CP" dev.backendworkflows.local.LocalRunner --port "$PORT" --api-key "$KEY" --data-dir "$WORK/data" \
  ${KEEP:+--keep-runs "$KEEP"} --workflows functions/aws/src/test/resources/budget-workflows > /dev/null 2>&1 &
RUNNER=$!
trap 'kill $RUNNER 2>/dev/null || true; wait $RUNNER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.5; done
heap_mb() {
  "$JCMD" "$RUNNER" GC.run >/dev/null
  "$JCMD" "$RUNNER" GC.heap_info | python3 -c 'import re,sys; t=sys.stdin.read(); m=re.search(r"used (\d+)K", t); print(round(int(m.group(1))/1024))'
}
echo "keep-runs ${KEEP:-default}; runs, heap used after full GC (MB), data dir (MB), run files archived"
echo "0 $(heap_mb) $(du -sm "$WORK/data" | cut -f1) 0"
done_runs=0
step=$(( TARGET / 10 ))
next=$step
while [ "$done_runs" -lt "$TARGET" ]; do
  r=$("$JAVA" -cp "$LOAD" dev.backendworkflows.bench.HttpLoad POST "http://127.0.0.1:$PORT/wf/ping" 200 8 20 "$KEY" '{"name":"Ada"}')
  done_runs=$(( done_runs + $(echo "$r" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["unexpected"] == 0, d; print(d["requests"])') ))
  if [ "$done_runs" -ge "$next" ] || [ "$done_runs" -ge "$TARGET" ]; then
    archived=$(find "$WORK/data/runs-archive" -type f 2>/dev/null | wc -l)
    echo "$done_runs $(heap_mb) $(du -sm "$WORK/data" | cut -f1) $archived"
    next=$(( next + step ))
  fi
done
