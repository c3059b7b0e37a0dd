#!/usr/bin/env bash
# Fan-out against Postfix's smtp-sink (C), beside smtp-source -d -s 1 (one kept
# connection, as Parley keeps one), three runs; part of `make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${PARLEY_BENCH:-.build/release/parley-bench}
echo "== fan-out against Postfix's smtp-sink (C), beside smtp-source -d -s 1 (one kept connection, as Parley keeps one), three runs"
# The Python sink's own ceiling (~1,500 msgs/s) hid what Parley costs; smtp-sink takes
# 10,000+ msgs/s here, so the ratio measures the sender.
sinkdir=$(mktemp -d -t parley-bench-smtpsink.XXXXXX); chmod 755 "$sinkdir"
sinkport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/sbin/smtp-sink -u postfix -c 127.0.0.1:"$sinkport" 256 >/dev/null 2>&1 &
sinkpid=$!
trap 'kill $sinkpid 2>/dev/null || true; rm -rf "$sinkdir"' EXIT
printf 'SMTP_PORT=%s\nIMAP_PORT=1\n' "$sinkport" > "$sinkdir/servers.env"
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/"$sinkport") 2>/dev/null && break; sleep 0.05; done
# Each run: Parley's best of three rounds beside smtp-source's best of three, the same
# rule on both sides.
for run in 1 2 3; do
    out=$("$bench" fanout "$sinkdir" 1000)
    parley=$(printf '%s\n' "$out" | sed -n 's/^parley end to end (queue + flush): \([0-9]*\) msgs\/s.*/\1/p')
    flush=$(printf '%s\n' "$out" | sed -n 's/^parley flush (outbox → SMTP, one reused connection): \([0-9]*\) msgs\/s.*/\1/p')
    loop=$(printf '%s\n' "$out" | sed -n 's/^libcurl loop ([^)]*): \([0-9]*\) msgs\/s.*/\1/p')
    times=""
    for _ in 1 2 3; do
        start=$(date +%s.%N)
        /usr/sbin/smtp-source -d -s 1 -m 1000 -l 3500 -f bench@source.bench -t reader@source.bench 127.0.0.1:"$sinkport"
        end=$(date +%s.%N)
        times="$times $start $end"
    done
    /usr/bin/python3 -c 'import sys; run, parley, flush, loop = sys.argv[1:5]; t = [float(x) for x in sys.argv[5:]]; rates = [1000 / (t[i + 1] - t[i]) for i in range(0, len(t), 2)]; best = max(rates); print("run %s: parley end to end %s msgs/s (flush alone %s; libcurl loop %s), smtp-source best of %s: %.0f msgs/s: ratio %.2f (target >= 0.70)" % (run, parley, flush, loop, " / ".join("%.0f" % r for r in rates), best, float(parley) / best))' \
        "$run" "$parley" "$flush" "$loop" $times
done
echo "rerun: bash scripts/bench-fanout.sh (after swift build -c release --product parley-bench)"

