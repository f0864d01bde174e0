#!/usr/bin/env bash
# Scale runs of the local runner (BENCHMARKS.md): search latency at 1k/10k/100k things with and
# without an index beside a 1-step run, a batch job over 100,000 things with the live heap sampled,
# and the local scheduler firing 10,000 due runs beside the same runs through the API.
#   bash benchmarks/scale.sh [due=10000] [search=1000,10000,100000] [batch=100000] [samples=100]
# Needs the built modules (./mvnw -q install -DskipTests). Prints one SCALE line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
./mvnw -q -o dependency:build-classpath -pl benchmarks/scale -Dmdep.outputFile="$WORK/cp" >/dev/null 2>&1 \
  || ./mvnw -q dependency:build-classpath -pl benchmarks/scale -Dmdep.outputFile="$WORK/cp" >/dev/null
"$JAVA" -cp "benchmarks/scale/target/classes:$(cat "$WORK/cp")" dev.backendworkflows.bench.ScaleRuns "$@" > "$WORK/out" 2>&1 \
  || { tail -20 "$WORK/out" >&2; exit 1; }
grep '^SCALE ' "$WORK/out"
