#!/usr/bin/env bash
# `make bench`: every benchmark, release build, figures as measured.
set -euo pipefail
cd "$(dirname "$0")/.."
# PARLEY_BENCH names another build of the benchmark (e.g. .build-perf/release/parley-bench).
bench=${PARLEY_BENCH:-.build/release/parley-bench}
echo "== parse + classify + trim throughput (one core)"
"$bench" mail
echo "== IMAP ingest: a 10,000-reply backlog, beside the raw one-by-one UID FETCH limit"
"$bench" ingest 10000
echo "== IDLE latency: delivery to publication, median of 20"
"$bench" latency 20
echo "== fan-out: one comment's notifications to 1,000 subscribers, against the raw libcurl limit"
servers=$(mktemp -d -t parley-bench-servers.XXXXXX); chmod 755 "$servers"
trap 'scripts/testservers.sh stop "$servers/run" >/dev/null 2>&1 || true; rm -rf "$servers"' EXIT
scripts/testservers.sh start "$servers/run" >/dev/null
"$bench" fanout "$servers/run" 1000
