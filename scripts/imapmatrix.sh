#!/usr/bin/env bash
# Real IMAP servers of several kinds on loopback, one instance per DIR, for tests that
# must hold against more than the one tuned Dovecot of testservers.sh:
#
#   scripts/imapmatrix.sh start DIR FLAVOUR    start one server in DIR (created) on free ports
#   scripts/imapmatrix.sh stop DIR             stop it; no process of it is left afterwards
#   scripts/imapmatrix.sh add-user DIR USER    USER logs in with "secret", has an INBOX (idempotent)
#   scripts/imapmatrix.sh deliver DIR USER [FILE...]
#                                              each FILE (stdin without one) into USER's INBOX,
#                                              unseen, exact bytes, in order
#   scripts/imapmatrix.sh restart DIR          kill every process at once (a crash), start
#                                              again: same ports, same mail
#   scripts/imapmatrix.sh renumber DIR USER    USER's INBOX gets a new UIDVALIDITY, messages
#                                              and their flags kept (as a server rebuild does)
#   scripts/imapmatrix.sh count DIR USER FOLDER  prints "MESSAGES UNDELETED" of FOLDER (the
#                                              server's own name, e.g. INBOX.Parley.Processed)
#   scripts/imapmatrix.sh throw-away DIR USER  flag every INBOX message \Deleted, not expunged
#                                              (what a mail client does on "delete")
#
# FLAVOUR is one of
#   dovecot-stock      Debian's own /etc/dovecot configuration, overridden only where a
#                      throw-away instance must differ (paths, ports, auth, Maildir):
#                      separator ".", no prefix, special-use folders as shipped
#   dovecot-tuned      the tuned Dovecot of testservers.sh (separator "/")
#   dovecot-nomove     the tuned Dovecot of testservers.sh (separator "/") announcing
#                      neither MOVE nor IDLE
#   dovecot-nouidplus  the same without UIDPLUS either
#   cyrus              Cyrus IMAP 3.6, default namespace: "INBOX." prefix, separator "."
#   courier            Courier-IMAP 5, "INBOX." prefix, separator "."
#
# After start, DIR/imap.env holds (shell syntax) IMAP_FLAVOUR, IMAP_PORT (plain, with
# STARTTLS), IMAPS_PORT, CA_FILE, IMAP_SEPARATOR, IMAP_PREFIX and IMAP_DIR.
#
# Debian lets only one package providing imap-server be installed, so dovecot-imapd is,
# and the imapd binaries of cyrus-imapd and courier-imap are unpacked from their .deb
# (fetched once with apt-get download into IMAPMATRIX_DEBS, by default
# ~/.cache/parley-imapmatrix) into DIR/pkg; the rest of both (cyrus-common, courier-base,
# courier-authdaemon, courier-authlib-userdb, sasl2-bin) must be installed.
#
# Every instance runs in a session of its own: stop and restart end exactly the
# processes of that session, the ones serving open connections included.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
usage() {
    sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
[ -n "$cmd" ] && [ -n "$dir" ] || usage
[ ! -d "$dir" ] || dir=$(cd "$dir" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
util() { /usr/bin/python3 "$here/imapmatrix_util.py" "$@"; }

# Mail of the Maildir flavours belongs to nobody: Dovecot refuses root for mail and
# Courier's imapd runs as the user the userdb names.
MAIL_UID=65534
MAIL_GID=65534
CYRUS_ADMIN=cyrusadmin

die() { echo "imapmatrix: $*" >&2; exit 1; }

load_env() {
    [ -f "$dir/imap.env" ] || die "no instance in $dir (imap.env missing)"
    # shellcheck disable=SC1091
    . "$dir/imap.env"
}

# --- TLS ------------------------------------------------------------------------------

make_tls() {
    # A throw-away CA and a server certificate for localhost/127.0.0.1 signed by it:
    # strict TLS clients refuse a self-signed certificate used directly. P-256 keys
    # take milliseconds where RSA keys take a quarter of a second each.
    mkdir -p "$dir/tls"
    (
        cd "$dir/tls"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
            -subj "/CN=Parley Test CA" -keyout ca.key -out ca.crt >/dev/null 2>&1
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
            -keyout server.key -out server.csr >/dev/null 2>&1
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > ext.cnf
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
            -extfile ext.cnf -out server.crt >/dev/null 2>&1
        chmod 644 ./*.crt ./*.key
    )
}

# --- packages that cannot be installed beside dovecot-imapd ---------------------------

unpack_deb() { # PACKAGE KEY: PACKAGE's files into DIR/pkg; its .deb is fetched once per KEY
    local pkg=$1 key=$2 version
    local cache=${IMAPMATRIX_DEBS:-${XDG_CACHE_HOME:-$HOME/.cache}/parley-imapmatrix}/$pkg-$key
    if ! ls "$cache"/*.deb >/dev/null 2>&1; then
        # cyrus-imapd must be the version of the installed cyrus-common (its KEY);
        # courier-imap is whatever apt offers for the installed courier-base.
        case "$pkg" in
            cyrus-imapd) version=$key ;;
            *) version=$(apt-cache policy "$pkg" | awk '$1 == "Candidate:" {print $2}') ;;
        esac
        [ -n "$version" ] && [ "$version" != "(none)" ] || die "apt knows no $pkg"
        mkdir -p "$cache"
        (cd "$cache" && apt-get download "$pkg=$version" > download.log 2>&1) ||
            die "apt-get download $pkg=$version failed; see $cache/download.log"
    fi
    dpkg-deb -x "$(ls "$cache"/*.deb | head -n 1)" "$dir/pkg"
}

installed_version() {
    dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null | awk '$1 == "ii" {print $2}'
}

# --- sessions ---------------------------------------------------------------------------

# The session id is the pid of its leader; its start time is kept too, so that a pid
# the kernel handed on after the instance died is never taken for the instance.
start_time() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || true; }

launch_session() { # COMMAND...: run it as the leader of a new session, note the session
    # Started in the background of a script (no job control), setsid does not fork:
    # the pid $! is the session id.
    setsid "$@" < /dev/null >> "$dir/server.out" 2>&1 &
    local sid=$!
    echo "$sid $(start_time "$sid")" > "$dir/server.sid"
}

instance_sid() { # prints the session id when the instance may still have processes
    [ -f "$dir/server.sid" ] || return 0
    local sid started now
    read -r sid started < "$dir/server.sid"
    now=$(start_time "$sid")
    # The leader gone, its session id cannot be reused while members are left.
    if [ -z "$now" ] || [ "$now" = "$started" ]; then echo "$sid"; fi
}

live_in_session() { # processes of the session that are not zombies
    ps -e -o sid=,stat= | awk -v s="$1" '$1 == s && $2 !~ /^Z/' | grep -q .
}

wait_gone() { # SID SECONDS [zombies]: until no (live, or any) process of the session is left
    local sid=$1 tries=$(( $2 * 20 )) zombies=${3:-}
    while [ "$tries" -gt 0 ]; do
        if [ -n "$zombies" ]; then pgrep -s "$sid" >/dev/null || return 0
        else live_in_session "$sid" || return 0
        fi
        sleep 0.05
        tries=$(( tries - 1 ))
    done
    return 1
}

kill_instance() { # SIGNAL: signal every process of the instance at once
    local sid
    sid=$(instance_sid)
    [ -n "$sid" ] || return 0
    pkill "-$1" -s "$sid" 2>/dev/null || true
}

# --- dovecot ------------------------------------------------------------------------------

# What Dovecot 2.3.19 announces after login when imap_capability is not set; the
# flavours that hide extensions must name all the others.
DOVECOT_CAPABILITY="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE"

without() { # WORD... : DOVECOT_CAPABILITY without those words
    local cap out=""
    for cap in $DOVECOT_CAPABILITY; do
        case " $* " in *" $cap "*) ;; *) out="$out $cap" ;; esac
    done
    echo "${out# }"
}

dovecot_conf() {
    case "$IMAP_FLAVOUR" in
        dovecot-stock) echo "$dir/etc/dovecot/dovecot.conf" ;;
        *) echo "$dir/dovecot.conf" ;;
    esac
}

configure_dovecot_stock() {
    mkdir -p "$dir/etc" "$dir/run" "$dir/state"
    # The shipped tree, without the private key of the system's own instance.
    cp -a /etc/dovecot "$dir/etc/"
    rm -rf "$dir/etc/dovecot/private"
    # The system passdb (PAM) and userdb (passwd) know no test users, and a failed PAM
    # attempt costs seconds; only this include changes, the static ones below replace it.
    sed -i 's/^!include auth-system\.conf\.ext/#&/' "$dir/etc/dovecot/conf.d/10-auth.conf"
    grep -q '^#!include auth-system' "$dir/etc/dovecot/conf.d/10-auth.conf" ||
        die "Debian's 10-auth.conf changed: the auth-system include was not found"
    # Its key is read where 10-ssl.conf names it, before any override could apply.
    sed -i -e "s|^ssl_cert = <.*|ssl_cert = <$dir/tls/server.crt|" \
           -e "s|^ssl_key = <.*|ssl_key = <$dir/tls/server.key|" "$dir/etc/dovecot/conf.d/10-ssl.conf"
    # dovecot.conf ends with "!include_try local.conf": Debian's place for overrides.
    cat > "$dir/etc/dovecot/local.conf" <<CONF
# Overrides for a throw-away instance (scripts/imapmatrix.sh); the namespace and its
# separator stay as Debian ships them.
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
disable_plaintext_auth = no
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=$dir/mail/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
CONF
}

configure_dovecot_tuned() {
    local capability
    case "$IMAP_FLAVOUR" in
        dovecot-nomove) capability=$(without MOVE IDLE) ;;
        dovecot-nouidplus) capability=$(without MOVE IDLE UIDPLUS) ;;
        *) capability=$(without) ;;
    esac
    mkdir -p "$dir/run" "$dir/state"
    # As testservers.sh, plus the capability list.
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
  args = uid=$MAIL_UID gid=$MAIL_GID home=$dir/mail/%u
}
mail_location = maildir:~/Maildir
mail_fsync = never
first_valid_uid = 500
namespace inbox {
  inbox = yes
  separator = /
}
mail_max_userip_connections = 100
imap_capability = $capability
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
CONF
}

launch_dovecot() {
    # Left by a killed instance; Dovecot would take a reused pid in it for itself.
    rm -f "$dir/run/master.pid"
    launch_session /usr/sbin/dovecot -F -c "$(dovecot_conf)"
}

maildir_add_user() {
    local user=$1 d
    for d in "$dir/mail/$user" "$dir/mail/$user/Maildir" "$dir/mail/$user/Maildir/cur" \
             "$dir/mail/$user/Maildir/new" "$dir/mail/$user/Maildir/tmp"; do
        if [ ! -d "$d" ]; then
            mkdir "$d"
            chown "$MAIL_UID:$MAIL_GID" "$d"
            chmod 700 "$d"
        fi
    done
}

renumber_dovecot() {
    local maildir="$dir/mail/$1/Maildir"
    # Without its uidlist and indexes Dovecot numbers the messages again, under a
    # UIDVALIDITY from dovecot-uidvalidity that is always greater than any before.
    # Flags live in the file names and stay.
    rm -f "$maildir/dovecot-uidlist" "$maildir"/dovecot.index* "$maildir"/dovecot.list.index*
}

# --- cyrus --------------------------------------------------------------------------------

configure_cyrus() {
    local version
    version=$(installed_version cyrus-common)
    [ -n "$version" ] || die "cyrus-common is not installed"
    [ -x /usr/sbin/saslpasswd2 ] || die "sasl2-bin is not installed"
    id cyrus >/dev/null 2>&1 || die "no user cyrus (cyrus-common creates it)"
    # imapd lives in cyrus-imapd, which conflicts with dovecot-imapd: the same version
    # as the installed cyrus-common, unpacked.
    unpack_deb cyrus-imapd "$version"
    local c="$dir/cyrus"
    mkdir -p "$c/conf/socket" "$c/spool" "$c/sieve"
    touch "$dir/users"
    # Options Debian's /etc/imapd.conf sets to other places or values than Cyrus's
    # defaults are set here too, so that none of them points into the system's instance.
    cat > "$c/imapd.conf" <<CONF
configdirectory: $c/conf
proc_path: $c/conf/proc
mboxname_lockpath: $c/conf/lock
partition-default: $c/spool
defaultpartition: default
sievedir: $c/sieve
lmtpsocket: $c/conf/socket/lmtp
idlesocket: $c/conf/socket/idle
notifysocket: $c/conf/socket/notify
servername: localhost
admins: $CYRUS_ADMIN
# The default namespace: personal folders under "INBOX.", "." between levels.
altnamespace: no
unixhierarchysep: no
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $c/sasldb2
sasl_mech_list: PLAIN LOGIN
sasl_auto_transition: no
# Stored bytes must be the delivered ones: no rewriting of 8-bit header bytes.
munge8bit: no
reject8bit: no
tls_server_cert: $dir/tls/server.crt
tls_server_key: $dir/tls/server.key
umask: 077
syslog_prefix: imapmatrix
CONF
    local bin=/usr/lib/cyrus/bin imapd="$dir/pkg/usr/lib/cyrus/bin/imapd" conf="-C $c/imapd.conf"
    cat > "$c/cyrus.conf" <<CONF
START {
  recover cmd="$bin/ctl_cyrusdb $conf -r"
}
SERVICES {
  imap cmd="$imapd $conf" listen="127.0.0.1:$IMAP_PORT" prefork=0 maxchild=100
  imaps cmd="$imapd -s $conf" listen="127.0.0.1:$IMAPS_PORT" prefork=0 maxchild=100
}
EVENTS {
  checkpoint cmd="$bin/ctl_cyrusdb $conf -c" period=30
}
DAEMON {
  # IDLE learns of new mail from idled at once; without it imapd polls once a minute.
  idled cmd="$dir/pkg/usr/lib/cyrus/bin/idled $conf"
}
CONF
    cyrus_password "$CYRUS_ADMIN"
    chown -R cyrus:mail "$c"
}

cyrus_password() {
    local c="$dir/cyrus"
    printf secret | /usr/sbin/saslpasswd2 -p -c -f "$c/sasldb2" -u localhost "$1"
    chown cyrus:mail "$c/sasldb2"
    chmod 640 "$c/sasldb2"
}

launch_cyrus() {
    # master starts as root and runs everything as the user cyrus.
    rm -f "$dir/cyrus/master.pid"
    launch_session /usr/lib/cyrus/bin/master -C "$dir/cyrus/imapd.conf" \
        -M "$dir/cyrus/cyrus.conf" -p "$dir/cyrus/master.pid"
}

cyrus_add_user() {
    cyrus_password "$1"
    util imap-create "$IMAP_PORT" "$CYRUS_ADMIN" "user.$1"
}

renumber_cyrus() {
    local user=$1 c="$dir/cyrus" box
    # A lost cyrus.index makes reconstruct build a new one under a new UIDVALIDITY from
    # the spool files, whose names are the UIDs; the flags were in the index, so they
    # are set again. Files of expunged messages are still there and would come back.
    util imap-flags "$IMAP_PORT" "$user" INBOX save "$c/renumber.flags"
    box=$(runuser -u cyrus -- /usr/lib/cyrus/bin/mbpath -C "$c/imapd.conf" "user.$user")
    rm -f "$box/cyrus.index" "$box/cyrus.cache"
    util cyrus-prune "$box" "$c/renumber.flags"
    runuser -u cyrus -- /usr/lib/cyrus/bin/reconstruct -q -C "$c/imapd.conf" "user.$user" > /dev/null
    util imap-flags "$IMAP_PORT" "$user" INBOX restore "$c/renumber.flags"
    rm -f "$c/renumber.flags"
}

# --- courier ------------------------------------------------------------------------------

configure_courier() {
    local base
    base=$(installed_version courier-base)
    [ -n "$base" ] || die "courier-base is not installed"
    [ -n "$(installed_version courier-authlib-userdb)" ] || die "courier-authlib-userdb is not installed"
    [ -x /usr/lib/courier/courier-authlib/authdaemond ] || die "courier-authdaemon is not installed"
    [ -x /usr/libexec/gam_server ] || die "gamin is not installed"
    # imapd and imaplogin live in courier-imap, which conflicts with dovecot-imapd.
    unpack_deb courier-imap "$base"
    local c="$dir/courier"
    mkdir -p "$c/run" "$dir/mail"
    # Courier's config paths (/etc/courier/authdaemonrc, userdb.dat) and the socket
    # between imaplogin and authdaemond (/run/courier/authdaemon) are compiled in: each
    # instance runs in a mount namespace of its own where its copies are mounted there.
    # The copy starts from the shipped files: the system's /etc/courier and courier-imap's.
    cp -a /etc/courier "$c/etc"
    cp -a "$dir/pkg/etc/courier/." "$c/etc/"
    sed -i 's/^authmodulelist=.*/authmodulelist="authuserdb"/' "$c/etc/authdaemonrc"
    : > "$c/etc/userdb"
    chmod 600 "$c/etc/userdb"
    /usr/sbin/makeuserdb -f "$c/etc/userdb"
    # For STARTTLS, couriertls reads it already running as courier.
    cat "$dir/tls/server.key" "$dir/tls/server.crt" > "$c/etc/imapd.pem"
    chown courier:courier "$c/etc/imapd.pem"
    chmod 600 "$c/etc/imapd.pem"
    cat >> "$c/etc/imapd" <<CONF

# Overrides for a throw-away instance (scripts/imapmatrix.sh)
ADDRESS=127.0.0.1
PORT=$IMAP_PORT
# IDLE reports new mail at once (through gamin) instead of polling once a minute.
IMAP_ENHANCEDIDLE=1
CONF
    cat >> "$c/etc/imapd-ssl" <<CONF

# Overrides for a throw-away instance (scripts/imapmatrix.sh); /etc/courier and
# /run/courier are this instance's own copies (see above).
SSLADDRESS=127.0.0.1
SSLPORT=$IMAPS_PORT
TLS_CERTFILE=/etc/courier/imapd.pem
TLS_CACHEFILE=/run/courier/couriersslimapcache
CONF
    touch "$dir/users"
}

launch_courier() {
    launch_session unshare --mount --propagation private "$self" _courier-run "$dir"
}

courier_run() { # inside the instance's mount namespace: what Debian's init scripts start
    local c="$dir/courier" imaplogin="$dir/pkg/usr/lib/courier/courier/imaplogin"
    local imapd="$dir/pkg/usr/bin/imapd"
    mkdir -p /run/courier
    mount --bind "$c/etc" /etc/courier
    mount --bind "$c/run" /run/courier
    rm -rf /run/courier/authdaemon
    mkdir -p /run/courier/authdaemon
    # couriertls writes its session cache as courier.
    : > /run/courier/couriersslimapcache
    chown courier:courier /run/courier/couriersslimapcache
    chmod 600 /run/courier/couriersslimapcache
    (set -a; . /etc/courier/authdaemonrc; exec /usr/lib/courier/courier-authlib/authdaemond) \
        2>> "$dir/authdaemond.log" &
    # imapd learns of new mail from gamin's gam_server (one per user and GAM_CLIENT_ID).
    # Were it left to start one, it would start it in a session of its own, shared by
    # every instance and outliving them by half a minute: this instance runs its own.
    local fam_id fam_socket tries=100
    fam_id=imapmatrix-$(printf %s "$dir" | cksum | cut -d ' ' -f 1)
    fam_socket="@/tmp/fam-$(id -un "$MAIL_UID")-$fam_id"
    setpriv --reuid="$MAIL_UID" --regid="$MAIL_GID" --clear-groups \
        /usr/libexec/gam_server --notimeout "$fam_id" 2>> "$dir/gam_server.log" &
    # (/proc/net/unix shows an abstract name padded with NULs, as "@".)
    until awk -v s="$fam_socket" 'index($NF, s) == 1 {found=1} END {exit !found}' /proc/net/unix; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || { echo "gam_server did not listen on $fam_socket" >&2; exit 1; }
        sleep 0.02
    done
    # As /usr/lib/courier/imapd and imapd-ssl start them, in the foreground.
    env -i GAM_CLIENT_ID="$fam_id" /bin/sh -c "set -a; . /etc/courier/imapd; . /etc/courier/imapd-ssl;
        IMAP_STARTTLS=\$IMAPDSTARTTLS; ulimit -v \$IMAP_ULIMITD
        exec /usr/sbin/couriertcpd -address=\$ADDRESS -maxprocs=\$MAXDAEMONS \
            -maxperip=\$MAXPERIP \$TCPDOPTS \$PORT $imaplogin $imapd \$MAILDIRPATH" \
        2>> "$dir/imapd.log" &
    env -i GAM_CLIENT_ID="$fam_id" /bin/sh -c "set -a; . /etc/courier/imapd; . /etc/courier/imapd-ssl;
        ulimit -v \$IMAP_ULIMITD
        exec /usr/sbin/couriertcpd -address=\$SSLADDRESS -maxprocs=\$MAXDAEMONS \
            -maxperip=\$MAXPERIP \$TCPDOPTS \$SSLPORT \$COURIERTLS -server -tcpd \
            -user=courier $imaplogin $imapd \$MAILDIRPATH" \
        2>> "$dir/imapd-ssl.log" &
    wait
}

courier_add_user() {
    local user=$1 c="$dir/courier"
    maildir_add_user "$user"
    if ! awk -F '\t' -v u="$user" '$1 == u {found=1} END {exit !found}' "$c/etc/userdb"; then
        printf '%s\tuid=%s|gid=%s|home=%s|mail=%s|systempw=%s\n' "$user" "$MAIL_UID" "$MAIL_GID" \
            "$dir/mail/$user" "$dir/mail/$user/Maildir" "$(openssl passwd -6 secret)" >> "$c/etc/userdb"
        /usr/sbin/makeuserdb -f "$c/etc/userdb"
    fi
}

# --- commands ---------------------------------------------------------------------------

wait_ports() {
    local sid port
    sid=$(instance_sid)
    for port in $IMAP_PORT $IMAPS_PORT; do
        if ! util wait-port "$port" "${sid:-0}"; then
            kill_instance KILL
            die "$IMAP_FLAVOUR did not open port $port; see $dir/server.out and the logs there"
        fi
    done
}

launch() {
    case "$IMAP_FLAVOUR" in
        dovecot-*) launch_dovecot ;;
        cyrus) launch_cyrus ;;
        courier) launch_courier ;;
    esac
    wait_ports
}

