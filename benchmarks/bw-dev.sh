#!/usr/bin/env bash
# Time to first answer of the local runner started three ways, alternating, several rounds:
#   maven   the README's first command (./mvnw -q package -DskipTests exec:java …) on a built checkout
#   bw      ./bw dev right after that build, from the class-data archive the build writes
#   bw-cold ./bw dev with no archive (a baseline: what the archive saves)
# "Ready" is the first 200 from GET /openapi.json. Prints each run and the medians.
#   bash benchmarks/bw-dev.sh [rounds]
# Needs a built checkout (./mvnw -q install -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
JSA=infra/local-runner/target/bw-dev.jsa
[ -f infra/local-runner/target/bw.jar ] || { echo "build first: ./mvnw -q install -DskipTests" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
now_ms() { date +%s%3N; }
ready_ms() { # $1: port, $2...: command; prints ms until the runner answers, then stops it
  local port=$1; shift
  local t0; t0=$(now_ms)
  setsid "$@" > /tmp/bw-dev-bench.log 2>&1 &
  local pid=$!
  until curl -s -o /dev/null -f "http://127.0.0.1:$port/openapi.json"; do
    kill -0 "$pid" 2>/dev/null || { echo "start failed:" >&2; cat /tmp/bw-dev-bench.log >&2; exit 1; }
    sleep 0.02
  done
  echo $(( $(now_ms) - t0 ))
  kill -TERM -- -"$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sleep 1
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
: > /tmp/bw-maven; : > /tmp/bw-cold; : > /tmp/bw-warm
for r in $(seq 1 "$ROUNDS"); do
  p=$(free_port); m=$(ready_ms "$p" ./mvnw -q package -DskipTests exec:java -pl infra/local-runner -am -Dexec.args="--port $p")
  p=$(free_port); w=$(ready_ms "$p" ./bw dev --port "$p")
  rm -f "$JSA"
  p=$(free_port); c=$(ready_ms "$p" ./bw dev --port "$p")
  echo "round $r: maven ${m} ms, bw ${w} ms, bw-cold ${c} ms"
  echo "$m" >> /tmp/bw-maven; echo "$c" >> /tmp/bw-cold; echo "$w" >> /tmp/bw-warm
done
echo "median: maven $(median < /tmp/bw-maven) ms, bw $(median < /tmp/bw-warm) ms, bw-cold $(median < /tmp/bw-cold) ms"
