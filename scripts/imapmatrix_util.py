#!/usr/bin/python3
"""Helpers for scripts/imapmatrix.sh (one python process per call, so that delivering
thousands of messages costs one start-up, not thousands).

usage:
  imapmatrix_util.py ports N                      N distinct free loopback ports
  imapmatrix_util.py wait-port PORT PID           until 127.0.0.1:PORT accepts (10 s at most,
                                                  and only while process PID lives)
  imapmatrix_util.py maildir-deliver [--lf] MAILDIR UID GID STAMPFILE [FILE...]
  imapmatrix_util.py imap-append PORT USER MAILBOX [FILE...]
  imapmatrix_util.py imap-create PORT USER MAILBOX        (idempotent)
  imapmatrix_util.py imap-flags PORT USER MAILBOX save|restore FLAGFILE
  imapmatrix_util.py cyrus-prune MAILBOXDIR FLAGFILE  (the FLAGFILE of imap-flags save)
  imapmatrix_util.py courier-renumber MAILDIR
Every IMAP login uses the password "secret". Without FILE a message is read from stdin.
"""
import json
import os
import re
import socket
import sys
import time

PASSWORD = "secret"


def messages(files):
    if not files:
        yield sys.stdin.buffer.read()
    for name in files:
        with open(name, "rb") as f:
            yield f.read()


def free_ports(count):
    # Hold every socket until all are chosen, or the kernel could hand out one twice.
    socks = []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    print(" ".join(map(str, ports)))


