#!/usr/bin/env bash
# Runs every benchmark beside its raw-Kafka baseline and rewrites docs/benchmarks.md.
# Usage: benchmarks/run.sh [--size tiny|full] [--only raw,commands,latency,projection,reads,sagas,axon,recovery] [--no-write]
#                          [--cluster one|child3|both] [--recovery-aggregates N]
# By default the raw, commands and sagas suites run again on 3 brokers in child JVMs (replication 3,
# min.insync.replicas 2) after the one-broker run: rows ending in '3 brokers'. --cluster one skips them.
# Run it on an otherwise idle machine; it takes about 20 minutes at the full size (2 cores).
# It compiles this checkout and runs from target/classes: nothing is installed into ~/.m2.
# MVN_FLAGS=-o benchmarks/run.sh ... keeps Maven offline.
# The recovery suite (SIGKILL and restart at a million aggregates) runs only when named in --only.
# KAFKA_VERSION=4.3.1 benchmarks/run.sh ... builds and runs on that Kafka version instead of the pom's.
#
# The axon suite (the Axon Framework peer) needs PostgreSQL: this script initialises a fresh
# cluster in a temporary directory, starts it on 127.0.0.1 on a free port with PostgreSQL's
# default durability (fsync=on, synchronous_commit=on), passes its URL with --axon-jdbc, and stops
# and deletes it on exit. Running as root, it installs the Debian package if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Is the axon suite wanted? Yes unless --only names suites without it.
wants_axon=true
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --only) [[ ",${args[i + 1]:-}," == *,axon,* ]] || wants_axon=false ;;
    --axon-jdbc|--help|-h) wants_axon=false ;;  # a database of the caller's own, or no run at all
  esac
done

if $wants_axon; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -z "$pg_bin" ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
      echo "PostgreSQL is missing: installing the Debian package for the axon suite" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    else
      echo "The axon suite needs PostgreSQL's server binaries (Debian: apt-get install postgresql)," >&2
      echo "or leave it out: benchmarks/run.sh --only raw,commands,latency,projection,reads,sagas" >&2
      exit 1
    fi
  fi
  # postgres refuses to run as root: as root, the cluster belongs to the postgres user
  as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  # on the same disk as the embedded broker's logs (the JVM's temp dir), so fsync costs what it costs there
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/myelin-axon-pg.XXXXXX")
  stop_pg() {
    as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  }
  trap stop_pg EXIT
  [[ $(id -u) -eq 0 ]] && chown postgres: "$pg_dir"
  as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
  # a free port: nothing answers on it
  while :; do
    pg_port=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null || break
  done
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=on -c synchronous_commit=on -c full_page_writes=on" \
    start >/dev/null
  as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres bench
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $NF}') on 127.0.0.1:$pg_port (fsync=on, synchronous_commit=on), data in $pg_dir" >&2
  set -- "$@" --axon-jdbc "jdbc:postgresql://127.0.0.1:$pg_port/bench?user=postgres"
fi

kafka=()
[[ -n "${KAFKA_VERSION:-}" ]] && kafka=("-Dkafka.version=$KAFKA_VERSION")

# Compiles the benchmarks and the modules they use in this checkout and runs them from their
# target/classes, without installing anything into the local Maven repository (which other
# checkouts on the machine share). MVN_FLAGS adds Maven options, such as -o to stay offline.
# (exec:java cannot be used in the same reactor run: it would start the examples' demo too.)
classpath=$(mktemp "${TMPDIR:-/tmp}/myelin-bench-cp.XXXXXX")
trap 'rm -f "$classpath"; declare -F stop_pg >/dev/null && stop_pg' EXIT
# shellcheck disable=SC2086
mvn -B -q ${MVN_FLAGS:-} ${kafka[@]+"${kafka[@]}"} -pl benchmarks -am -DskipTests compile dependency:build-classpath \
  -Dmdep.outputFile="$classpath"
# BENCH_JAVA_OPTS adds JVM options, such as a flight recording: BENCH_JAVA_OPTS=-XX:StartFlightRecording=filename=bench.jfr
# shellcheck disable=SC2086
java -Xmx4g ${BENCH_JAVA_OPTS:-} -cp "benchmarks/target/classes:$(cat "$classpath")" dev.myelin.benchmarks.Benchmarks "$@"
