#!/usr/bin/env bash
# A private, real Postfix submission service on loopback for tests, with the Dovecot
# it authenticates against:
#   scripts/postfix.sh start DIR          start everything below, all state in DIR
#   scripts/postfix.sh stop DIR           stop all of it (no process of the instance left)
#   scripts/postfix.sh flush DIR          ask Postfix to retry every queued message now
#   scripts/postfix.sh queue DIR          print how many messages Postfix still holds
#   scripts/postfix.sh wait DIR [SECS]    flush until the queue is empty (default 30 s);
#                                         exits 1 if it is not empty by then
#
# Started: Postfix (own main.cf/master.cf in DIR/postfix, own queue in DIR/queue,
# log in DIR/postfix.log), Dovecot (SASL for Postfix, and IMAP), a greylisting
# policy daemon (scripts/postfix_policy.py), a fake OAuth token-introspection
# endpoint (scripts/postfix_oauth.py), and an SMTP sink (scripts/smtp_sink.py) that
# Postfix relays every accepted message to. Two DIRs give two independent instances.
#
# After start, DIR/postfix.env (shell syntax) holds:
#   SUBMISSION_PORT  STARTTLS required before AUTH and MAIL; AUTH PLAIN, LOGIN,
#                    XOAUTH2, OAUTHBEARER offered after STARTTLS; SMTPUTF8 offered
#   NOUTF8_PORT      the same, but without SMTPUTF8 and without PIPELINING (so that
#                    Parley's one-command-at-a-time path meets a real server too)
#   IMAP_PORT, IMAPS_PORT   Dovecot; any user with password "secret", or XOAUTH2 /
#                    OAUTHBEARER with a token "valid-USER"; mail in MAIL_ROOT/USER
#   OAUTH_PORT       the introspection endpoint: "valid-USER" is active for USER,
#                    "expired-…" (and anything else) is not
#   SINK_PORT, SINK_DIR     where delivered mail ends up (NNNNNNNN.eml + .json)
#   CA_FILE          the throw-away CA that signed the servers' certificate
#   MAX_SIZE         message_size_limit: a bigger message gets 552
#   GREYLIST_DELAY   seconds before a greylisted (sender, recipient) is accepted
#   OAUTHBEARER      yes, or no if OAUTHBEARER is not offered (XOAUTH2 only)
#   SMTP_USER, SMTP_PASSWORD   parley / secret (any user name works with "secret")
#   MAIL_ROOT, POSTFIX_DIR, POSTFIX_LOG
# Recipient rules on both submission ports (local part, case-insensitive):
#   reject… → 550, defer… → 450, grey… → 450 on the first attempt per (sender,
#   recipient), accepted from GREYLIST_DELAY seconds later on (the pairs are kept
#   in DIR/greylist.json, across restarts in the same DIR too).
# Every token the OAuth endpoint was asked about is logged in DIR/oauth.log.
# Settings read at start: POSTFIX_MAX_SIZE (default 100000), POSTFIX_GREYLIST_DELAY
# (default 2), POSTFIX_OAUTHBEARER (yes or no, default yes).
#
# Needs root (Postfix's master and Dovecot drop privileges themselves) and the
# Debian packages postfix, dovecot-imapd, python3-aiosmtpd. DIR and its parents
# must be searchable by the postfix and dovecot users, and DIR's path short enough
# for Unix socket names (checked below).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|flush|queue|wait DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)