def wait_port(port, leader, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.kill(leader, 0)
        except ProcessLookupError:
            sys.exit("the server exited before it opened port %d" % port)
        s = socket.socket()
        s.settimeout(0.2)
        try:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        finally:
            s.close()
        time.sleep(0.02)
    sys.exit("port %d did not open" % port)


def maildir_deliver(maildir, uid, gid, stampfile, files, lf=False):
    """Write each message into tmp/ as the mail user and rename it into new/, as an MTA
    does. The names carry strictly increasing times (seconds.Mmicroseconds): Dovecot and
    Courier give new messages their UIDs in the order of those times, not of readdir.
    With lf, CRLF is stored as LF, as MTAs write Maildir files: Courier turns every LF
    into CRLF when it sends a message, a stored CRLF into CR CR LF."""
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    # Later calls must sort after earlier ones even within the same microsecond.
    try:
        with open(stampfile) as f:
            last = int(f.read().strip() or 0)
    except FileNotFoundError:
        last = 0
    stamp = max(time.time_ns() // 1000, last + 1)
    host = socket.gethostname().replace("/", "_").replace(":", "_")
    pid = os.getpid()
    for i, data in enumerate(messages(files)):
        name = "%d.M%06dP%dQ%d.%s" % (stamp // 1000000, stamp % 1000000, pid, i, host)
        stamp += 1
        tmp = os.path.join(maildir, "tmp", name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data.replace(b"\r\n", b"\n") if lf else data)
        os.chown(tmp, uid, gid)
        os.rename(tmp, os.path.join(maildir, "new", name))
    with open(stampfile, "w") as f:
        f.write("%d\n" % stamp)


class Imap:
    """Just enough IMAP for delivery and administration (imaplib cannot send
    MULTIAPPEND)."""

    def __init__(self, port, user):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.file = self.sock.makefile("rb")
        self.tag = 0
        greeting = self.file.readline()
        if not greeting.startswith(b"* OK"):
            raise SystemExit("unexpected greeting: %r" % greeting)
        self.command(b"LOGIN %s %s" % (quote(user), quote(PASSWORD)))

    def command(self, *parts, ok=True):
        """Send one command (its parts joined, literals made by literal()) and return
        (status, untagged lines, tagged line)."""
        self.tag += 1
        tag = b"x%d" % self.tag
        out = [tag, b" "]
        for part in parts:
            out.append(part)
        out.append(b"\r\n")
        self.sock.sendall(b"".join(out))
        untagged = []
        while True:
            line = self.file.readline()
            if not line:
                raise SystemExit("server closed the connection")
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            while m:  # a literal in a response: keep it with its line
                line += self.file.read(int(m.group(1)))
                rest = self.file.readline()
                line += rest
                m = re.search(rb"\{(\d+)\}\r\n$", rest)
            if line.startswith(tag + b" "):
                status = line[len(tag) + 1:].split(b" ", 1)[0]
                if ok and status != b"OK":
                    raise SystemExit("IMAP %r failed: %r" % (b"".join(parts)[:80], line))
                return status, untagged, line
            untagged.append(line)

    def logout(self):
        try:
            self.command(b"LOGOUT", ok=False)
        except (SystemExit, OSError):
            pass
        self.sock.close()


def quote(text):
    if isinstance(text, str):
        text = text.encode()
    return b'"' + text.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def literal(data):
    return b"{%d+}\r\n" % len(data) + data


def imap_append(port, user, mailbox, files):
    """MULTIAPPEND without flags (so unseen), exact bytes, in order; in batches so that
    one command never holds more than about 32 MB. A bare LF goes as CRLF (Cyrus refuses
    it; Dovecot and Courier send it as CRLF)."""
    imap = Imap(port, user)
    batch, size = [], 0

    def flush():
        if batch:
            parts = [b"APPEND ", quote(mailbox)]
            for data in batch:
                parts += [b" ", literal(data)]
            imap.command(*parts)
            batch.clear()

    for data in messages(files):
        data = re.sub(rb"(?<!\r)\n", b"\r\n", data)
        if batch and (size + len(data) > 32 << 20 or len(batch) >= 1000):
            flush()
            size = 0
        batch.append(data)
        size += len(data)
    flush()
    imap.logout()


def imap_create(port, user, mailbox):
    imap = Imap(port, user)
    status, _, line = imap.command(b"CREATE ", quote(mailbox), ok=False)
    if status != b"OK" and b"exist" not in line.lower():
        raise SystemExit("CREATE %s failed: %r" % (mailbox, line))
    imap.logout()


def imap_flags(port, user, mailbox, action, flagfile):
    """Save the flags of every message by UID, or set them again (after a rebuild that
    kept the UIDs but lost the index)."""
    imap = Imap(port, user)
    _, lines, _ = imap.command(b"SELECT ", quote(mailbox))
    exists = [int(m.group(1)) for m in (re.match(rb"\* (\d+) EXISTS", x) for x in lines) if m]
    if action == "save":
        lines = []
        if exists and exists[-1] > 0:
            _, lines, _ = imap.command(b"UID FETCH 1:* (FLAGS)")
        flags = {}
        for line in lines:
            m = re.search(rb"UID (\d+)", line)
            f = re.search(rb"FLAGS \(([^)]*)\)", line)
            if m and f:
                kept = [x for x in f.group(1).split() if x.lower() != b"\\recent"]
                flags[int(m.group(1))] = [x.decode() for x in kept]
        with open(flagfile, "w") as out:
            json.dump(flags, out)
    else:
        with open(flagfile) as f:
            flags = json.load(f)
        # One STORE per set of flags, not per message.
        by_flags = {}
        for uid, names in flags.items():
            if names:
                by_flags.setdefault(" ".join(sorted(names)), []).append(int(uid))
        for names, uids in by_flags.items():
            uid_set = ",".join(map(str, sorted(uids))).encode()
            imap.command(b"UID STORE %s +FLAGS.SILENT (%s)" % (uid_set, names.encode()))
    imap.logout()


def cyrus_prune(boxdir, flagfile):
    """Remove the spool files of messages that are no longer in the mailbox (Cyrus
    expunges lazily): reconstruct would bring them back."""
    with open(flagfile) as f:
        keep = set(json.load(f))
    for name in os.listdir(boxdir):
        m = re.fullmatch(r"(\d+)\.", name)
        if m and m.group(1) not in keep:
            os.unlink(os.path.join(boxdir, name))


def courier_renumber(maildir):
    """Courier keeps UIDs in courierimapuiddb ("1 UIDVALIDITY NEXTUID", then one line
    per message). A new file with no messages makes it number every message again; the
    new UIDVALIDITY must differ from the old one even within the same second."""
    path = os.path.join(maildir, "courierimapuiddb")
    old = 0
    try:
        with open(path) as f:
            head = f.readline().split()
            if len(head) >= 2:
                old = int(head[1])
    except FileNotFoundError:
        pass
    st = os.stat(maildir)
    new = max(int(time.time()) % 1000000000, old + 1)
    tmp = path + ".imapmatrix"
    with open(tmp, "w") as f:
        f.write("1 %d 1\n" % new)
    os.chown(tmp, st.st_uid, st.st_gid)
    os.rename(tmp, path)


def imap_count(port, user, mailbox):
    """Print how many messages a folder (the server's own name) holds and how many of
    them are not flagged \\Deleted: "MESSAGES UNDELETED", or "0 0" without the folder."""
    imap = Imap(port, user)
    status, _, _ = imap.command(b"EXAMINE " + quote(mailbox), ok=False)
    if status != b"OK":
        print("0 0")
        imap.logout()
        return
    counts = []
    for criteria in (b"ALL", b"UNDELETED"):
        _, lines, _ = imap.command(b"UID SEARCH " + criteria)
        found = 0
        for line in lines:
            if line.startswith(b"* SEARCH"):
                found += len(line.split()) - 2
        counts.append(found)
    imap.logout()
    print("%d %d" % tuple(counts))


def imap_flag_deleted(port, user, mailbox):
    """Flag every message of a folder \\Deleted without expunging, as a mail client
    does when someone throws mail away."""
    imap = Imap(port, user)
    imap.command(b"SELECT " + quote(mailbox))
    imap.command(b"UID STORE 1:* +FLAGS.SILENT (\\Deleted)")
    imap.logout()


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "ports":
        free_ports(int(args[0]))
    elif cmd == "wait-port":
        wait_port(int(args[0]), int(args[1]))
    elif cmd == "maildir-deliver":
        lf = args[:1] == ["--lf"]
        if lf:
            args = args[1:]
        maildir_deliver(args[0], int(args[1]), int(args[2]), args[3], args[4:], lf)
    elif cmd == "imap-append":
        imap_append(int(args[0]), args[1], args[2], args[3:])
    elif cmd == "imap-count":
        imap_count(int(args[0]), args[1], args[2])
    elif cmd == "imap-flag-deleted":
        imap_flag_deleted(int(args[0]), args[1], args[2])
    elif cmd == "imap-create":
        imap_create(int(args[0]), args[1], args[2])
    elif cmd == "imap-flags":
        imap_flags(int(args[0]), args[1], args[2], args[3], args[4])
    elif cmd == "cyrus-prune":
        cyrus_prune(args[0], args[1])
    elif cmd == "courier-renumber":
        courier_renumber(args[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
