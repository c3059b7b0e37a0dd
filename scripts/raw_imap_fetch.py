#!/usr/bin/python3
"""The raw IMAP limit for `make bench`: fetch every message of a mailbox one by one
with `UID FETCH n (BODY.PEEK[])` over one connection, processing nothing.

usage: raw_imap_fetch.py HOST PORT USER PASSWORD [MAILBOX]
prints: raw_fetch messages=N seconds=S per_second=R
"""
import imaplib
import sys
import time

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
mailbox = sys.argv[5] if len(sys.argv) > 5 else "INBOX"
m = imaplib.IMAP4(host, port)
m.login(user, password)
m.select(mailbox, readonly=True)
typ, data = m.uid("SEARCH", None, "ALL")
uids = data[0].split()
start = time.perf_counter()
total = 0
for uid in uids:
    typ, parts = m.uid("FETCH", uid, "(BODY.PEEK[])")
    total += len(parts[0][1])
elapsed = time.perf_counter() - start
print("raw_fetch messages=%d bytes=%d seconds=%.3f per_second=%.0f" % (len(uids), total, elapsed, len(uids) / elapsed))
m.logout()
