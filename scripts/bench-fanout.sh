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
# Each run: three rounds, each a Parley round (queue + flush of 1,000 notifications)
# then an smtp-source round right after it, so that both sample the same moments of this
# shared machine; each side's best of three, the same rule on both sides.
for run in 1 2 3; do
    parleys=""; flushes=""; loops=""; rates=""
    for _ in 1 2 3; do
        out=$("$bench" fanout "$sinkdir" 1000 1)
        parleys="$parleys $(printf '%s\n' "$out" | sed -n 's/^parley end to end (queue + flush): \([0-9]*\) msgs\/s.*/\1/p')"
        flushes="$flushes $(printf '%s\n' "$out" | sed -n 's/^parley flush (outbox → SMTP, one reused connection): \([0-9]*\) msgs\/s.*/\1/p')"
        loops="$loops $(printf '%s\n' "$out" | sed -n 's/^libcurl loop ([^)]*): \([0-9]*\) msgs\/s.*/\1/p')"
        start=$(date +%s.%N)
        /usr/sbin/smtp-source -d -s 1 -m 1000 -l 3500 -f bench@source.bench -t reader@source.bench 127.0.0.1:"$sinkport"
        end=$(date +%s.%N)
        rates="$rates $(/usr/bin/python3 -c 'import sys; print("%.0f" % (1000 / (float(sys.argv[2]) - float(sys.argv[1]))))' "$start" "$end")"
    done
    /usr/bin/python3 - "$run" "$parleys" "$flushes" "$loops" "$rates" <<'PY'
import sys
run, parleys, flushes, loops, rates = sys.argv[1], *[[int(x) for x in a.split()] for a in sys.argv[2:]]
p, s = max(parleys), max(rates)
print("run %s: parley end to end %s (flush alone %s; libcurl loop %s), smtp-source %s msgs/s: best %d beside %d, ratio %.2f (target >= 0.70)"
      % (run, " / ".join(map(str, parleys)), " / ".join(map(str, flushes)), " / ".join(map(str, loops)), " / ".join(map(str, rates)), p, s, p / s))
PY
done
echo "rerun: bash scripts/bench-fanout.sh (after swift build -c release --product parley-bench)"

