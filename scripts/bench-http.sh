#!/usr/bin/env bash
# HTTP benchmark (part of `make bench`): wrk (Debian's) against
# GET /posts/{id}/comments.json of a 200-comment post served by `parley serve`, beside
# nginx (Debian's) serving the same bytes as a static file, in the same run.
# Goal: Parley's requests per second at least 0.5× nginx's, and no errors.
#
# The post gets its comments the real way: throw-away mail servers (scripts/testservers.sh,
# as scripts/demo.sh uses them), 200 subscribers of the conversation, each notified of the
# post through the outbox and the SMTP sink, each replying to their own notification; the
# replies are delivered to the IMAP inbox and `parley poll --once` publishes them.
#
#   bash scripts/bench-http.sh              the release binary (.build/release/parley)
#   PARLEY_BIN=.build/debug/parley bash scripts/bench-http.sh
#   PARLEY_BENCH_HTTP_DURATION=30s …        a longer wrk run (default 10s)
#
# wrk and nginx are installed with apt-get when missing; when that cannot be done the
# benchmark says "skipped" and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
parley=${PARLEY_BIN:-.build/release/parley}
duration=${PARLEY_BENCH_HTTP_DURATION:-10s}
comments=200

if [ ! -x "$parley" ]; then
    echo "no $parley: build it with  swift build -c release --product parley  (or set PARLEY_BIN)" >&2
    exit 1
