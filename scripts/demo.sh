#!/usr/bin/env bash
# `make demo`: a real conversation through Parley on throw-away local mail servers and two
# small blogs whose feeds are served on loopback (scripts/feedserver.py; the feeds are
# scripts/demo-feeds/): Liz's (Atom, as Jekyll writes it) and Ann's (RSS 2.0, as
# WordPress writes it). Liz and Ann hold a conversation; the first feed sync registers
# what their blogs already hold without telling anyone; Liz publishes a post on her blog;
# the daemon (`parley serve`) finds it in her feed and sends Ann the notification with an
# excerpt; Ann replies by email the way a mail client does; the daemon sees the reply over
# IMAP IDLE, publishes Ann's words as a comment at
# http://127.0.0.1:PORT/posts/POST-ID/comments, and notifies Liz. Then Ann answers on her
# own blog with a post that links Liz's, and the daemon tells Liz "Ann Handley answered
# your post …".
#
# The demo ends by itself (the daemon is stopped with SIGTERM at the end). To keep the
# daemon and its pages up until you press Ctrl-C: PARLEY_DEMO_KEEP=1 make demo
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
parley="${PARLEY:-$repo/.build/debug/parley}"
work=$(mktemp -d /tmp/parley-demo.XXXXXX)
chmod 755 "$work"   # Dovecot's mail processes (uid 65534) must reach the maildirs
serve_pid=""
feed_pid=""
cleanup() {
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then kill -TERM "$serve_pid"; wait "$serve_pid" || true; fi
  if [ -n "$feed_pid" ]; then kill -KILL "$feed_pid" 2>/dev/null || true; wait "$feed_pid" 2>/dev/null || true; fi
  "$repo/scripts/testservers.sh" stop "$work/servers"
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

"$repo/scripts/testservers.sh" start "$work/servers"
. "$work/servers/servers.env"

# The two blogs: their feeds are files under $work/feeds, served on a free loopback port
# with ETag and Last-Modified, as a blog's web server does.
fixtures="$repo/scripts/demo-feeds"
mkdir -p "$work/feeds/liz" "$work/feeds/ann"
# feed_write FIXTURE FEED: FEED becomes FIXTURE with its dates filled in.
# feed_write --publish FIXTURE FEED: FIXTURE (one <entry> or <item>) goes at the top of
# FEED, whose own date becomes now, as a blog engine does when a post is published.
# Dates: @ATOM@ / @RSS@ are now, @ATOM-3d@ / @RSS-3d@ three days ago (RFC 3339 / RFC 822).
# The file is replaced in one rename, so the server never serves it half-written.
feed_write() {
  /usr/bin/python3 - "$@" <<'PY'
import datetime, email.utils, os, re, sys
publish = sys.argv[1] == "--publish"
fixture, feed = sys.argv[-2], sys.argv[-1]
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
def date(kind, days=0):
    t = now - datetime.timedelta(days=days)
    return t.isoformat() if kind == "ATOM" else email.utils.format_datetime(t)
text = re.sub(r"@(ATOM|RSS)(?:-(\d+)d)?@", lambda m: date(m.group(1), int(m.group(2) or 0)),
              open(fixture, encoding="utf-8").read())
if publish:
    entry = re.sub(r"^\s*<!--.*?-->\s*\n", "", text, flags=re.S)
    old = open(feed, encoding="utf-8").read()
    top = re.search(r"^[ \t]*<(entry|item)[\s>]", old, flags=re.M).start()
    text = old[:top] + entry + old[top:]
    text = re.sub(r"<updated>[^<]*</updated>", "<updated>%s</updated>" % date("ATOM"), text, count=1)
    text = re.sub(r"<lastBuildDate>[^<]*</lastBuildDate>", "<lastBuildDate>%s</lastBuildDate>" % date("RSS"), text, count=1)
with open(feed + ".tmp", "w", encoding="utf-8") as f:
    f.write(text)
os.replace(feed + ".tmp", feed)
PY
}
feed_write "$fixtures/liz-feed.xml" "$work/feeds/liz/feed.xml"
feed_write "$fixtures/ann-feed.rss" "$work/feeds/ann/feed.rss"
/usr/bin/python3 "$repo/scripts/feedserver.py" --root "$work/feeds" --port-file "$work/feeds.port" 2>"$work/feedserver.log" &
feed_pid=$!
for _ in $(seq 50); do [ -s "$work/feeds.port" ] && break; sleep 0.1; done
[ -s "$work/feeds.port" ] || { echo "the feed server did not start:"; cat "$work/feedserver.log"; exit 1; }
liz_feed="http://127.0.0.1:$(cat "$work/feeds.port")/liz/feed.xml"
ann_feed="http://127.0.0.1:$(cat "$work/feeds.port")/ann/feed.rss"

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

[[blog]]
name = "liz"
feed_url = "$liz_feed"
author = "Liz Strauss <liz@example.org>"
conversation = "liz-ann"
category = "liz-ann"
poll_interval = "1s"
origin = "https://liz.example.org"

[[blog]]
name = "ann"
feed_url = "$ann_feed"
author = "Ann Handley <ann@example.net>"
conversation = "liz-ann"
category = "liz-ann"
poll_interval = "1s"
origin = "https://ann.example.net"

[publish]
templates_dir = "$repo/templates"
output_dir = "$work/public"
TOML
p() { "$parley" "$@" --config "$work/parley.toml"; }
cd "$work"

# mail_headers FILE NAME…: those headers of a message, decoded (RFC 2047) and unfolded.
mail_headers() {
  /usr/bin/python3 -c 'import email,email.policy,sys; m=email.message_from_bytes(open(sys.argv[1],"rb").read(),policy=email.policy.default); [print("%s: %s" % (n, v)) for n in sys.argv[2:] for v in (m.get_all(n) or [])]' "$@"
}
# mail_text FILE: the message's text part.
mail_text() {
  /usr/bin/python3 -c 'import email,email.policy,sys; m=email.message_from_bytes(open(sys.argv[1],"rb").read(),policy=email.policy.default); print(m.get_body(("plain",)).get_content())' "$1"
}
# post_id URL: the id Parley gave the post with that permalink (`parley post list --json`).
post_id() {
  p post list --json | /usr/bin/python3 -c 'import json,sys; print(next(p["id"] for p in json.load(sys.stdin) if p["url"] == sys.argv[1]))' "$1"
}

say "Two blogs, served on loopback: Liz's feed (Atom, Jekyll) and Ann's (RSS 2.0, WordPress)"
for feed in "$liz_feed" "$ann_feed"; do
  echo "$feed"
  curl -sf "$feed" | "$parley" feed inspect --url "$feed" | /usr/bin/python3 -c '
import json, sys
for e in json.load(sys.stdin)["entries"]:
    print("  %s  %s  [%s]  %s" % (e["published"], e["title"], ", ".join(e["categories"]), e["link"]))'
done

say "A conversation between Liz and Ann; each blog's posts tagged liz-ann join it"
p conversation add --id liz-ann --title "Liz & Ann" --partner "Liz Strauss <liz@example.org>" --partner "Ann Handley <ann@example.net>"

say "parley check"
p check

say "The first feed sync registers what the blogs already hold, and tells no one"
# (its log, on stderr, says the same lines again: kept aside, shown if the sync fails)
p feed sync 2>"$work/feed-sync.log" || { cat "$work/feed-sync.log"; exit 1; }
p feed list
echo
p post list --json
echo
echo "notifications queued: $(p outbox list --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

say "parley serve: the daemon (mailbox loop with IMAP IDLE, a feed loop per blog, outbox sender, HTTP on $base)"
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
sink_count() { find "$SINK_DIR" -maxdepth 1 -name '*.eml' | wc -l; }
sink_has() { [ "$(sink_count)" -ge "$1" ]; }   # sink_has N: the SMTP sink holds N messages or more
newest_mail() { find "$SINK_DIR" -maxdepth 1 -name '*.eml' | sort | tail -1; }

say "Liz publishes “On trust, part 1” on her blog: a new entry at the top of her feed"
liz_url="https://liz.example.org/on-trust-part-1/"
feed_write --publish "$fixtures/liz-new-entry.xml" "$work/feeds/liz/feed.xml"
published=$(date +%s%N)
echo "$liz_feed now starts with “On trust, part 1” <$liz_url>"
wait_for 30 sink_has 1
echo "the daemon found it and mailed Ann $(( ($(date +%s%N) - published) / 1000000 )) ms later (poll_interval 1s)"
liz_post=$(post_id "$liz_url")
echo "post id: $liz_post"

note=$(newest_mail)
say "Ann's notification, sent by the daemon, as received by the SMTP sink"
mail_headers "$note" From To Reply-To Subject Message-ID References List-Unsubscribe List-Unsubscribe-Post
echo
mail_text "$note"

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
mail_text "$work/reply.eml" | sed -n 1,7p
/usr/bin/python3 "$repo/scripts/deliver.py" "$MAIL_ROOT" talk "$work/reply.eml"

say "The daemon sees the reply at once (IMAP IDLE) and publishes it"
wait_for 30 sh -c "curl -sf '$base/posts/$liz_post/comments.json' | grep -q best"
p comment list --post "$liz_post"

say "The comments, served by parley serve at $base/posts/$liz_post/comments"
echo "  HTML: $base/posts/$liz_post/comments"
echo "  JSON: $base/posts/$liz_post/comments.json"
echo "  Atom: $base/posts/$liz_post/comments.atom"
echo
curl -s "$base/posts/$liz_post/comments" | sed -n '/<ol class="comments">/,/<\/ol>/p'

say "Liz is told by the daemon's outbox"
wait_for 30 sink_has 2
last=$(newest_mail)
mail_headers "$last" To Subject In-Reply-To References
echo
mail_text "$last"

say "Liz's mail provider unsubscribes her from this post's comments with one click (RFC 8058 POST to the List-Unsubscribe URL)"
url=$(/usr/bin/python3 -c 'import email,email.policy,re,sys; m=email.message_from_bytes(open(sys.argv[1],"rb").read(),policy=email.policy.default); print(re.search(r"<(https?://[^>]+)>", str(m["List-Unsubscribe"])).group(1))' "$last")
echo "GET  ${url%/*}/…  (shows a page; changes nothing):  HTTP $(curl -s -o /dev/null -w '%{http_code}' "$url")"
echo "POST ${url%/*}/…  List-Unsubscribe=One-Click:        HTTP $(curl -s -o /dev/null -w '%{http_code}' -d 'List-Unsubscribe=One-Click' "$url")"

say "Ann answers on her own blog: a new post whose text links Liz's"
ann_url="https://ann.example.net/trust-is-the-whole-strategy/"
feed_write --publish "$fixtures/ann-new-item.xml" "$work/feeds/ann/feed.rss"
published=$(date +%s%N)
echo "$ann_feed now starts with “Trust is the whole strategy” <$ann_url>, which links <$liz_url>"
wait_for 30 sink_has 3
echo "the daemon found it and mailed Liz $(( ($(date +%s%N) - published) / 1000000 )) ms later"
ann_post=$(post_id "$ann_url")

say "Liz is told that Ann answered her post (new posts of the conversation still reach her)"
answer=$(newest_mail)
mail_headers "$answer" To Subject References
echo
mail_text "$answer"

say "The answer is recorded: parley post show $ann_post --json, and Liz's post"
p post show "$ann_post" --json
p post show "$liz_post"

say "What happened to every email (parley inbound list)"
p inbound list

say "Metrics ($base/metrics)"
curl -s "$base/metrics" | grep -E '^parley_(emails_ingested_total|notifications_total|outbox_depth|last_successful_poll)' || true

if [ -n "${PARLEY_DEMO_KEEP:-}" ]; then
  say "parley serve keeps running: open $base/posts/$liz_post/comments, or add entries to $work/feeds/*/ — press Ctrl-C to stop it"
  trap 'echo; echo "stopping…"' INT
  wait "$serve_pid" || true
else
  say "Stopping the daemon (SIGTERM); run PARLEY_DEMO_KEEP=1 make demo to keep it up and browse $base/posts/$liz_post/comments"
  kill -TERM "$serve_pid"
  status=0; wait "$serve_pid" || status=$?
  serve_pid=""
  echo "parley serve exited with status $status"
fi
say "Demo finished; the throw-away servers stop now."
