#!/usr/bin/env bash
# Databases written by earlier versions of Parley itself, one per schema state, for
# the tests that open an old database and migrate it:
#   Tests/ParleyStoreTests/Fixtures/schema-history/NN-LAST_MIGRATION.sqlite
#   Tests/ParleyStoreTests/Fixtures/schema-history/NN-LAST_MIGRATION.json
# The .json is read back from the .sqlite (python3's sqlite3 module, the file opened
# immutable): the commit that wrote it, the applied migrations (grdb_migrations in
# order), and for every table its row count and its rows, column -> value, a BLOB
# given as the lowercase hex sha256 of its bytes with its length under "COLUMN#length".
#
# For each commit in FIXTURES below this script
#   1. checks the commit out in a worktree under /tmp/schema-wt (outside the repo),
#   2. builds only its `parley` CLI (one shared scratch path, /tmp/schema-build, so the
#      dependencies are built once; kept between runs; a failing build is retried in a
#      scratch path of its own),
#   3. starts throw-away mail servers (scripts/testservers.sh of this checkout, not of the
#      old commit: Dovecot and the SMTP sink; mail is delivered with this checkout's
#      scripts/deliver.py) and, with that commit's CLI only, does what a user of that
#      version does: a conversation between Zoë Ünal and Kenji 山田 (non-ASCII names and
#      titles), two posts, subscriptions (one address the sink refuses with 550, one it
#      defers with 451), `outbox flush`, replies delivered to the IMAP inbox (Kenji's
#      multi-line comment, published; Renée's first comment, held for moderation; Olaf's
#      answer to a forwarded notification, held; Olaf's mail to a reply address with a
#      forged token, rejected), `poll --once`, `outbox flush`, Zoë's
#      answer to Kenji's comment (a threaded comment), `poll --once`, `outbox flush`,
#      and `comment approve` of Renée's comment while the views cannot be written (so a
#      view request and the approval's notifications stay queued),
#   4. checkpoints and VACUUMs the database (no -wal/-shm beside it; the file stays in
#      WAL mode, as users have it), checks that the last applied migration is the one
#      listed, and writes the fixture and its manifest.
# Servers are stopped and worktrees removed on exit, also after a failure.
#
# usage: scripts/make-schema-fixtures.sh [NN ...]    (all fixtures without arguments)
# Needs root (the Maildirs belong to uid 65534), swift, python3, sqlite3 and dovecot.
# Re-running writes new files with the same content but new timestamps, reply tokens,
# notification Message-IDs and UIDVALIDITY; pass the NN of a new fixture to leave the
# committed ones alone. Takes about 3 minutes with /tmp/schema-build warm, 8 from cold.
#
# ADDING THE NEXT SCHEMA VERSION: when a commit registers a new migration (say
# "v6-something" in Sources/ParleyStore/Migrations+Something.swift), add a line below
#   "06 <commit> v6-something"
# with a commit that has it (the newest one that has exactly that set of migrations:
# HEAD once it is committed, or the commit just before the next migration was added),
# then run `scripts/make-schema-fixtures.sh 06` and commit the two new files. Keep the
# older lines: every earlier schema state stays covered. If the new version's CLI or
# config keys differ, adapt write_config/make_data below, keeping what the older
# versions need (they are run with the same steps). A migration that was added and taken
# out again before a release (like "v5-comments-by-inbound" in 2150a20, removed in
# 528ffe2) gets no fixture: no user's database has it.
set -euo pipefail

# NN COMMIT LAST_MIGRATION  (the migrations registered at that commit, in order, end with it)
FIXTURES=(
    "01 146828b2aff7 v1"               # last commit with only "v1" (before 195c1cb added v2-*)
    "02 ee41ca3b64eb v2-notify"        # v1, v2-publishing, v2-notify (before e511ee7 added v3-indexes)
    "03 2faa8ddf7099 v3-indexes"       # + v3-indexes (before b950b74 added v4-outbound-raw)
    "04 37a570f3fb12 v4-outbound-raw"  # + v4-outbound-raw (before f36f637 added v5-view-version)
    "05 f36f6379971e v5-view-version"  # + v5-view-version: the current schema
)

repo=$(cd "$(dirname "$0")/.." && pwd)
out_dir="$repo/Tests/ParleyStoreTests/Fixtures/schema-history"
wt_root=/tmp/schema-wt
scratch=/tmp/schema-build
secret="schema-fixtures-secret-0123456789abcdef"
export PARLEY_SECRET="$secret"
export PARLEY_WEBHOOK_SECRET="schema-fixtures-webhook-0123456789"

for tool in swift python3 sqlite3 git; do
    command -v "$tool" >/dev/null || { echo "make-schema-fixtures: $tool is needed" >&2; exit 1; }
