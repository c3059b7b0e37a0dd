#!/usr/bin/env bash
# reply-with-client.sh — produce a GENUINE reply to a Parley notification by
# driving a real terminal mail client (mutt, neomutt, alpine or aerc) the way
# a person would, and capture the message the client hands to its MTA.
#
# Usage:
#   scripts/reply-with-client.sh CLIENT PLACEMENT NOTIFICATION.eml TEXTFILE OUT.eml [CHARSET]
#
#   CLIENT     mutt | neomutt | alpine | aerc
#   PLACEMENT  top | inline | bottom | signature
#                top        text typed above the attribution line + quote
#                inline     text typed below the first quoted line containing
#                           $INLINE_AFTER (default: the first quoted line)
#                bottom     text typed below the whole quote
#                signature  a signature (Dawud Miracle / https://dawud.example.com)
#                           is configured and left where the client puts it
#                           by default; text typed below the whole quote.
#                           (top/inline/bottom: no signature configured)
#   NOTIFICATION.eml  raw RFC 5322 message (CRLF or LF) to answer; the reply
#              goes to its Reply-To, as it does when a person answers "yes"
#              to the client's "reply to the Reply-To address?" question.
#   TEXTFILE   UTF-8 text the person types.
#   OUT.eml    where the outgoing message is written, byte for byte as the
#              client gave it to its sendmail program.
#   CHARSET    utf-8 (default): force UTF-8 where the client has a setting
#              (mutt/neomutt send_charset, alpine posting-character-set);
#              default: leave the client's own charset choice alone.
#
# Environment: FROM_ADDRESS (sender address, default dawud@example.com; the
# sender is "Dawud Miracle <FROM_ADDRESS>"), INLINE_AFTER (see above),
# REPLY_TIMEOUT (seconds until OUT.eml must exist, default 30),
# REPLY_KEEP_DRAFT (optional file: receives the draft as the client handed it
# to the editor, before the "typing").
#
# How: everything happens in a throw-away directory (used as HOME, TMPDIR and
# XDG_CONFIG_HOME) holding the client's config, the notification in a local
# mailbox (mbox for mutt/neomutt/alpine, Maildir for aerc), a stand-in
# sendmail that writes its stdin to OUT.eml, and an editor wrapper that runs
# scripts/reply-editor.py (which "types" the text into the draft).  The client
# runs in a detached tmux session (own socket, 120x40); keys are sent with
# tmux send-keys only once the expected screen/prompt is shown (polled with
# capture-pane), answering prompts as a person replying normally would:
#   mutt/neomutt: r, "Reply to <Reply-To>?" y, To: Enter, Subject: Enter,
#                 "Include message in reply?" y, [editor], compose menu y, q
#   alpine:       i (index), r, "Include original message?" y,
#                 "Use Reply-To: address?" y, ["Reply to all recipients?" n],
#                 [external editor started implicitly by the composer],
#                 ^X, "Send message?" y, ["Create sent-mail?" y], q, y
#   aerc:         Rq (:reply -q, reply to sender quoting), [editor],
#                 review screen y (:send), q
# Exit status: 0 OK; 1 failure (the screen is shown on stderr); 2 usage;
# 3 client not installed and not installable.
set -euo pipefail

prog=reply-with-client
usage() {
  echo "usage: $0 mutt|neomutt|alpine|aerc top|inline|bottom|signature NOTIFICATION.eml TEXTFILE OUT.eml [utf-8|default]" >&2
  exit 2
}
[[ $# -eq 5 || $# -eq 6 ]] || usage
CLIENT=$1 PLACEMENT=$2 NOTIF=$3 TEXTFILE=$4 OUT=$5 CHARSET=${6:-utf-8}
case $CLIENT in mutt|neomutt|alpine|aerc) ;; *) usage ;; esac
case $PLACEMENT in top|inline|bottom|signature) ;; *) usage ;; esac
case $CHARSET in utf-8|UTF-8) CHARSET=utf-8 ;; default) ;; *) usage ;; esac
[[ -r $NOTIF ]] || { echo "$prog: cannot read $NOTIF" >&2; exit 2; }
[[ -r $TEXTFILE ]] || { echo "$prog: cannot read $TEXTFILE" >&2; exit 2; }

abspath() { local d; d=$(cd "$(dirname "$1")" && pwd) && printf '%s/%s' "$d" "$(basename "$1")"; }
NOTIF=$(abspath "$NOTIF")
TEXTFILE=$(abspath "$TEXTFILE")
OUT=$(abspath "$OUT") || { echo "$prog: directory of $5 does not exist" >&2; exit 2; }
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FROM_ADDRESS=${FROM_ADDRESS:-dawud@example.com}
FROM_NAME="Dawud Miracle"
TIMEOUT=${REPLY_TIMEOUT:-30}