# Distinct free ports, all bound at once so that no two are the same.
free_ports() {
    /usr/bin/python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# Wait (one process, 10 s at most) until every PORT accepts connections and every
# /PATH exists.
wait_ready() {
    /usr/bin/python3 - "$@" <<'PY' || { echo "servers in $dir did not come up; see its logs" >&2; return 1; }
import os, socket, sys, time
pending = sys.argv[1:]
deadline = time.time() + 10
while pending and time.time() < deadline:
    def ready(item):
        if item.startswith("/"):
            return os.path.exists(item)
        with socket.socket() as s:
            s.settimeout(0.2)
            return s.connect_ex(("127.0.0.1", int(item))) == 0
    pending = [item for item in pending if not ready(item)]
    if pending:
        time.sleep(0.02)
if pending:
    sys.exit("not ready: " + " ".join(pending))
PY
}

# Postfix writes its pid padded with spaces.
master_pid() {
    local f=$dir/queue/pid/master.pid
    [ -f "$f" ] && tr -d ' \n' < "$f"
}

start() {
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # Unix socket names are limited to 107 bytes; the longest here is
    # DIR/run/token-login/tokenlogin or DIR/queue/private/trivial-rewrite.
    if [ ${#dir} -gt 70 ]; then
        echo "$dir: path too long for the servers' Unix sockets (70 characters at most)" >&2
        exit 1
    fi
    # The path goes unquoted into main.cf and dovecot.conf.
    case $dir in *[[:space:]]*) echo "$dir: no white space allowed in DIR" >&2; exit 1 ;; esac
    if pid=$(master_pid) && kill -0 "$pid" 2>/dev/null; then
        echo "a Postfix instance is already running in $dir" >&2
        exit 1
    fi

    local max_size=${POSTFIX_MAX_SIZE:-100000}
    local grey_delay=${POSTFIX_GREYLIST_DELAY:-2}
    # libcurl 7.88 picks OAUTHBEARER whenever it is offered, even when told
    # AUTH=XOAUTH2 (curl issue 10259): "no" leaves only XOAUTH2, to test that path.
    local oauth_mechs="xoauth2 oauthbearer"
    case ${POSTFIX_OAUTHBEARER:-yes} in
        yes) ;;
        no) oauth_mechs="xoauth2" ;;
        *) echo "POSTFIX_OAUTHBEARER must be yes or no" >&2; exit 2 ;;
    esac

    # DIR is traversed by postfix (smtpd reaches the auth and policy sockets) and by
    # Dovecot's unprivileged users.
    chmod 755 "$dir"
    if ! /usr/sbin/runuser -u postfix -- test -x "$dir"; then
        echo "$dir: not reachable for the postfix user (a parent directory is not searchable)" >&2
        exit 1
    fi
    mkdir -p "$dir/postfix" "$dir/postfix-data" "$dir/queue" "$dir/run" "$dir/state" \
        "$dir/mail" "$dir/sink" "$dir/tls"
    chmod 1777 "$dir/mail"

    # A throw-away CA and a server certificate for localhost/127.0.0.1 signed by it:
    # strict TLS clients (libcurl, Python's ssl) refuse a self-signed one used directly.
    if [ ! -f "$dir/tls/server.crt" ]; then
        (
            cd "$dir/tls"
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Parley Test CA" \
                -keyout ca.key -out ca.crt >/dev/null 2>&1
            openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr >/dev/null 2>&1
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > ext.cnf
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
                -extfile ext.cnf -out server.crt >/dev/null 2>&1
            chmod 644 ./*.crt ./*.key
        )
    fi

    local sub_port noutf8_port imap_port imaps_port oauth_port sink_port
    read -r sub_port noutf8_port imap_port imaps_port oauth_port sink_port < <(free_ports 6)

    # --- Postfix -------------------------------------------------------------
    # Everything a default would take from /etc is set here, so that the instance
    # neither reads nor needs a system-wide Postfix configuration.
    cat > "$dir/postfix/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/postfix-data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/postfix.log
maillog_file_prefixes = $dir
syslog_name = postfix-parley

myhostname = postfix.localhost
mydomain = localhost
myorigin = \$myhostname
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 no local delivery in this test instance
alias_maps =
alias_database =
relay_domains =
biff = no
# Postmaster notices would land in the sink beside the test's own messages.
notify_classes =

inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
smtpd_banner = \$myhostname ESMTP Postfix (Parley test)
smtpd_peername_lookup = no
# Tests provoke many refusals on one connection: no tarpit, no disconnect.
smtpd_error_sleep_time = 0s
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
default_process_limit = 20
in_flow_delay = 0s

message_size_limit = $max_size
smtputf8_enable = yes

# Submission: TLS first, then SASL through Dovecot, then the test rules.
smtpd_tls_chain_files = $dir/tls/server.key, $dir/tls/server.crt
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $dir/run/auth-postfix
smtpd_sasl_security_options = noanonymous
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_restriction_classes = greylist
greylist = check_policy_service unix:$dir/run/policy
smtpd_recipient_restrictions = check_recipient_access regexp:$dir/postfix/recipient_access

# Leave the client's headers as they are (no Message-ID/Date added, no
# rewriting of addresses).
local_header_rewrite_clients =

# Everything goes to the sink, without 8bit-to-QP conversion. Lines over 998
# bytes are still folded (smtp_line_length_limit): the sink refuses longer ones.
relayhost = [127.0.0.1]:$sink_port
smtp_bind_address = 127.0.0.1
smtp_tls_security_level = none
smtp_dns_support_level = disabled
disable_mime_output_conversion = yes

# Deferred mail (sink down) is retried within seconds, not minutes.
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 10s
CONF

    # No chroot: the instance's sockets and files live under DIR, not in a jail.
    cat > "$dir/postfix/master.cf" <<CONF
127.0.0.1:$sub_port inet n - n - - smtpd
  -o syslog_name=postfix-parley/submission
127.0.0.1:$noutf8_port inet n - n - - smtpd
  -o syslog_name=postfix-parley/noutf8
  -o smtputf8_enable=no
  -o smtpd_discard_ehlo_keywords=pipelining
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF

    # regexp tables see the whole address; the local part is its start.
    cat > "$dir/postfix/recipient_access" <<'CONF'
/^"?reject/    550 5.1.1 User unknown
/^"?defer/     450 4.2.0 Try again later
/^"?grey/      greylist
CONF

    # The queue layout of /etc/postfix/postfix-files, made here rather than with
    # "postfix set-permissions", which would also touch the system's binaries.
    (
        cd "$dir/queue"
        chown root:root . && chmod 755 .
        for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
            mkdir -p "$d"; chown postfix:root "$d"; chmod 700 "$d"
        done
        mkdir -p maildrop public pid
        chown postfix:postdrop maildrop public; chmod 730 maildrop; chmod 710 public
        chown root:root pid; chmod 755 pid
    )
    chown postfix:root "$dir/postfix-data"; chmod 700 "$dir/postfix-data"

    # --- Dovecot ---------------------------------------------------------------
    cat > "$dir/dovecot-oauth2.conf.ext" <<CONF
introspection_mode = post
introspection_url = http://127.0.0.1:$oauth_port/introspect
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
CONF
    cat > "$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$dir/tls/server.crt
ssl_key = <$dir/tls/server.key
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login $oauth_mechs
# Tests fail logins on purpose: answer them within Dovecot's 0.5 s failure
# timer rather than after the default 2 s.
auth_failure_delay = 0
passdb {
  driver = static
  mechanisms = plain login
  args = password=secret
}
passdb {
  driver = oauth2
  mechanisms = $oauth_mechs
  args = $dir/dovecot-oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$dir/mail/%u
}
mail_location = maildir:~/Maildir
mail_fsync = never
first_valid_uid = 500
namespace inbox {
  inbox = yes
  separator = /
}
mail_max_userip_connections = 100
# After a failed login Dovecot delays every later answer to that IP (2, 4, 8 up to
# 15 s), Postfix's SASL requests included; tests fail logins on purpose. The
# penalty is off when the auth process cannot reach this socket.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  # Postfix's smtpd (running as postfix) asks here.
  unix_listener auth-postfix {
    mode = 0600
    user = postfix
    group = postfix
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
CONF

    # --- start -------------------------------------------------------------------
    # Each in a session of its own, so that stop can find whatever it left behind.
    setsid /usr/bin/python3 "$here/postfix_oauth.py" "$oauth_port" "$dir/oauth.log" \
        > "$dir/oauth.out" 2>&1 < /dev/null &
    echo $! > "$dir/oauth.pid"
    setsid /usr/bin/python3 "$here/postfix_policy.py" "$dir/run/policy" "$dir/greylist.json" "$grey_delay" \
        > "$dir/policy.out" 2>&1 < /dev/null &
    echo $! > "$dir/policy.pid"
    setsid /usr/bin/python3 "$here/smtp_sink.py" "$dir/sink" "$sink_port" \
        > "$dir/sink.log" 2>&1 < /dev/null &
    echo $! > "$dir/sink.pid"
    setsid /usr/sbin/dovecot -F -c "$dir/dovecot.conf" > "$dir/dovecot.out" 2>&1 < /dev/null &
    echo $! > "$dir/dovecot.pid"

    # Postfix re-reads a configuration file modified within the last second, for
    # up to 2.4 s, in case it is still being written: date ours back.
    touch -d '-1 minute' "$dir/postfix"/*
    # The master makes itself a session leader; -w returns once it is up (or failed).
    if ! /usr/lib/postfix/sbin/master -c "$dir/postfix" -w; then
        echo "Postfix did not start; see $dir/postfix.log" >&2
        stop
        exit 1
    fi

    if ! wait_ready "$oauth_port" "$sink_port" "$imap_port" "$imaps_port" "$sub_port" "$noutf8_port" \
        "$dir/run/auth-postfix" "$dir/run/policy"; then
        stop
        exit 1
    fi

    cat > "$dir/postfix.env" <<ENV
SUBMISSION_PORT=$sub_port
NOUTF8_PORT=$noutf8_port
IMAP_PORT=$imap_port
IMAPS_PORT=$imaps_port
OAUTH_PORT=$oauth_port
SINK_PORT=$sink_port
SINK_DIR=$dir/sink
CA_FILE=$dir/tls/ca.crt
MAX_SIZE=$max_size
GREYLIST_DELAY=$grey_delay
OAUTHBEARER=${POSTFIX_OAUTHBEARER:-yes}
SMTP_USER=parley
SMTP_PASSWORD=secret
MAIL_ROOT=$dir/mail
POSTFIX_DIR=$dir
POSTFIX_LOG=$dir/postfix.log
ENV
    echo "postfix up: submission 127.0.0.1:$sub_port, no-SMTPUTF8 :$noutf8_port, IMAP :$imap_port, OAuth :$oauth_port, sink :$sink_port ($dir)"
}

# Live (not zombie) processes of the session led by $1.
session_live() {
    local p st
    for p in $(pgrep -s "$1" || true); do
        st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null || true)
        if [ -n "$st" ] && [ "$st" != Z ]; then echo "$p"; fi
    done
}

# Each server was started as the leader of its own session and process group:
# TERM to the whole group (Dovecot's master alone takes over a second to wind its
# children down; all of them at once, a few ms), KILL whatever still lives after
# 5 s. Then wait for the exited processes to be reaped: they were handed to PID 1,
# which here reaps only every 2 s or so, and until then pgrep still lists them.
stop_sessions() {
    local pids=("$@") pid p
    [ ${#pids[@]} -gt 0 ] || return 0
    for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 250); do
        local alive=
        for pid in "${pids[@]}"; do alive+=$(session_live "$pid"); done
        [ -z "$alive" ] && break
        sleep 0.02
    done
    for pid in "${pids[@]}"; do
        for p in $(session_live "$pid"); do kill -KILL "$p" 2>/dev/null || true; done
    done
    for _ in $(seq 1 100); do
        local left=
        for pid in "${pids[@]}"; do left+=$(pgrep -s "$pid" || true); done
        [ -z "$left" ] && return 0
        sleep 0.05
    done
}

stop() {
    [ -d "$dir" ] || return 0
    dir=$(cd "$dir" && pwd)
    local pids=() f pid
    if pid=$(master_pid); then pids+=("$pid"); fi
    for f in dovecot oauth policy sink; do
        if [ -f "$dir/$f.pid" ]; then pids+=("$(cat "$dir/$f.pid")"); fi
    done
    stop_sessions "${pids[@]}"
    rm -f "$dir"/{dovecot,oauth,policy,sink}.pid "$dir/queue/pid/master.pid"
}

# Messages Postfix still holds, whatever their state (one queue file each).
queue_count() {
    find "$dir/queue/maildrop" "$dir/queue/incoming" "$dir/queue/active" \
        "$dir/queue/deferred" "$dir/queue/hold" -type f 2>/dev/null | wc -l
}

flush() {
    /usr/sbin/postqueue -c "$dir/postfix" -f
}

wait_empty() {
    local limit=${1:-30} start=$SECONDS last=-1
    while :; do
        [ "$(queue_count)" -eq 0 ] && return 0
        [ $((SECONDS - start)) -ge "$limit" ] && { echo "queue of $dir not empty after $limit s" >&2; return 1; }
        # Flush at most once a second: each one restarts delivery of deferred mail.
        if [ $SECONDS -ne $last ]; then flush; last=$SECONDS; fi
        sleep 0.1
    done
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    flush) dir=$(cd "$dir" && pwd); flush ;;
    queue) dir=$(cd "$dir" && pwd); queue_count ;;
    wait) dir=$(cd "$dir" && pwd); wait_empty "${3:-30}" ;;
    *) echo "usage: $0 start|stop|flush|queue|wait DIR" >&2; exit 2 ;;
esac
