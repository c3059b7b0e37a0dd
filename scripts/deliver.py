#!/usr/bin/python3
"""Deliver a message to a test user's Dovecot INBOX, unseen, the way an MTA does:
write it into Maildir/tmp as the mail user and rename it into Maildir/new.

usage: deliver.py MAIL_ROOT USER [FILE]   (the message on stdin without FILE)
"""
import os
import sys
import time

UID = GID = 65534


def deliver(root, user, data):
    maildir = os.path.join(root, user, "Maildir")
    for sub in ("", "tmp", "new", "cur"):
        path = os.path.join(maildir, sub)
        if not os.path.isdir(path):
            os.makedirs(path, exist_ok=True)
            os.chown(path, UID, GID)
            os.chmod(path, 0o700)
    home = os.path.join(root, user)
    os.chown(home, UID, GID)
    name = "%d.P%dQ%d.parley-test" % (time.time_ns(), os.getpid(), deliver.counter)
    deliver.counter += 1
    tmp = os.path.join(maildir, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.chown(tmp, UID, GID)
    os.rename(tmp, os.path.join(maildir, "new", name))


deliver.counter = 0

if __name__ == "__main__":
    root, user = sys.argv[1], sys.argv[2]
    data = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 else sys.stdin.buffer.read()
    deliver(root, user, data)