# --- the client (and tmux) must be there; install once if we can ----------
need() {  # need PROGRAM DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null 2>&1 || true
  fi
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "$prog: $1 is not installed and could not be installed (apt-get install -y $2)" >&2
  exit 3
}
need "$CLIENT" "$CLIENT"
need tmux tmux
need python3 python3
# Resolve the real interpreter now: a version-manager shim may depend on the
# real HOME, which the client will not have.
PY=$(python3 -c 'import sys; print(sys.executable)')

# --- throw-away world -------------------------------------------------------
T=$(mktemp -d "${TMPDIR:-/tmp}/reply-with-client.XXXXXX")
SOCK="reply-with-client-$$-$RANDOM"
H=$T/home
# tmux does not unlink its socket on kill-server: remove it ourselves
SOCK_PATH="${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
# shellcheck disable=SC2317  # called via trap
cleanup() {
  tmux -L "$SOCK" kill-server >/dev/null 2>&1 || true
  rm -f "$SOCK_PATH"
  rm -rf "$T"
  rm -f "$OUT.part"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
mkdir -p "$H/.config" "$T/tmp" "$H/mail"
rm -f "$OUT"

sq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }   # quote for /bin/sh

# Stand-in MTA: whatever the client pipes in is the reply, as sent.
cat >"$T/sendmail" <<EOF
#!/bin/sh
# sendmail stand-in written by reply-with-client.sh; args are the envelope
printf '%s\n' "\$@" > $(sq "$T/sendmail-args")
cat > $(sq "$OUT.part") && mv -f $(sq "$OUT.part") $(sq "$OUT")
EOF
# The "person": reply-editor.py types the text into the draft.
cat >"$T/editor" <<EOF
#!/bin/sh
exec $(sq "$PY") $(sq "$SCRIPT_DIR/reply-editor.py") "\$@"
EOF
chmod +x "$T/sendmail" "$T/editor"

if [[ $PLACEMENT == signature ]]; then
  if [[ $CLIENT == aerc || $CLIENT == alpine ]]; then
    # aerc adds the file as it is, and alpine too unless its enable-sigdashes feature is
    # set: their users write the RFC 3676 "-- " line into the file, as here. (Without
    # one, nothing tells a signature from words typed; alpine still puts it above the
    # attribution, its default, which is the case that matters.)
    printf -- '-- \nDawud Miracle\nhttps://dawud.example.com\n' >"$H/.signature"
  else
    printf 'Dawud Miracle\nhttps://dawud.example.com\n' >"$H/.signature"
  fi
fi

# The notification, delivered to a local mailbox as an MDA would (LF lines).
# Prints the start of its subject (to recognise it in aerc's message list).
SUBJECT_HINT=$("$PY" - "$NOTIF" "$H/mail" "$CLIENT" <<'PYEOF'
import email, mailbox, os, sys, time
from email import policy
from email.utils import parseaddr
src, maildir, client = sys.argv[1:]
raw = open(src, "rb").read().replace(b"\r\n", b"\n")
subject = " ".join(str(email.message_from_bytes(raw, policy=policy.default)["Subject"] or "").split())
print(subject[:16])
if client == "aerc":
    box = mailbox.Maildir(os.path.join(maildir, "INBOX"), create=True)
    box.add(mailbox.MaildirMessage(raw))
else:
    box = mailbox.mbox(os.path.join(maildir, "inbox"))
    msg = mailbox.mboxMessage(raw)
    sender = parseaddr(msg.get("From", ""))[1] or "MAILER-DAEMON"
    msg.set_from(sender, time.gmtime())
    box.add(msg)
box.close()
PYEOF
)

# --- client configuration ---------------------------------------------------
case $CLIENT in
mutt|neomutt)
  rc=$H/.muttrc; [[ $CLIENT == neomutt ]] && rc=$H/.neomuttrc
  {
    echo "# written by reply-with-client.sh"
    echo "set folder=\"$H/mail\""
    echo "set spoolfile=\"$H/mail/inbox\""
    echo "set from=\"$FROM_NAME <$FROM_ADDRESS>\""
    echo "set sendmail=\"$T/sendmail\""
    echo "set editor=\"$T/editor\""
    echo "set tmpdir=\"$T/tmp\""
    echo "set sleep_time=0   # no 1-second pause after status messages (UI only)"
    if [[ $PLACEMENT == signature ]]; then echo "set signature=\"~/.signature\""; fi
    if [[ $CHARSET == utf-8 ]]; then echo 'set send_charset="utf-8"'; fi
  } >"$rc"
  ;;
