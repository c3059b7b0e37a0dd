#!/usr/bin/env bash
# Throw-away mail servers on loopback for tests and the demo:
#   scripts/testservers.sh start DIR   start Dovecot (IMAP, IMAPS) and an SMTP sink in DIR
#   scripts/testservers.sh stop DIR    stop them
#   scripts/testservers.sh stop-imap DIR / start-imap DIR   stop or restart only Dovecot
#                                      (same ports, same mail), for fault tests
#   scripts/testservers.sh matrix start|stop|… DIR [FLAVOUR]   the other IMAP servers of the
#                                      test matrix (stock Dovecot, Cyrus, Courier, …):
#                                      scripts/imapmatrix.sh, which says more
#   scripts/testservers.sh postfix start|stop|… DIR   a real Postfix submission service
#                                      with its Dovecot (SASL, XOAUTH2): scripts/postfix.sh
# After start, DIR/servers.env holds the ports and paths (shell syntax), e.g.
#   IMAP_PORT=…  IMAPS_PORT=…  SMTP_PORT=…  MAIL_ROOT=DIR/mail  SINK_DIR=DIR/sink  CA_FILE=DIR/tls/ca.crt
# Any IMAP user name logs in with the password "secret"; each user has its own
# maildir under MAIL_ROOT, owned by uid 65534 (Dovecot refuses root for mail).
# The SMTP sink stores every accepted message as SINK_DIR/NNNNNNNN.eml with its
# envelope in .json beside it; recipients starting with "reject" get 550 and
# with "defer" 451; while SINK_DIR/DOWN (or SINK_DIR/DOWN@DOMAIN, for senders in
# DOMAIN) exists, MAIL FROM gets 421.
set -euo pipefail

case "${1:-}" in
    matrix) shift; exec "$(dirname "$0")/imapmatrix.sh" "$@" ;;
    postfix) shift; exec "$(dirname "$0")/postfix.sh" "$@" ;;
esac

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {
    local port=$1 name=$2
    for _ in $(seq 1 200); do
        if /usr/bin/python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$port)))" 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    echo "$name did not open port $port; see $dir" >&2
    return 1
}

start() {
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    mkdir -p "$dir/run" "$dir/state" "$dir/mail" "$dir/sink" "$dir/tls"
    chmod 1777 "$dir/mail"
    chmod 755 "$dir"

    # A throw-away CA and a server certificate for localhost/127.0.0.1 signed by it:
    # strict TLS clients refuse a self-signed certificate used directly.
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

    local imap_port imaps_port smtp_port
    imap_port=$(free_port); imaps_port=$(free_port); smtp_port=$(free_port)
    while [ "$imaps_port" = "$imap_port" ]; do imaps_port=$(free_port); done
    while [ "$smtp_port" = "$imap_port" ] || [ "$smtp_port" = "$imaps_port" ]; do smtp_port=$(free_port); done

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
auth_mechanisms = plain login
passdb {
  driver = static
  args = password=secret
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
    # In a session of its own, so that stop-imap can end every process of this
    # instance (the processes serving open connections included) and nothing else.
    setsid /usr/sbin/dovecot -F -c "$dir/dovecot.conf" > "$dir/dovecot.out" 2>&1 &
    echo $! > "$dir/dovecot.pid"

    /usr/bin/python3 "$here/smtp_sink.py" "$dir/sink" "$smtp_port" > "$dir/sink.log" 2>&1 &
    echo $! > "$dir/sink.pid"

    wait_port "$imap_port" Dovecot
    wait_port "$smtp_port" "SMTP sink"

    cat > "$dir/servers.env" <<ENV
IMAP_PORT=$imap_port
IMAPS_PORT=$imaps_port
SMTP_PORT=$smtp_port
MAIL_ROOT=$dir/mail
SINK_DIR=$dir/sink
CA_FILE=$dir/tls/ca.crt
SERVERS_DIR=$dir
ENV
    echo "test servers up: IMAP 127.0.0.1:$imap_port, IMAPS :$imaps_port, SMTP :$smtp_port ($dir)"
}

stop_pid() {
    local file=$1
    [ -f "$file" ] || return 0
    local pid
    pid=$(cat "$file")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$file"
}

stop() {
    [ -d "$dir" ] || return 0
    stop_pid "$dir/sink.pid"
    stop_pid "$dir/dovecot.pid"
}

start_imap() {
    . "$dir/servers.env"
    setsid /usr/sbin/dovecot -F -c "$dir/dovecot.conf" >> "$dir/dovecot.out" 2>&1 &
    echo $! > "$dir/dovecot.pid"
    wait_port "$IMAP_PORT" Dovecot
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    stop-imap)
        # Every process of this instance at once, as a crash would: the processes that
        # serve open connections too, or a client's existing connection would live on.
        if [ -f "$dir/dovecot.pid" ]; then
            sid=$(cat "$dir/dovecot.pid")
            pkill -KILL -s "$sid" 2>/dev/null || true
            for _ in $(seq 1 100); do pgrep -s "$sid" >/dev/null 2>&1 || break; sleep 0.05; done
            rm -f "$dir/dovecot.pid"
        fi ;;
    start-imap) start_imap ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
