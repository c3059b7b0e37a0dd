#!/usr/bin/env bash
# `make bench`: every benchmark, release build, figures as measured.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=.build/release/parley-bench
echo "== parse + classify + trim throughput (one core)"
"$bench" mail
