#!/usr/bin/env bash
# reply-with-client-selftest.sh — exercise scripts/reply-with-client.sh with
# every real client (mutt, neomutt, alpine, aerc) and every placement
# (top, inline, bottom, signature), plus the client's own default charset for
# one placement per client, and check each reply it captured:
#   - To: is the notification's Reply-To address (talk+TOKEN@example.org);
#   - the typed text (non-ASCII) is in the decoded text/plain body;
#   - it sits where it was typed (above the quote / right below the quoted
#     INLINE_AFTER line / below the whole quote).
# Prints a summary table (charset, transfer encoding, format=flowed, time).
#
# Usage: scripts/reply-with-client-selftest.sh [OUTDIR]   (default /tmp/client-replies)
#   env CLIENTS="mutt aerc" / PLACEMENTS="top inline" narrow the matrix.
# The replies are left in OUTDIR as CLIENT-PLACEMENT[-default].eml together
# with notification.eml and the typed text files.
# Exit: 0 all passed; 1 some case failed; 3 nothing failed but a client was
# missing and could not be installed (those cases are reported as SKIP).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTDIR=${1:-/tmp/client-replies}
CLIENTS=${CLIENTS:-mutt neomutt alpine aerc}
PLACEMENTS=${PLACEMENTS:-top inline bottom signature}
DEFAULT_CHARSET_PLACEMENT=${DEFAULT_CHARSET_PLACEMENT:-bottom}
export INLINE_AFTER="Do you keep copies of the letters you send?"
mkdir -p "$OUTDIR"
PY=$(python3 -c 'import sys; print(sys.executable)')

# --- the sample notification (as Parley sends it: CRLF, QP, UTF-8) ----------
"$PY" - "$OUTDIR/notification.eml" <<'PYEOF'
import html, sys
from email import policy
from email.message import EmailMessage

token = "abcdefghijklmnopqrstuvwxyz234567"
text = (
    'Ann Reader replied to you on "On letters":\n'
    "\n"
    "I have been writing letters for thirty years, and I still think the slow\n"
    "answer is the better one.\n"
    "\n"
    "Do you keep copies of the letters you send?\n"
    "\n"
    "Reply to this email to answer Ann Reader. All comments: "
    "https://talk.example.org/posts/letters/comments\n"
    "\n"
    "-- \n"
    "one2one \u00b7 https://liz.example.org/letters\n"
    "Unsubscribe: https://talk.example.org/unsubscribe/%s\n" % token
)
paras = text.split("\n\n")
body_html = (
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n"
    + "".join("<p>%s</p>\n" % html.escape(p.strip("\n")).replace("\n", "<br>\n") for p in paras)
    + "</body></html>\n"
)
msg = EmailMessage(policy=policy.SMTP)
msg["From"] = "one2one <talk@example.org>"
msg["Reply-To"] = "talk+%s@example.org" % token
msg["To"] = "Dawud Miracle <dawud@example.com>"
msg["Subject"] = 'Ann Reader replied to you on "On letters"'
msg["Date"] = "Thu, 01 Jan 2026 10:00:00 +0000"
msg["Message-Id"] = "<notification.%s@example.org>" % token
msg.set_content(text, charset="utf-8", cte="quoted-printable")
msg.add_alternative(body_html, subtype="html", charset="utf-8", cte="quoted-printable")
msg.set_boundary("=_parley_sample_boundary")
data = msg.as_bytes(policy=policy.SMTP)
assert b"\r\n" in data and b"--=20\r\n" in data
open(sys.argv[1], "wb").write(data)
PYEOF

# What the person types: non-ASCII that needs UTF-8, and (for the client's
# default charset) text that Latin-1 can carry, so mutt's send_charset
# fallback to iso-8859-1 shows.
printf 'Yes, every one \xe2\x80\x94 in a shoebox.\nGr\xc3\xbc\xc3\x9fe, Zo\xc3\xab \xe2\x80\x94 \xe4\xbd\xa0\xe5\xa5\xbd\n' >"$OUTDIR/typed-utf-8.txt"
printf 'Yes, every one, in a shoebox.\nGr\xc3\xbc\xc3\x9fe, Zo\xc3\xab. \xc3\x87a va tr\xc3\xa8s bien.\n' >"$OUTDIR/typed-default.txt"