fi
case "$parley" in /*) ;; *) parley="$repo/$parley" ;; esac

tmp=$(mktemp -d -t parley-bench-http.XXXXXX)
chmod 755 "$tmp"   # Dovecot's mail processes (uid 65534) and nginx's worker read below it
serve_pid=""
nginx_pid=""
servers_started=""
cleanup() {
    local status=$?
    if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
        kill -TERM "$serve_pid" 2>/dev/null || true
        wait "$serve_pid" 2>/dev/null || true
    fi
    if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
        kill -QUIT "$nginx_pid" 2>/dev/null || true   # graceful stop: master and worker
        for _ in $(seq 1 100); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    if [ -n "$servers_started" ]; then
        scripts/testservers.sh stop "$tmp/servers" >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # so that the EXIT trap cleans up after Ctrl-C or kill as well

# --- wrk and nginx, Debian's -------------------------------------------------------------
nginx_bin=$(command -v nginx || true)
if [ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ]; then nginx_bin=/usr/sbin/nginx; fi
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -n "$nginx_bin" ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing with apt-get: ${missing[*]}"
    apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$tmp/apt.log" 2>&1; }
    # nginx-light is gone from Debian 13: plain nginx there.
    if ! { apt_install "${missing[@]}" ||
           { apt-get update -qq >>"$tmp/apt.log" 2>&1 && apt_install "${missing[@]}"; } ||
           apt_install "${missing[@]/nginx-light/nginx}"; }; then
        echo "skipped: could not install ${missing[*]} with apt-get (not root? no network?): $(tail -n 1 "$tmp/apt.log")"
        exit 0
    fi
    nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
    if ! command -v wrk >/dev/null 2>&1 || [ ! -x "$nginx_bin" ]; then
        echo "skipped: wrk or nginx still missing after apt-get install"
        exit 0
    fi
fi
echo "$(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2), $("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //'), $(nproc) CPUs"

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_for() {  # wait_for SECONDS WHAT COMMAND…: retries COMMAND until it succeeds
    local end=$((SECONDS + $1)) what=$2; shift 2
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $end ]; then echo "timed out waiting for $what" >&2; return 1; fi
        sleep 0.1
    done
}

# --- throw-away mail servers and a configuration like the demo's -----------------------
scripts/testservers.sh start "$tmp/servers" >/dev/null
servers_started=1
. "$tmp/servers/servers.env"

export PARLEY_SECRET="bench-http-secret-$(date +%s%N)"
http_port=$(free_port)
nginx_port=$(free_port)
while [ "$nginx_port" = "$http_port" ]; do nginx_port=$(free_port); done
base="http://127.0.0.1:$http_port"
cat > "$tmp/parley.toml" <<TOML
[site]
name = "bench"
base_url = "$base"
secret_env = "PARLEY_SECRET"
moderation = "none"

[database]
path = "$tmp/parley.sqlite"

[smtp]
url = "smtp://127.0.0.1:$SMTP_PORT"
starttls = "never"
from = "bench <talk@bench.test>"

[[mailbox]]
name = "talk"
url = "imap://127.0.0.1:$IMAP_PORT/INBOX"
starttls = "never"
username = "talk"
password = "secret"
reply_address = "talk+{token}@bench.test"
processed_folder = "Parley/Processed"
rejected_folder = "Parley/Rejected"

[http]
listen = "127.0.0.1:$http_port"

[publish]
templates_dir = "$repo/templates"
output_dir = "$tmp/public"
TOML
p() { "$parley" "$@" --config "$tmp/parley.toml"; }
count_json() { /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d) if isinstance(d, list) else -1)'; }

# --- a post with 200 published comments -------------------------------------------------
post=bench-post
p conversation add --id bench --title "Bench" \
    --partner "Liz Author <liz@bench.test>" --partner "Ann Partner <ann@bench.test>" >/dev/null
for i in $(seq 1 "$comments"); do
    p subscribe --email "a$i@bench.test" --conversation bench >/dev/null
done
p post add --id "$post" --title "On trust, part 1" --url "https://liz.bench.test/on-trust-part-1/" \
    --author "Liz Author <liz@bench.test>" --conversation bench >/dev/null
p outbox flush >"$tmp/flush.log" 2>&1 || { cat "$tmp/flush.log"; exit 1; }

# Each subscriber answers their own notification the way a mail client does: To its
# Reply-To, In-Reply-To and References its Message-ID, a few lines above the quote.
/usr/bin/python3 - "$SINK_DIR" "$MAIL_ROOT" "$comments" <<'PY'
import email, email.policy, glob, os, random, re, sys
from email.message import EmailMessage
sys.path.insert(0, "scripts")
import deliver

sink, root, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(200)
sentences = [
    "This is the clearest thing I have read on the subject in a long while.",
    "I am not sure I agree with the second part, though.",
    "We tried exactly this at work last year and it went about as you describe.",
    "Trust takes years to build and a minute to lose; you say it better than that.",
    "Could you write more about how this plays out in small teams?",
    "My grandmother used to say the same thing, in fewer words.",
    "The example about the bakery made me laugh, and then think.",
    "I would add that listening is most of it.",
    "Bookmarked, and sent to two friends.",
    "Looking forward to part 2 — and to Ann's answer.",
]
notes = {}
for path in sorted(glob.glob(os.path.join(sink, "*.eml"))):
    note = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    to = note["To"].addresses[0].addr_spec if note["To"] and note["To"].addresses else ""
    if re.fullmatch(r"a\d+@bench\.test", to):
        notes[to] = note
if len(notes) != want:
    sys.exit("expected %d notifications to the subscribers in %s, found %d" % (want, sink, len(notes)))
for n, (addr, note) in enumerate(sorted(notes.items(), key=lambda kv: int(kv[0][1:].split("@")[0])), 1):
    quoted = note.get_body(("plain",)).get_content()
    reply = EmailMessage()
    reply["From"] = "Reader %d <%s>" % (n, addr)
    reply["To"] = note["Reply-To"]
    reply["Subject"] = "Re: " + note["Subject"]
    reply["Message-ID"] = "<bench-reply-%d@bench.test>" % n
    reply["In-Reply-To"] = note["Message-ID"]
    reply["References"] = note["Message-ID"]
    reply["Date"] = "Thu, 26 Nov 2026 10:%02d:%02d +0000" % (n // 60 % 60, n % 60)
    body = " ".join(rng.sample(sentences, rng.randint(2, 5))) + "\n\nReader %d\n\n" % n
    body += "On Thu, Nov 26, 2026 at 9:00 AM bench <talk@bench.test> wrote:\n"
    body += "".join("> " + line + "\n" for line in quoted.splitlines())
    reply.set_content(body)
    deliver.deliver(root, "talk", reply.as_bytes(policy=email.policy.SMTP))
PY
p poll --once >"$tmp/poll.log" 2>&1 || { echo "parley poll --once failed:" >&2; tail -n 20 "$tmp/poll.log" >&2; exit 1; }
published=$(p comment list --post "$post" --status published --json 2>/dev/null | count_json)
if [ "$published" != "$comments" ]; then
    echo "FAILED: the post has $published published comments, not $comments (parley poll --once said:)" >&2
    tail -n 20 "$tmp/poll.log" >&2
    exit 1
fi
# The comments' notifications (about 200 × 200) go to the sink now, so that the daemon's
# outbox sender is idle while wrk runs, as on a site whose outbox has caught up.
p outbox flush >"$tmp/flush.log" 2>&1 || { cat "$tmp/flush.log"; exit 1; }

# --- parley serve -------------------------------------------------------------------------
"$parley" serve --config "$tmp/parley.toml" >"$tmp/serve.log" 2>&1 &
serve_pid=$!
if ! wait_for 30 "parley serve's /healthz" curl -sf "$base/healthz"; then
    tail -n 20 "$tmp/serve.log" >&2
    exit 1
fi
parley_url="$base/posts/$post/comments.json"
mkdir -p "$tmp/www"
curl -sf -o "$tmp/www/comments.json" "$parley_url"
chmod 644 "$tmp/www/comments.json"
served=$(count_json < "$tmp/www/comments.json")
if [ "$served" != "$comments" ]; then
    echo "FAILED: $parley_url is not a JSON array of $comments comments (count: $served)" >&2
    exit 1
fi

# --- nginx, the same bytes as a static file -----------------------------------------------
mkdir -p "$tmp/nginx/logs"
cat > "$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
daemon off;
events {
    worker_connections 1024;
}
http {
    access_log off;
    types {
        application/json json;
    }
    default_type application/json;
    charset utf-8;   # Content-Type: application/json; charset=utf-8, as Parley sends it
    charset_types application/json;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        root $tmp/www;
    }
}
CONF
"$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log" >"$tmp/nginx/logs/stdout.log" 2>&1 &
nginx_pid=$!
nginx_url="http://127.0.0.1:$nginx_port/comments.json"
if ! wait_for 10 "nginx on port $nginx_port" curl -sf -o "$tmp/nginx.json" "$nginx_url"; then
    cat "$tmp/nginx/logs/error.log" "$tmp/nginx/logs/stdout.log" >&2 || true
    exit 1
fi
if ! cmp -s "$tmp/www/comments.json" "$tmp/nginx.json"; then
    echo "FAILED: nginx does not serve the same bytes as Parley" >&2
    exit 1
fi
echo "comments.json: $(wc -c < "$tmp/www/comments.json") bytes, $comments comments; Parley $parley_url, nginx $nginx_url"

# --- wrk ----------------------------------------------------------------------------------
# run_wrk NAME URL: a 2 s warm-up (discarded), then wrk -t1 -c16 -d$duration --latency.
run_wrk() {
    local name=$1 url=$2
    wrk -t1 -c16 -d2s "$url" >/dev/null 2>&1 || true
    wrk -t1 -c16 -d"$duration" --latency "$url" >"$tmp/wrk-$name.out" 2>&1 || true
    echo "-- $name: wrk -t1 -c16 -d$duration --latency $url"
    grep -E 'Latency|^ +(50|90|99)%|requests in|Requests/sec|Transfer/sec|Non-2xx|Socket errors' "$tmp/wrk-$name.out" || cat "$tmp/wrk-$name.out"
}
rate_of() { awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk-$1.out"; }
errors_of() {
    local non2xx socket
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$tmp/wrk-$1.out")
    socket=$(sed -n 's/^ *Socket errors: *//p' "$tmp/wrk-$1.out")
    if [ -z "$non2xx" ] && [ -z "$socket" ]; then
        echo "none"
    else
        echo "${non2xx:+$non2xx non-2xx/3xx}${non2xx:+${socket:+, }}${socket:+socket errors: $socket}"
    fi
}
run_wrk parley "$parley_url"
run_wrk nginx "$nginx_url"
parley_rate=$(rate_of parley)
nginx_rate=$(rate_of nginx)
ratio=$(awk -v p="${parley_rate:-0}" -v n="${nginx_rate:-0}" 'BEGIN { if (n > 0) printf "%.2f", p / n; else print "n/a" }')
echo "comments.json of a $comments-comment post: Parley ${parley_rate:-?} req/s, nginx ${nginx_rate:-?} req/s, ratio $ratio (goal: at least 0.5), errors: Parley $(errors_of parley), nginx $(errors_of nginx)"
echo "rerun: bash scripts/bench-http.sh"