start() {
    local flavour=$1 separator prefix
    case "$flavour" in
        dovecot-stock) separator=. prefix= ;;
        dovecot-tuned|dovecot-nomove|dovecot-nouidplus) separator=/ prefix= ;;
        cyrus|courier) separator=. prefix=INBOX. ;;
        *) die "unknown flavour '$flavour' (dovecot-stock, dovecot-tuned, dovecot-nomove, dovecot-nouidplus, cyrus, courier)" ;;
    esac
    case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
    # The path goes unquoted into server configurations and imap.env.
    case "$dir" in *[[:space:]\"\'\$\\]*) die "DIR must not contain blanks, quotes, \$ or \\" ;; esac
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ -z "$(instance_sid)" ] || die "an instance is already running in $dir"
    # What a stopped instance left here goes: a start is a fresh server (restart keeps
    # the mail). Only the names this script makes are removed.
    rm -rf "$dir/imap.env" "$dir/server.sid" "$dir/server.out" "$dir/users" "$dir/deliver.stamp" \
        "$dir/tls" "$dir/mail" "$dir/pkg" "$dir/etc" "$dir/run" "$dir/state" "$dir/dovecot.conf" \
        "$dir/dovecot.log" "$dir/cyrus" "$dir/courier" "$dir/authdaemond.log" "$dir/imapd.log" \
        "$dir/imapd-ssl.log" "$dir/gam_server.log"
    chmod 755 "$dir"
    mkdir -p "$dir/mail"
    make_tls
    read -r IMAP_PORT IMAPS_PORT < <(util ports 2)
    IMAP_FLAVOUR=$flavour
    cat > "$dir/imap.env" <<ENV
