#!/usr/bin/env bash
# `make demo`: a real conversation through Parley on throw-away local mail servers.
# Liz and Ann hold a conversation; Liz publishes a post; the daemon (`parley serve`)
# sends Ann the notification; Ann replies by email the way a mail client does; the
# daemon sees the reply over IMAP IDLE, publishes Ann's words as a comment at
# http://127.0.0.1:PORT/posts/trust/comments, and notifies Liz.
#
# The demo ends by itself (the daemon is stopped with SIGTERM at the end). To keep the
# daemon and its pages up until you press Ctrl-C: PARLEY_DEMO_KEEP=1 make demo
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
parley="${PARLEY:-$repo/.build/debug/parley}"
work=$(mktemp -d /tmp/parley-demo.XXXXXX)
chmod 755 "$work"   # Dovecot's mail processes (uid 65534) must reach the maildirs
serve_pid=""
cleanup() {
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then kill -TERM "$serve_pid"; wait "$serve_pid" || true; fi
  "$repo/scripts/testservers.sh" stop "$work/servers"
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

"$repo/scripts/testservers.sh" start "$work/servers"
. "$work/servers/servers.env"

export PARLEY_SECRET="demo-secret-$(date +%s%N)"
http_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$http_port"
cat > "$work/parley.toml" <<TOML
[site]
name = "one2one"
base_url = "$base"
secret_env = "PARLEY_SECRET"
moderation = "first-time"

[database]
path = "$work/parley.sqlite"

[smtp]
url = "smtp://127.0.0.1:$SMTP_PORT"
starttls = "never"
from = "one2one <talk@example.org>"

[[mailbox]]
name = "talk"
url = "imap://127.0.0.1:$IMAP_PORT/INBOX"
starttls = "never"
username = "talk"
password = "secret"
reply_address = "talk+{token}@example.org"
processed_folder = "Parley/Processed"
rejected_folder = "Parley/Rejected"

[http]
listen = "127.0.0.1:$http_port"

[publish]
templates_dir = "$repo/templates"
output_dir = "$work/public"
TOML
p() { "$parley" "$@" --config "$work/parley.toml"; }
cd "$work"

say "parley check"
p check

say "A conversation between Liz and Ann, and Liz's first post"
p conversation add --id liz-ann --title "Liz & Ann" --partner "Liz Strauss <liz@example.org>" --partner "Ann Handley <ann@example.net>"
p post add --id trust --title "On trust, part 1" --url "https://liz.example.org/trust" --author "liz@example.org" --conversation liz-ann

say "parley serve: the daemon (mailbox loop with IMAP IDLE, outbox sender, HTTP on $base)"
"$parley" serve --config "$work/parley.toml" > "$work/serve.log" 2>&1 &
serve_pid=$!
wait_for() {  # wait_for SECONDS COMMAND…: retries COMMAND until it succeeds
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $end ]; then echo "timed out waiting for: $*"; tail -20 "$work/serve.log"; exit 1; fi
    sleep 0.2
  done
}
wait_for 30 curl -sf "$base/healthz"
curl -s "$base/healthz"; echo
sink_count() { ls "$SINK_DIR"/*.eml 2>/dev/null | wc -l; }
wait_for 30 test "$(sink_count)" -ge 1

note=$(ls "$SINK_DIR"/*.eml | head -1)
say "Ann's notification, sent by the daemon, as received by the SMTP sink"
sed -n '1,/^\r\?$/p' "$note" | grep -iE '^(From|To|Reply-To|Subject|Message-ID|References|List-Unsubscribe(-Post)?):'

say "Ann hits Reply in her mail client and writes two lines above the quote"
/usr/bin/python3 - "$note" "$work/reply.eml" <<'PY'
import email, email.policy, sys
from email.message import EmailMessage
note = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
quoted = note.get_body(("plain",)).get_content()
reply = EmailMessage()
reply["From"] = "Ann Handley <ann@example.net>"
reply["To"] = note["Reply-To"]
reply["Subject"] = "Re: " + note["Subject"]
reply["Message-ID"] = "<ann-reply-1@example.net>"
reply["In-Reply-To"] = note["Message-ID"]
reply["References"] = note["Message-ID"]
reply["Date"] = "Thu, 26 Nov 2026 10:00:00 +0000"
body = "Liz, this is the best thing you have written on trust.\nI will answer with a post of my own next week.\n\n"
body += "On Thu, Nov 26, 2026 at 9:00 AM one2one <talk@example.org> wrote:\n"
body += "".join("> " + line + "\n" for line in quoted.splitlines())
reply.set_content(body)
open(sys.argv[2], "wb").write(reply.as_bytes(policy=email.policy.SMTP))
PY
sed -n '/^\r\?$/,$p' "$work/reply.eml" | head -8
/usr/bin/python3 "$repo/scripts/deliver.py" "$MAIL_ROOT" talk "$work/reply.eml"

say "The daemon sees the reply at once (IMAP IDLE) and publishes it"
wait_for 30 sh -c "curl -sf '$base/posts/trust/comments.json' | grep -q best"
p comment list --post trust

say "The comments, served by parley serve at $base/posts/trust/comments"
echo "  HTML: $base/posts/trust/comments"
echo "  JSON: $base/posts/trust/comments.json"
echo "  Atom: $base/posts/trust/comments.atom"
echo
curl -s "$base/posts/trust/comments" | sed -n '/<ol class="comments">/,/<\/ol>/p'

say "Liz is told by the daemon's outbox"
wait_for 30 test "$(sink_count)" -ge 2
last=$(ls "$SINK_DIR"/*.eml | tail -1)
sed -n '1,/^\r\?$/p' "$last" | grep -iE '^(To|Subject|In-Reply-To|References):'
/usr/bin/python3 -c 'import email,email.policy,sys; m=email.message_from_bytes(open(sys.argv[1],"rb").read(),policy=email.policy.default); print(m.get_body(("plain",)).get_content())' "$last"

say "Liz's mail provider unsubscribes her with one click (RFC 8058 POST to the List-Unsubscribe URL)"
url=$(/usr/bin/python3 -c 'import email,email.policy,re,sys; m=email.message_from_bytes(open(sys.argv[1],"rb").read(),policy=email.policy.default); print(re.search(r"<(https?://[^>]+)>", str(m["List-Unsubscribe"])).group(1))' "$last")
echo "GET  ${url%/*}/…  (shows a page; changes nothing):  HTTP $(curl -s -o /dev/null -w '%{http_code}' "$url")"
echo "POST ${url%/*}/…  List-Unsubscribe=One-Click:        HTTP $(curl -s -o /dev/null -w '%{http_code}' -d 'List-Unsubscribe=One-Click' "$url")"

say "What happened to every email (parley inbound list)"
p inbound list

say "Metrics ($base/metrics)"
curl -s "$base/metrics" | grep -E '^parley_(emails_ingested_total|notifications_total|outbox_depth|last_successful_poll)' || true

if [ -n "${PARLEY_DEMO_KEEP:-}" ]; then
  say "parley serve keeps running: open $base/posts/trust/comments — press Ctrl-C to stop it"
  trap 'echo; echo "stopping…"' INT
  wait "$serve_pid" || true
else
  say "Stopping the daemon (SIGTERM); run PARLEY_DEMO_KEEP=1 make demo to keep it up and browse $base/posts/trust/comments"
  kill -TERM "$serve_pid"
  status=0; wait "$serve_pid" || status=$?
  serve_pid=""
  echo "parley serve exited with status $status"
fi
say "Demo finished; the throw-away servers stop now."