done
[ -x /usr/sbin/dovecot ] || { echo "make-schema-fixtures: dovecot is needed (apt-get install dovecot-imapd)" >&2; exit 1; }

work=$(mktemp -d /tmp/schema-fixtures.XXXXXX)
chmod 755 "$work"   # Dovecot's mail processes (uid 65534) must reach the maildirs
servers=""
worktrees=()
cleanup() {
    local status=$?
    if [ -n "$servers" ]; then "$repo/scripts/testservers.sh" stop "$servers" || true; fi
    for wt in "${worktrees[@]}"; do
        [ -n "$wt" ] || continue
        git -C "$repo" worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
    done
    git -C "$repo" worktree prune
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$SECONDS

# build WT SHORT: prints the path of the built parley binary.
build() {
    local wt=$1 short=$2 log="$work/build-$2.log"
    local path=$scratch
    if ! (cd "$wt" && nice -n 10 swift build --product parley --scratch-path "$path") >"$log" 2>&1; then
        echo "build of $short in $path failed (tail of the log below); retrying in $scratch-$short" >&2
        tail -20 "$log" >&2
        path=$scratch-$short
        (cd "$wt" && nice -n 10 swift build --product parley --scratch-path "$path") >"$log" 2>&1 \
            || { tail -40 "$log" >&2; echo "build of $short failed" >&2; return 1; }
    fi
    echo "$(cd "$wt" && swift build --product parley --scratch-path "$path" --show-bin-path)/parley"
}

# write_config WT DIR: a config with the keys that version read (its config/parley.example.toml).
write_config() {
    local wt=$1 dir=$2
    . "$dir/servers/servers.env"
    cat > "$dir/parley.toml" <<TOML
[site]
name = "Briefwechsel — 往復書簡"
base_url = "http://127.0.0.1:8080"
secret_env = "PARLEY_SECRET"
moderation = "first-time"

[database]
path = "$dir/parley.sqlite"

[smtp]
url = "smtp://127.0.0.1:$SMTP_PORT"
starttls = "never"
from = "Briefwechsel <talk@example.org>"

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
templates_dir = "$wt/templates"
output_dir = "$dir/public"
TOML
    # From v2-publishing on a webhook needs a secret: one nobody listens at, so that its
    # delivery stays queued for a retry (a row in webhook_deliveries).
    if grep -rq webhook_secret "$wt/Sources/ParleyRelay/Config"; then
        local port
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
        cat >> "$dir/parley.toml" <<TOML
webhook_url = "http://127.0.0.1:$port/parley-hook"
webhook_secret_env = "PARLEY_WEBHOOK_SECRET"
TOML
    fi
}

# reply DB SINK RCPT KIND OUT FROM MESSAGE_ID BODY [TO]: a reply, as a mail client writes
# it, to the latest notification of KIND (outbound_messages.kind) the sink received for
# RCPT: to its Reply-To, quoting it below the new lines. With TO the mail goes there
# instead, without In-Reply-To and References (a reply address typed by hand).
reply() {
    python3 - "$@" <<'PY'
import email, email.policy, email.utils, glob, json, os, sqlite3, sys
from email.message import EmailMessage
db, sink, rcpt, kind, out, sender, msgid, body = sys.argv[1:9]
to = sys.argv[9] if len(sys.argv) > 9 else None
con = sqlite3.connect(db)
ids = {r[0].strip("<>") for r in con.execute(
    "SELECT messageId FROM outbound_messages WHERE kind = ? AND status = 'sent' AND lower(recipient) LIKE ?",
    (kind, "%" + rcpt.lower() + "%"))}
con.close()
note = None
for path in sorted(glob.glob(os.path.join(sink, "*.eml"))):
    m = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    if str(m["Message-ID"]).strip().strip("<>") in ids:
        note = m
if note is None:
    sys.exit("no %s notification for %s in %s" % (kind, rcpt, sink))
part = note.get_body(("plain",))
quoted = part.get_content() if part is not None else ""
msg = EmailMessage()
msg["From"] = sender
msg["To"] = to or note["Reply-To"]
subject = str(note["Subject"])
msg["Subject"] = subject if subject.lower().startswith("re:") else "Re: " + subject
msg["Message-ID"] = msgid
if to is None:  # an address typed by hand carries no In-Reply-To/References
    msg["In-Reply-To"] = note["Message-ID"]
    msg["References"] = ((note["References"] or "") + " " + note["Message-ID"]).strip()
msg["Date"] = email.utils.formatdate()
text = body + "\n\nOn Thu, 26 Nov 2026 at 09:00, Briefwechsel <talk@example.org> wrote:\n"
text += "".join("> " + line + "\n" for line in quoted.splitlines())
msg.set_content(text)
open(out, "wb").write(msg.as_bytes(policy=email.policy.SMTP))
PY
}

# make_data PARLEY DIR: the database, written by that version's CLI.
make_data() {
    local parley=$1 dir=$2 db=$2/parley.sqlite
    p() { echo "\$ parley $*"; "$parley" "$@" --config "$dir/parley.toml"; }
    . "$dir/servers/servers.env"

    p check || echo "(parley check failed; going on)"
    p conversation add --id zoe-kenji --title "Ελληνικά — 日本語" \
        --partner "Zoë Ünal <zoe@example.org>" --partner "Kenji 山田 <kenji@example.net>"
    p subscribe --email "Renée Ørsted <renee@example.com>" --conversation zoe-kenji
    p subscribe --email "reject-me@example.com" --conversation zoe-kenji
    p post add --id brief-1 --title "Ελληνικά — 日本語: Zoë's first letter" \
        --url "https://zoe.example.org/brief-1" --author "zoe@example.org" --conversation zoe-kenji
    p post add --id notizen --title "Notizen über Grüße" --url "https://kenji.example.net/notizen" \
        --author "kenji@example.net"
    p subscribe --email "defer-me@example.com" --post brief-1
    p subscribe --email "Renée Ørsted <renee@example.com>" --post notizen
    p outbox flush

    reply "$db" "$SINK_DIR" kenji@example.net new-post "$dir/kenji.eml" "Kenji 山田 <kenji@example.net>" \
        "<kenji-reply-1@example.net>" "$(printf '%s\n' \
        "Zoë, danke für den Brief — ευχαριστώ πολύ!" \
        "日本語の行もあります。" \
        "" \
        "A third paragraph, with “quotes”, a tab:	here, and an emoji 🙂." \
        "-- not a signature, just dashes in a line")"
    reply "$db" "$SINK_DIR" renee@example.com new-post "$dir/renee.eml" "Renée Ørsted <renee@example.com>" \
        "<renee-reply-1@example.com>" "$(printf '%s\n' "Merci, Zoë." "Je reviendrai — Renée")"
    # Olaf answers the notice Kenji forwarded him: held ("forwarded or forged").
    reply "$db" "$SINK_DIR" kenji@example.net new-post "$dir/olaf.eml" "Olaf Ødegård <olaf@example.de>" \
        "<olaf-forwarded-1@example.de>" "$(printf '%s\n' "Kenji hat mir das weitergeleitet." "Grüße aus Tromsø")"
    # Then writes to Kenji's reply address typed by hand with a character of its token
    # changed: the HMAC fails, the mail is rejected and (from v2-publishing on) its
    # sender is told why, once a day (rejection_notices).
    local forged
    forged=$(python3 - "$dir/kenji.eml" <<'PY'
import email, email.policy, sys
to = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)["To"].addresses[0].addr_spec
local, domain = to.split("@")
base, token = local.split("+", 1)
# A character inside the MAC, not the last one (whose low bits may be padding).
i = len(token) - 5
swap = "a" if token[i].lower() != "a" else "b"
print("%s+%s%s%s@%s" % (base, token[:i], swap, token[i + 1:], domain))
PY
)
    reply "$db" "$SINK_DIR" kenji@example.net new-post "$dir/olaf-forged.eml" "Olaf Ødegård <olaf@example.de>" \
        "<olaf-forged-1@example.de>" "Ich schreibe an eine geänderte Adresse." "$forged"
    for m in kenji renee olaf olaf-forged; do python3 "$repo/scripts/deliver.py" "$MAIL_ROOT" talk "$dir/$m.eml"; done
    p poll --once
    p outbox flush
    p comment list

    # Zoë answers Kenji's comment from the notification about it: a comment with a parent.
    reply "$db" "$SINK_DIR" zoe@example.org new-comment "$dir/zoe.eml" "Zoë Ünal <zoe@example.org>" \
        "<zoe-reply-1@example.org>" "$(printf '%s\n' "Kenji — ありがとう." "Zweite Zeile, ΑΒΓ.")"
    python3 "$repo/scripts/deliver.py" "$MAIL_ROOT" talk "$dir/zoe.eml"
    p poll --once
    p outbox flush

    # The admin approves Renée's held comment while the static views cannot be written
    # (output_dir below a regular file), as after a crash between the commit and the
    # rewrite: the view request stays (a row in view_updates, from v2-publishing on), and
    # the notifications of the approval stay queued (no flush after it).
    local renee
    renee=$(sqlite3 "$db" "SELECT id FROM comments WHERE messageId LIKE '%renee-reply-1@example.com%'")
    : > "$dir/not-a-folder"
    sed "s|^output_dir = .*|output_dir = \"$dir/not-a-folder/public\"|" "$dir/parley.toml" > "$dir/parley-no-views.toml"
    echo "\$ parley comment approve $renee   (views cannot be written)"
    "$parley" comment approve "$renee" --config "$dir/parley-no-views.toml" || echo "(approve exited with $?)"
    p comment list
    p inbound list
    p outbox list || true
}