IMAP_FLAVOUR=$flavour
IMAP_PORT=$IMAP_PORT
IMAPS_PORT=$IMAPS_PORT
CA_FILE=$dir/tls/ca.crt
IMAP_SEPARATOR=$separator
IMAP_PREFIX=$prefix
IMAP_DIR=$dir
ENV
    case "$flavour" in
        dovecot-stock) configure_dovecot_stock ;;
        dovecot-*) configure_dovecot_tuned ;;
        cyrus) configure_cyrus ;;
        courier) configure_courier ;;
    esac
    launch
    echo "imapmatrix: $flavour up: IMAP 127.0.0.1:$IMAP_PORT, IMAPS :$IMAPS_PORT ($dir)"
}

stop() {
    local sid
    [ -d "$dir" ] || return 0
    sid=$(instance_sid)
    if [ -n "$sid" ]; then
        kill_instance TERM
        wait_gone "$sid" 5 || { kill_instance KILL; wait_gone "$sid" 5 || true; }
        # Their parent gone, the last ones are reaped by init, which can take a second.
        wait_gone "$sid" 10 zombies || die "processes of session $sid are left"
    fi
    rm -f "$dir/server.sid"
}

restart() {
    local sid
    load_env
    sid=$(instance_sid)
    if [ -n "$sid" ]; then
        kill_instance KILL
        # Zombies hold no port; waiting for init to reap them would only cost time.
        wait_gone "$sid" 5 || die "processes of session $sid survived SIGKILL"
    fi
    launch
}

