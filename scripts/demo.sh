#!/usr/bin/env bash
# `make demo`: a real conversation through Parley on throw-away local mail servers.
# Liz and Ann hold a conversation; Liz publishes a post; Ann gets the notification,
# replies by email the way a mail client does; Parley polls the IMAP inbox, publishes
# Ann's words as a comment and notifies Liz.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
parley="$repo/.build/debug/parley"
work=$(mktemp -d /tmp/parley-demo.XXXXXX)
chmod 755 "$work"   # Dovecot's mail processes (uid 65534) must reach the maildirs
trap '"$repo/scripts/testservers.sh" stop "$work/servers"; rm -rf "$work"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

"$repo/scripts/testservers.sh" start "$work/servers"
. "$work/servers/servers.env"

export PARLEY_SECRET="demo-secret-$(date +%s%N)"
cat > "$work/parley.toml" <<TOML
[site]
name = "one2one"
base_url = "http://127.0.0.1:8080"
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
p outbox flush

note=$(ls "$SINK_DIR"/*.eml | head -1)
say "Ann's notification, as received by the SMTP sink"
sed -n '1,/^\r\?$/p' "$note" | grep -iE '^(From|To|Reply-To|Subject|Message-ID|References|List-Unsubscribe):'

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

say "parley poll --once"
p poll --once

say "The published comment"
p comment list --post trust

say "parley outbox flush: Liz is told"
p outbox flush
last=$(ls "$SINK_DIR"/*.eml | tail -1)
sed -n '1,/^\r\?$/p' "$last" | grep -iE '^(To|Subject|In-Reply-To|References):'
/usr/bin/python3 -c 'import email,email.policy,sys; m=email.message_from_bytes(open(sys.argv[1],"rb").read(),policy=email.policy.default); print(m.get_body(("plain",)).get_content())' "$last"

say "What happened to every email (parley inbound list)"
p inbound list
say "Demo finished; the throw-away servers stop now."
