#!/usr/bin/env bash
# `make bench`: every benchmark, release build, figures as measured.
set -euo pipefail
cd "$(dirname "$0")/.."
# PARLEY_BENCH names another build of the benchmark (e.g. .build-perf/release/parley-bench).
bench=${PARLEY_BENCH:-.build/release/parley-bench}
echo "== parse + classify + trim throughput (one core)"
"$bench" mail
echo "== feed parsing (one core): Parley's reader beside Python's feedparser on the same fixture files, same run"
# feedparser goes into a throw-away venv, removed at the end of this section (the trap
# covers a failure part-way; the later sections set their own EXIT trap).
fixtures=Tests/ParleyFeedTests/Fixtures
fpdir=$(mktemp -d -t parley-bench-feedparser.XXXXXX)
trap 'rm -rf "$fpdir"' EXIT
if python3 -m venv "$fpdir/venv" >"$fpdir/setup.log" 2>&1 &&
    "$fpdir/venv/bin/pip" install --quiet --disable-pip-version-check --timeout 15 --retries 1 feedparser >>"$fpdir/setup.log" 2>&1; then
    echo "feedparser $("$fpdir/venv/bin/python" -c 'import feedparser; print(feedparser.__version__)') (pip, throw-away venv)"
    "$bench" feeds "$fixtures" | tee "$fpdir/parley.out"
    "$fpdir/venv/bin/python" scripts/bench-feedparser.py "$fixtures" | tee "$fpdir/feedparser.out"
    parley_rate=$(awk '$1 == "parley-rate" { print $2 }' "$fpdir/parley.out" | tail -n 1)
    fp_rate=$(awk '$1 == "feedparser-rate" { print $2 }' "$fpdir/feedparser.out" | tail -n 1)
    if [ -n "$parley_rate" ] && [ -n "$fp_rate" ]; then
        awk -v p="$parley_rate" -v f="$fp_rate" 'BEGIN { if (f > 0) printf "ratio: Parley %.1f× feedparser (goal: at least 10×)\n", p / f; else print "ratio: not computed (feedparser-rate is 0)" }'
    else
        echo "ratio: not computed (missing parley-rate or feedparser-rate line)"
    fi
else
    echo "note: could not install feedparser into a venv (no network?): $(tail -n 1 "$fpdir/setup.log")"
    echo "note: skipping the feedparser comparison; Parley's side alone:"
    "$bench" feeds "$fixtures"
fi
echo "rerun: bash scripts/bench.sh (or: .build/release/parley-bench feeds Tests/ParleyFeedTests/Fixtures)"
rm -rf "$fpdir"
trap - EXIT

echo "== IMAP ingest: a 10,000-reply backlog, beside the raw one-by-one UID FETCH limit"
"$bench" ingest 10000
echo "== IDLE latency: delivery to publication, median of 20"
"$bench" latency 20
echo "== fan-out: one comment's notifications to 1,000 subscribers, against the raw libcurl limit"
servers=$(mktemp -d -t parley-bench-servers.XXXXXX); chmod 755 "$servers"
trap 'scripts/testservers.sh stop "$servers/run" >/dev/null 2>&1 || true; rm -rf "$servers"' EXIT
scripts/testservers.sh start "$servers/run" >/dev/null
"$bench" fanout "$servers/run" 1000

bash scripts/bench-fanout.sh

echo "== HTTP: GET /posts/{id}/comments.json of a 200-comment post, parley serve beside nginx serving the same bytes as a static file (wrk, same run)"
bash scripts/bench-http.sh