add_user() {
    local user=$1
    case "$user" in ''|*/*|.*|*[[:space:]]*) die "unusable user name '$user'" ;; esac
    load_env
    case "$IMAP_FLAVOUR" in
        dovecot-*) maildir_add_user "$user" ;;
        cyrus) cyrus_add_user "$user" ;;
        courier) courier_add_user "$user" ;;
    esac
    grep -qxF "$user" "$dir/users" 2>/dev/null || echo "$user" >> "$dir/users"
}

deliver() {
    local user=$1
    shift
    load_env
    grep -qxF "$user" "$dir/users" 2>/dev/null || add_user "$user"
    case "$IMAP_FLAVOUR" in
        dovecot-*)
            util maildir-deliver "$dir/mail/$user/Maildir" "$MAIL_UID" "$MAIL_GID" \
                "$dir/deliver.stamp" "$@" ;;
        courier)
            # Courier sends a stored LF as CRLF and a stored CRLF as CR CR LF.
            util maildir-deliver --lf "$dir/mail/$user/Maildir" "$MAIL_UID" "$MAIL_GID" \
                "$dir/deliver.stamp" "$@" ;;
        cyrus)
            # Over IMAP: lmtpd would add Return-Path and Received headers. Cyrus refuses
            # a bare LF, which the others send as CRLF: it is sent as CRLF.
            util imap-append "$IMAP_PORT" "$user" INBOX "$@" ;;
    esac
}

renumber() {
    local user=$1
    load_env
    grep -qxF "$user" "$dir/users" 2>/dev/null || die "no user $user in $dir"
    case "$IMAP_FLAVOUR" in
        dovecot-*) renumber_dovecot "$user" ;;
        cyrus) renumber_cyrus "$user" ;;
        courier) util courier-renumber "$dir/mail/$user/Maildir" ;;
    esac
}

case "$cmd" in
    start) [ $# -eq 3 ] || usage; start "$3" ;;
    stop) [ $# -eq 2 ] || usage; stop ;;
    restart) [ $# -eq 2 ] || usage; restart ;;
    add-user) [ $# -eq 3 ] || usage; add_user "$3" ;;
    deliver) [ $# -ge 3 ] || usage; user=$3; shift 3; deliver "$user" "$@" ;;
    renumber) [ $# -eq 3 ] || usage; renumber "$3" ;;
    count) [ $# -eq 4 ] || usage; load_env; util imap-count "$IMAP_PORT" "$3" "$4" ;;
    throw-away) [ $# -eq 3 ] || usage; load_env; util imap-flag-deleted "$IMAP_PORT" "$3" INBOX ;;
    _courier-run) courier_run ;;
    *) usage ;;
esac