# manifest DB OUT COMMIT
manifest() {
    python3 - "$@" <<'PY'
import hashlib, json, sqlite3, subprocess, sys
db, out, commit = sys.argv[1:4]
con = sqlite3.connect("file:%s?immutable=1" % db, uri=True)
migrations = [r[0] for r in con.execute("SELECT identifier FROM grdb_migrations ORDER BY rowid")]
tables = {}
names = [r[0] for r in con.execute(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
    "AND name != 'grdb_migrations' ORDER BY name")]
for name in names:
    q = '"%s"' % name.replace('"', '""')
    cur = con.execute("SELECT * FROM %s ORDER BY rowid" % q)
    cols = [d[0] for d in cur.description]
    rows = []
    for values in cur:
        row = {}
        for col, value in zip(cols, values):
            if isinstance(value, bytes):
                row[col] = hashlib.sha256(value).hexdigest()
                row[col + "#length"] = len(value)
            else:
                row[col] = value
        rows.append(row)
    tables[name] = {"count": len(rows), "rows": rows}
date = subprocess.run(["git", "show", "-s", "--format=%cI", commit], capture_output=True, text=True, check=True).stdout.strip()
doc = {"commit": commit, "commit_date": date, "migrations": migrations, "tables": tables}
with open(out, "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=1)
    f.write("\n")
PY
}

only=("$@")
mkdir -p "$out_dir" "$wt_root"
for entry in "${FIXTURES[@]}"; do
    read -r nn commit last <<<"$entry"
    if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qx "$nn"; then continue; fi
    t0=$SECONDS
    full=$(git -C "$repo" rev-parse --verify "$commit^{commit}")
    short=$(git -C "$repo" rev-parse --short "$full")
    wt="$wt_root/$short"
    say "$nn-$last: commit $short ($(git -C "$repo" show -s --format='%ad %s' --date=short "$full" | cut -c1-80))"
    if [ -e "$wt" ]; then git -C "$repo" worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"; git -C "$repo" worktree prune; fi
    git -C "$repo" worktree add --detach "$wt" "$full" >/dev/null
    worktrees+=("$wt")

    registered=$(grep -ho 'registerMigration("[^"]*")' "$wt"/Sources/ParleyStore/Migrations*.swift | sed 's/.*("\(.*\)")/\1/' | tr '\n' ' ')
    echo "migrations registered at $short: $registered"

    echo "building parley at $short (log: $work/build-$short.log)"
    b0=$SECONDS
    bin=$(build "$wt" "$short")
    cp "$bin" "$work/parley-$short"
    echo "built in $((SECONDS - b0)) s"

    dir="$work/$short"
    mkdir -p "$dir"; chmod 755 "$dir"
    servers="$dir/servers"
    "$repo/scripts/testservers.sh" start "$servers"
    write_config "$wt" "$dir"
    make_data "$work/parley-$short" "$dir"
    "$repo/scripts/testservers.sh" stop "$servers"
    servers=""

    db="$dir/parley.sqlite"
    sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    sqlite3 "$db" 'VACUUM;'
    [ "$(sqlite3 "$db" 'PRAGMA integrity_check;')" = ok ] || { echo "integrity_check failed for $db" >&2; exit 1; }
    if [ -s "$db-wal" ]; then echo "$db-wal is not empty after the checkpoint" >&2; exit 1; fi
    applied=$(sqlite3 "$db" 'SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1;')
    [ "$applied" = "$last" ] || { echo "$short applied $applied last, not $last: fix FIXTURES" >&2; exit 1; }

    rm -f "$out_dir/$nn-"*.sqlite "$out_dir/$nn-"*.json
    out="$out_dir/$nn-$last.sqlite"
    cp "$db" "$out"
    manifest "$out" "$out_dir/$nn-$last.json" "$full"
    echo "wrote $(basename "$out") ($(stat -c %s "$out") bytes) and $nn-$last.json in $((SECONDS - t0)) s:"
    sqlite3 "$out" "SELECT group_concat(identifier, ', ') FROM grdb_migrations;"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(", ".join("%s %d" % (k, v["count"]) for k, v in d["tables"].items()))' "$out_dir/$nn-$last.json"

    git -C "$repo" worktree remove --force "$wt"
    worktrees=("${worktrees[@]/$wt}")
done
say "done in $((SECONDS - started)) s: $out_dir"