alpine)
  {
    echo "personal-name=$FROM_NAME"
    echo "user-domain=${FROM_ADDRESS#*@}"
    echo "customized-hdrs=From: $FROM_NAME <$FROM_ADDRESS>"
    echo "alt-addresses=$FROM_ADDRESS"
    echo "inbox-path=$H/mail/inbox"
    echo "sendmail-path=$T/sendmail"
    echo "editor=$T/editor"
    echo "feature-list=enable-alternate-editor-implicitly"
    if [[ $PLACEMENT == signature ]]; then echo "signature-file=$H/.signature"; fi
    if [[ $CHARSET == utf-8 ]]; then echo "posting-character-set=UTF-8"; fi
  } >"$H/.pinerc"
  ;;
aerc)
  mkdir -p "$H/.config/aerc"
  {
    echo "[Dawud]"
    echo "source = maildir://$H/mail"
    echo "outgoing = $T/sendmail"
    echo "from = $FROM_NAME <$FROM_ADDRESS>"
    echo "default = INBOX"
    if [[ $PLACEMENT == signature ]]; then echo "signature-file = $H/.signature"; fi
  } >"$H/.config/aerc/accounts.conf"
  chmod 600 "$H/.config/aerc/accounts.conf"
  printf '[compose]\neditor = %s\n' "$T/editor" >"$H/.config/aerc/aerc.conf"
  ;;
esac

# --- tmux plumbing ------------------------------------------------------------
printf '%s\n' 'set -g status off' 'set -g default-size 120x40' \
  'setw -g remain-on-exit on' >"$T/tmux.conf"
tm() { tmux -L "$SOCK" "$@"; }
screen() { tm capture-pane -p -t reply 2>/dev/null || true; }
keys() { log "keys $*"; tm send-keys -t reply "$@"; }
pane_dead() { [[ $(tm display-message -p -t reply '#{pane_dead}' 2>/dev/null || echo 1) == 1 ]]; }
now_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }
START_MS=$(now_ms)
log() { if [[ -n ${REPLY_DEBUG:-} ]]; then echo "$prog: +$(( $(now_ms) - START_MS ))ms $*" >&2; fi; return 0; }