check_reply() {  # check_reply OUT.eml TEXTFILE PLACEMENT -> prints "detail"; exit 1 on failure
  "$PY" - "$@" <<'PYEOF'
import email, re, sys
from email import policy
from email.utils import getaddresses

out, textfile, placement = sys.argv[1:4]
want_to = "talk+abcdefghijklmnopqrstuvwxyz234567@example.org"
inline_after = "Do you keep copies of the letters you send?"
msg = email.message_from_bytes(open(out, "rb").read(), policy=policy.default)
problems = []
tos = [a.lower() for _, a in getaddresses(msg.get_all("To", []))]
if tos != [want_to]:
    problems.append("To is %r" % tos)
parts = [p for p in msg.walk() if p.get_content_type() == "text/plain"]
if not parts:
    problems.append("no text/plain part")
    body, part = "", None
else:
    part = parts[0]
    body = part.get_content()
lines = body.replace("\r\n", "\n").split("\n")
typed = open(textfile, encoding="utf-8").read().rstrip("\n").split("\n")
idx = None
for i in range(len(lines) - len(typed) + 1):
    if [l.rstrip() for l in lines[i:i + len(typed)]] == typed:
        idx = i
        break
if idx is None:
    missing = [t for t in typed if t not in body]
    problems.append("typed text not found as typed (missing lines: %r)" % missing)
else:
    quoted = [i for i, l in enumerate(lines) if l.startswith(">")]
    end = idx + len(typed)
    if placement == "top":
        if any(q < idx for q in quoted) or not quoted:
            problems.append("text is not above the quote")
    elif placement == "inline":
        prev = next((lines[j] for j in range(idx - 1, -1, -1) if lines[j].strip()), "")
        if not (prev.startswith(">") and inline_after in prev):
            problems.append("text not right below the quoted %r (after %r)" % (inline_after, prev))
        if not any(q >= end for q in quoted):
            problems.append("no quote left below the inline answer")
    else:
        if any(q >= end for q in quoted) or not quoted:
            problems.append("text is not below the whole quote")
if part is not None:
    ct = part.get_content_type()
    cs = part.get_content_charset() or "-"
    cte = (part.get("Content-Transfer-Encoding") or "7bit").lower()
    flowed = "flowed" if (part.get_param("format") or "").lower() == "flowed" else "fixed"
    outer = msg.get_content_type()
    detail = "%s %s %s %s" % (cs, cte, flowed, outer)
else:
    detail = "- - - -"
print(detail)
if problems:
    print("; ".join(problems), file=sys.stderr)
    sys.exit(1)
PYEOF
}

declare -a ROWS=()
fails=0 skips=0 total=0
run_case() {  # run_case CLIENT PLACEMENT CHARSET
  local client=$1 placement=$2 charset=$3 name out text rc t0 t1 secs detail err
  name="$client-$placement"; [[ $charset == default ]] && name+="-default"
  out="$OUTDIR/$name.eml"; text="$OUTDIR/typed-$charset.txt"
  total=$((total + 1))
  t0=$(date +%s%N)
  rc=0
  "$HERE/reply-with-client.sh" "$client" "$placement" "$OUTDIR/notification.eml" "$text" "$out" "$charset" \
    2>"$OUTDIR/$name.log" || rc=$?
  t1=$(date +%s%N)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
  if [[ $rc -eq 3 ]]; then
    skips=$((skips + 1))
    ROWS+=("$(printf '%-8s %-10s %-8s %-5s %6s  %s' "$client" "$placement" "$charset" SKIP "$secs" "$(head -1 "$OUTDIR/$name.log")")")
    return
  fi
  if [[ $rc -ne 0 ]]; then
    fails=$((fails + 1))
    ROWS+=("$(printf '%-8s %-10s %-8s %-5s %6s  %s' "$client" "$placement" "$charset" FAIL "$secs" "reply-with-client exit $rc, see $OUTDIR/$name.log")")
    sed 's/^/    /' "$OUTDIR/$name.log" >&2
    return
  fi
  if detail=$(check_reply "$out" "$text" "$placement" 2>"$OUTDIR/$name.check"); then
    ROWS+=("$(printf '%-8s %-10s %-8s %-5s %6s  %s' "$client" "$placement" "$charset" ok "$secs" "$detail")")
    rm -f "$OUTDIR/$name.check"
    [[ -s $OUTDIR/$name.log ]] || rm -f "$OUTDIR/$name.log"
  else
    fails=$((fails + 1))
    err=$(cat "$OUTDIR/$name.check")
    ROWS+=("$(printf '%-8s %-10s %-8s %-5s %6s  %s -- %s' "$client" "$placement" "$charset" FAIL "$secs" "$detail" "$err")")
  fi
}

for client in $CLIENTS; do
  for placement in $PLACEMENTS; do
    run_case "$client" "$placement" utf-8
  done
  run_case "$client" "$DEFAULT_CHARSET_PLACEMENT" default
done

printf '\n%-8s %-10s %-8s %-5s %6s  %s\n' client placement charset result secs "body charset / transfer-encoding / flowed / message type"
printf '%s\n' "${ROWS[@]}"
echo
echo "replies in $OUTDIR"
echo "$((total - fails - skips)) passed, $fails failed, $skips skipped"
if ((fails)); then exit 1; fi
if ((skips)); then exit 3; fi
exit 0
