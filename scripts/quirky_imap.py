#!/usr/bin/python3
"""A small scripted IMAP server that behaves the way some real servers do and the
common test servers do not, for Parley's client tests:

- during a UID FETCH it slips in untagged responses that answer nothing the client
  asked: `* N EXPUNGE`, `* N EXISTS`, a flag-only `* N FETCH (FLAGS (...))` without a
  UID, and `* OK` notes (RFC 3501 §7: a client must accept unsolicited responses at
  any time);
- after `--bye-after N` commands on a connection it answers the next command with
  `* BYE Autologout; idle for too long` and closes, as servers do on idle timeouts;
- it offers neither MOVE, UIDPLUS, ESEARCH, LITERAL+ nor NAMESPACE.

usage: quirky_imap.py PORTFILE MAILDIR [--bye-after N]
Listens on a free loopback port (written to PORTFILE), user any, password "secret".
The mailbox is the files of MAILDIR, sorted by name; UID = position + 1. A STORE of
\\Deleted followed by UID EXPUNGE of a set removes those messages; COPY is accepted.
Every command is logged to MAILDIR/../commands.log.
"""
import os
import re
import socket
import sys
import threading


def load(maildir):
    names = sorted(n for n in os.listdir(maildir) if not n.startswith("."))
    return [[i + 1, open(os.path.join(maildir, n), "rb").read(), set()] for i, n in enumerate(names)]


def uid_set(text, highest):
    out = set()
    for part in text.split(","):
        if ":" in part:
            a, b = part.split(":")
            a = highest if a == "*" else int(a)
            b = highest if b == "*" else int(b)
            out.update(range(min(a, b), max(a, b) + 1))
        else:
            out.add(highest if part == "*" else int(part))
    return out


class Session(threading.Thread):
    def __init__(self, conn, state):
        super().__init__(daemon=True)
        self.conn, self.state = conn, state
        self.file = conn.makefile("rb")
        self.count = 0

    def send(self, data):
        self.conn.sendall(data if isinstance(data, bytes) else data.encode())

    def run(self):
        try:
            self.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN IDLE] quirky server ready\r\n")
            while True:
                line = self.file.readline()
                if not line:
                    return
                with open(self.state["log"], "a") as log:
                    log.write(line.decode(errors="replace"))
                tag, _, rest = line.decode(errors="replace").rstrip("\r\n").partition(" ")
                self.count += 1
                if self.state["bye_after"] and self.count > self.state["bye_after"] and not rest.upper().startswith(("AUTHENTICATE", "LOGIN", "CAPABILITY")):
                    self.send("* BYE Autologout; idle for too long\r\n")
                    return
                self.handle(tag, rest)
        except (OSError, ValueError):
            return
        finally:
            self.conn.close()

    def handle(self, tag, rest):
        words = rest.split(" ")
        cmd = words[0].upper()
        msgs = self.state["messages"]
        highest = max((m[0] for m in msgs), default=0)
        if cmd == "CAPABILITY":
            self.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN IDLE\r\n%s OK done\r\n" % tag)
        elif cmd == "AUTHENTICATE":
            if len(words) < 3:
                self.send("+ \r\n")
                self.file.readline()
            self.send("%s OK logged in\r\n" % tag)
        elif cmd == "LOGIN":
            self.send("%s OK logged in\r\n" % tag)
        elif cmd == "NAMESPACE":
            self.send("%s BAD unknown command\r\n" % tag)
        elif cmd == "LIST":
            self.send('* LIST (\\Noselect) "/" ""\r\n%s OK done\r\n' % tag)
        elif cmd in ("SELECT", "EXAMINE"):
            self.send("* %d EXISTS\r\n* OK [UIDVALIDITY 77] ok\r\n* OK [UIDNEXT %d] ok\r\n%s OK [READ-WRITE] selected\r\n" % (len(msgs), highest + 1, tag))
        elif cmd == "NOOP":
            self.send("%s OK done\r\n" % tag)
        elif cmd == "STATUS":
            self.send('* STATUS "INBOX" (UIDVALIDITY 77 UIDNEXT %d MESSAGES %d)\r\n%s OK done\r\n' % (highest + 1, len(msgs), tag))
        elif cmd == "UID" and len(words) > 2:
            sub = words[1].upper()
            if sub == "SEARCH":
                if "RETURN" in rest.upper():
                    self.send("%s BAD no ESEARCH here\r\n" % tag)
                    return
                lo = int(re.search(r"UID (\d+):\*", rest).group(1))
                found = [m[0] for m in msgs if m[0] >= lo and "\\Deleted" not in m[2]]
                self.send("* SEARCH %s\r\n%s OK done\r\n" % (" ".join(map(str, found)), tag))
            elif sub == "FETCH":
                wanted = uid_set(words[2], highest)
                for seq, m in enumerate(msgs, 1):
                    if m[0] not in wanted:
                        continue
                    # Unsolicited news between the answers, as a busy server sends it.
                    self.send("* %d FETCH (FLAGS (\\Seen))\r\n* OK still here\r\n* %d EXISTS\r\n" % (seq, len(msgs)))
                    if "RFC822.SIZE" in rest.upper():
                        self.send("* %d FETCH (UID %d RFC822.SIZE %d)\r\n" % (seq, m[0], len(m[1])))
                    else:
                        self.send(b"* %d FETCH (UID %d BODY[] {%d}\r\n" % (seq, m[0], len(m[1])) + m[1] + b")\r\n")
                    self.send("* %d EXPUNGE\r\n" % (len(msgs) + 1))  # a message nobody asked about
                self.send("%s OK fetched\r\n" % tag)
            elif sub == "STORE":
                wanted = uid_set(words[2], highest)
                flag = "\\Deleted" if "DELETED" in rest.upper() else "\\Seen"
                for m in msgs:
                    if m[0] in wanted:
                        m[2].add(flag)
                self.send("%s OK stored\r\n" % tag)
            elif sub == "COPY":
                self.send("%s OK copied\r\n" % tag)
            elif sub == "EXPUNGE":
                self.send("%s BAD no UIDPLUS here\r\n" % tag)
            else:
                self.send("%s BAD unknown\r\n" % tag)
        elif cmd == "CREATE":
            self.send("%s OK created\r\n" % tag)
        elif cmd == "EXPUNGE":
            self.send("%s NO a bare EXPUNGE would remove other clients' deleted mail\r\n" % tag)
        elif cmd == "LOGOUT":
            self.send("* BYE bye\r\n%s OK done\r\n" % tag)
        else:
            self.send("%s BAD unknown command\r\n" % tag)


def main():
    portfile, maildir = sys.argv[1], sys.argv[2]
    bye_after = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--bye-after" else 0
    state = {"messages": load(maildir), "bye_after": bye_after,
             "log": os.path.join(os.path.dirname(os.path.abspath(maildir)), "commands.log")}
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(server.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    while True:
        conn, _ = server.accept()
        Session(conn, state).start()


if __name__ == "__main__":
    main()