fail() {
  echo "$prog: $CLIENT $PLACEMENT: $*" >&2
  echo "----- screen (tmux capture-pane) -----" >&2
  screen >&2
  echo "--------------------------------------" >&2
  exit 1
}
check() {  # things that end a wait early
  if [[ -s $T/editor-status ]] && grep -q '^error' "$T/editor-status"; then
    fail "editor: $(cat "$T/editor-status")"
  fi
  pane_dead && fail "the client exited unexpectedly"
  (( $(now_ms) < DEADLINE )) || fail "timed out after ${TIMEOUT}s ($1)"
  return 0
}
wait_for() {  # wait_for REGEX: until the screen shows REGEX
  while ! screen | grep -Eq -- "$1"; do check "waiting for /$1/"; sleep 0.05; done
}
# dialog DONE-TEST  REGEX KEYS  [REGEX KEYS ...]
# Until DONE-TEST (a shell command) succeeds: whenever the screen has been
# stable for a moment and shows REGEX, press KEYS (space-separated tmux key
# names), then wait for the screen to react before looking again.  KEYS
# "FAIL" means: give up at once, the client said something went wrong.
dialog() {
  local done_test=$1; shift
  local prev="" s i
  while ! eval "$done_test"; do
    check "in dialog until: $done_test"
    s=$(screen)
    if [[ $s != "$prev" ]]; then prev=$s; sleep 0.05; continue; fi
    for ((i = 1; i < $#; i += 2)); do
      local re=${*:i:1} ks=${*:i+1:1}
      if grep -Eq -- "$re" <<<"$s"; then
        [[ $ks == FAIL ]] && fail "the client says: $(grep -Eo -- "$re" <<<"$s" | head -1)"
        # shellcheck disable=SC2086
        keys $ks
        while [[ $(screen) == "$s" ]]; do check "reaction to $ks"; sleep 0.03; done
        prev=""
        break
      fi
    done
    sleep 0.05
  done
}
screen_has() { screen | grep -Eq -- "$1"; }
wait_for_text() {  # wait_for_text STRING: until the screen shows STRING
  while ! screen | grep -Fq -- "$1"; do check "waiting for '$1'"; sleep 0.05; done
}
# shellcheck disable=SC2317  # called via dialog's eval
out_ready() { [[ -s $OUT ]]; }
quit_client() {  # best effort; the reply is already captured
  local end=$(( $(now_ms) + 5000 )) prev="" s
  keys "$@"
  while ! pane_dead && (( $(now_ms) < end )); do
    s=$(screen)
    if [[ $s == "$prev" ]]; then
      if grep -Eq 'Really quit|Quit (Neo)?Mutt\?' <<<"$s"; then keys y; prev=""; sleep 0.1; continue; fi
    fi
    prev=$s; sleep 0.05
  done
  pane_dead || echo "$prog: warning: $CLIENT did not quit by itself; killed" >&2
  log "quit done"
}

unset TMUX
tm -f "$T/tmux.conf" new-session -d -s reply -x 120 -y 40 -- \
  env -u MAIL -u MAILDIR -u EMAIL -u MUTT -u NEOMUTT -u VISUAL -u REPLYTO \
  HOME="$H" XDG_CONFIG_HOME="$H/.config" XDG_DATA_HOME="$H/.local/share" \
  XDG_CACHE_HOME="$H/.cache" XDG_STATE_HOME="$H/.local/state" TMPDIR="$T/tmp" \
  LANG=C.UTF-8 LC_ALL=C.UTF-8 EDITOR="$T/editor" \
  PLACEMENT="$PLACEMENT" TEXTFILE="$TEXTFILE" INLINE_AFTER="${INLINE_AFTER:-}" \
  REPLY_EDITOR_STATUS="$T/editor-status" REPLY_EDITOR_KEEP="${REPLY_KEEP_DRAFT:-$T/draft}" \
  "$CLIENT"
DEADLINE=$(( $(now_ms) + TIMEOUT * 1000 ))
log "client started"
SOCK_PATH=$(tm display-message -p '#{socket_path}' 2>/dev/null || echo "$SOCK_PATH")

# --- drive it -------------------------------------------------------------------
case $CLIENT in
mutt|neomutt)
  wait_for 'Mutt: =inbox \[Msgs:1'   # the index, showing the notification
  keys r
  dialog "screen_has 'Mutt: Compose'" \
    '^Reply to .*\?' y \
    '^Include message in reply\?' y \
    '^To: ' Enter \
    '^Cc: ' Enter \
    '^Subject: ' Enter \
    'Aborted unmodified message|Error running' FAIL
  keys y
  # The editor dates its write a second later when it landed in the client's own second
  # (see reply-editor.py); mutt then may see the draft as changed after its stamp and
  # asks before sending. Yes goes on sending.
  dialog out_ready \
    'modified\. Update encoding' y
  wait_for 'Mutt: =inbox'  # back in the index
  quit_client q
  ;;
alpine)
  dialog "screen_has '^ *ALPINE [0-9.]+ +MESSAGE INDEX'" \
    'GREETING TEXT' E \
    'MAIN MENU' i
  wait_for '^ *ALPINE [0-9.]+ +MESSAGE INDEX .*Message 1 of 1'
  keys r
  dialog "screen_has 'Alternate editor done'" \
    'Include original message in Reply\?' y \
    'Use "Reply-To:" address instead of "From:" address\?' y \
    'Reply to all recipients\?' n
  keys C-x
  dialog out_ready \
    '^Send message\?' y \
    "Folder .* doesn't exist\.  Create\?" y
  # alpine may still ask to create sent-mail after handing over the message
  dialog "screen_has '^ *ALPINE [0-9.]+ +(MESSAGE INDEX|MAIN MENU|MESSAGE TEXT)'" \
    "Folder .* doesn't exist\.  Create\?" y
  quit_client q
  ;;
aerc)
  wait_for_text "${SUBJECT_HINT:-INBOX}"   # message list has loaded
  keys R q                 # default binding Rq = :reply -q
  dialog "screen_has 'Send this email\?'"
  keys y                   # review screen: y = :send
  dialog out_ready
  while screen_has 'Send this email\?'; do check "leaving the review screen"; sleep 0.05; done
  quit_client q            # message list: q = :quit
  ;;
esac

[[ -s $OUT ]] || fail "no message was sent"
grep -q '^ok' "$T/editor-status" 2>/dev/null || fail "the editor never ran"
# The reply must go to the notification's Reply-To (if it has one).
"$PY" - "$NOTIF" "$OUT" <<'PYEOF' || exit 1
import email, sys
from email import policy
from email.utils import getaddresses
notif, out = (email.message_from_bytes(open(p, "rb").read(), policy=policy.compat32) for p in sys.argv[1:])
want = sorted(a.lower() for _, a in getaddresses(notif.get_all("Reply-To", [])))
got = sorted(a.lower() for _, a in getaddresses(out.get_all("To", [])))
if want and got != want:
    sys.exit("reply-with-client: the reply went to %s, not to the Reply-To %s" % (got, want))
PYEOF
exit 0
