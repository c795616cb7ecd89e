#!/usr/bin/env bash
# Runs every benchmark beside its raw-Kafka baseline and rewrites docs/benchmarks.md.
# Usage: benchmarks/run.sh [--size tiny|full] [--only raw,commands,latency,projection,reads,sagas] [--no-write]
# Run it on an otherwise idle machine; it takes a few minutes at the full size.
set -euo pipefail
cd "$(dirname "$0")/.."
# Two steps: in one reactor run, exec:java would start the examples' demo too.
mvn -B -q -pl benchmarks -am -DskipTests install
MAVEN_OPTS="${MAVEN_OPTS:-} -Xmx4g" mvn -B -q -pl benchmarks exec:java -Dexec.args="$*"
