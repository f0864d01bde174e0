#!/usr/bin/env bash
# Cold start of a workflow function beside the hello-world floor, on this machine: each run is a fresh
# JVM that builds the handler and handles one API event against an AWS-compatible endpoint. Runs
# alternate (ours, hello, ours, …) so drift hits both alike; prints each run and the medians.
#   AWS_ENDPOINT_URL=http://127.0.0.1:4566 bash benchmarks/cold-start.sh [runs] [workflow]
# Needs: the built jars (./mvnw -q package -DskipTests), an emulator with the tables of
# infra/localstack/init-aws.sh, and the aws CLI (to register the sample key and the sender).
# With CDS=1 each JVM uses a class-data-sharing archive made by a first run (-XX:+AutoCreateSharedArchive).
# With BEFORE_JAR=path (an artifact built from an earlier commit) that one runs in the same alternation.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
WORKFLOW=${2:-ping}
: "${AWS_ENDPOINT_URL:?set AWS_ENDPOINT_URL to an emulator (see the header of this script)}"
export AWS_REGION=${AWS_REGION:-us-east-1} AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
OURS=${OURS_JAR:-functions/aws/target/backend-workflows-lambda.jar}
HELLO=benchmarks/hello-world/target/hello-world-lambda.jar
for jar in "$OURS" "$HELLO"; do [ -f "$jar" ] || { echo "missing $jar: run ./mvnw -q package -DskipTests" >&2; exit 1; }; done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
aws="aws --endpoint-url $AWS_ENDPOINT_URL --region $AWS_REGION"
KEY=bwk_sample_key_replace_me
HASH=$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)
$aws dynamodb put-item --table-name backend-workflows-api-keys --item \
  "{\"key_hash\":{\"S\":\"$HASH\"},\"name\":{\"S\":\"bench\"},\"admin\":{\"BOOL\":true},\"created_at\":{\"S\":\"2026-01-01T00:00:00Z\"}}"
$aws sesv2 create-email-identity --email-identity app@example.com >/dev/null 2>&1 || true
if [ "$WORKFLOW" = ping ]; then # the trivial run: one return step (the request-budget tests' workflow)
  cp -r functions/aws/src/test/resources/budget-workflows "$WORK/workflows"
  sed -e 's#/wf/onboard-user#/wf/ping#g' -e 's#"body" : ".*"#"body" : "{\\"name\\":\\"Ada\\"}"#' events/api-onboard-user.json > "$WORK/event.json"
else # a workflow of the example app, with its sample event
  cp -r functions/workflows "$WORK/workflows"
  cp "events/api-$WORKFLOW.json" "$WORK/event.json"
fi
# checked as the build checks the packaged definitions, so the function skips what the build checked
"${JAVA_HOME:+$JAVA_HOME/bin/}java" -cp "$OURS" dev.backendworkflows.definition.DefinitionCheck "$WORK/workflows" >/dev/null
export WORKFLOWS_DIR=$WORK/workflows
export WORKFLOW_NAME=$WORKFLOW STAGE=bench MAIL_FROM=app@example.com SCHEDULE_GROUP=backend-workflows \
  FUNCTION_ARN_PREFIX=arn:aws:lambda:us-east-1:000000000000:function:bench- SCHEDULER_ROLE_ARN=arn:aws:iam::000000000000:role/bench
# the flags template.yaml gives every function
FLAGS=(-XX:+TieredCompilation -XX:TieredStopAtLevel=1)
run() { # name classpath handler
  local cds=()
  if [ "${CDS:-0}" = 1 ]; then cds=(-XX:+AutoCreateSharedArchive "-XX:SharedArchiveFile=$WORK/$1.jsa"); fi
  "${JAVA_HOME:+$JAVA_HOME/bin/}java" "${FLAGS[@]}" "${cds[@]}" -cp "$2" dev.backendworkflows.bench.ColdStart "$3" "$WORK/event.json"
}
OURS_CP="$OURS:benchmarks/hello-world/target/hello-world-0.1.0-SNAPSHOT.jar" # CDS takes jars only
BEFORE_CP=${BEFORE_JAR:+$BEFORE_JAR:benchmarks/hello-world/target/hello-world-0.1.0-SNAPSHOT.jar}
if [ "${CDS:-0}" = 1 ]; then # the archive is made by a first run of each (as SnapStart or a CDS layer would be made once)
  run ours "$OURS_CP" dev.backendworkflows.aws.lambda.WorkflowFunctionHandler >/dev/null 2>&1
  run hello "$HELLO" dev.backendworkflows.bench.HelloWorldHandler >/dev/null 2>&1
  if [ -n "$BEFORE_CP" ]; then run before "$BEFORE_CP" dev.backendworkflows.aws.lambda.WorkflowFunctionHandler >/dev/null 2>&1; fi
fi
run ours "$OURS_CP" dev.backendworkflows.aws.lambda.WorkflowFunctionHandler 2>/dev/null | tail -1 > "$WORK/warmup" # the emulator's first call of each kind
echo "warm-up: $(cat "$WORK/warmup")"
: > "$WORK/ours"; : > "$WORK/hello"; : > "$WORK/before"
for i in $(seq 1 "$RUNS"); do
  o=$(run ours "$OURS_CP" dev.backendworkflows.aws.lambda.WorkflowFunctionHandler 2>/dev/null | tail -1) # the last line is the harness's
  h=$(run hello "$HELLO" dev.backendworkflows.bench.HelloWorldHandler 2>/dev/null | tail -1)
  echo "run $i ours  $o"; echo "run $i hello $h"
  if [ -n "$BEFORE_CP" ]; then
    b=$(run before "$BEFORE_CP" dev.backendworkflows.aws.lambda.WorkflowFunctionHandler 2>/dev/null | tail -1)
    echo "run $i before $b"
    sed -E 's/.*"total_ms":([0-9]+).*/\1/' <<<"$b" >> "$WORK/before"
  fi
  grep -q "statusCode':200" <<<"$o" || { echo "our handler did not answer 200" >&2; exit 1; }
  sed -E 's/.*"total_ms":([0-9]+).*/\1/' <<<"$o" >> "$WORK/ours"
  sed -E 's/.*"total_ms":([0-9]+).*/\1/' <<<"$h" >> "$WORK/hello"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mo=$(median "$WORK/ours"); mh=$(median "$WORK/hello")
echo "jar: ours $(stat -c %s "$OURS") bytes, $(unzip -l "$OURS" | grep -c '\.class$') classes; hello $(stat -c %s "$HELLO") bytes, $(unzip -l "$HELLO" | grep -c '\.class$') classes; ratio $(awk -v a="$(stat -c %s "$OURS")" -v b="$(stat -c %s "$HELLO")" 'BEGIN{printf "%.2f", a/b}')"
echo "cold start ($WORKFLOW, CDS=${CDS:-0}, $RUNS alternating runs, median total ms): ours $mo, hello $mh, ratio $(awk -v a="$mo" -v b="$mh" 'BEGIN{printf "%.2f", a/b}')"
if [ -n "$BEFORE_CP" ]; then
  mb=$(median "$WORK/before")
  echo "  before ($BEFORE_JAR): $mb, ratio $(awk -v a="$mb" -v b="$mh" 'BEGIN{printf "%.2f", a/b}'); jar $(stat -c %s "$BEFORE_JAR") bytes"
fi
