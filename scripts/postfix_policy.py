#!/usr/bin/python3
"""A greylisting policy service for the test Postfix of scripts/postfix.sh.

usage: postfix_policy.py SOCKET STATE_FILE DELAY_SECONDS

Speaks Postfix's policy delegation protocol (attribute lines, an empty line ends
a request) on the Unix socket SOCKET. Postfix asks it only about recipients that
its access map sends here (local part starting with "grey"). The first attempt
for a (sender, recipient) pair is deferred with 450; an attempt made at least
DELAY_SECONDS after that first one is accepted, and so is every later one (the
pair stays known, as with a real greylister). An attempt made too early is
deferred again without restarting the clock.

The pairs are kept in STATE_FILE (JSON), rewritten on every change, so a test
can look at them and a restarted daemon remembers them.
"""
import asyncio
import json
import os
import signal
import sys
import time


class Greylist:
    def __init__(self, path, delay):
        self.path = path
        self.delay = delay
        try:
            with open(path) as f:
                self.pairs = json.load(f)
        except (OSError, ValueError):
            self.pairs = {}

    def save(self):
        with open(self.path + ".tmp", "w") as f:
            json.dump(self.pairs, f, indent=1, sort_keys=True)
        os.replace(self.path + ".tmp", self.path)

    def decide(self, attrs):
        sender = attrs.get("sender", "").lower()
        recipient = attrs.get("recipient", "").lower()
        if not recipient:
            return "DUNNO"
        key = sender + " " + recipient
        now = time.time()
        entry = self.pairs.get(key)
        if entry is None:
            self.pairs[key] = {"first": now, "passed": False, "deferred": 1}
            self.save()
            return "450 4.7.1 Greylisted for %g seconds, try again later" % self.delay
        if entry["passed"]:
            return "DUNNO"
        if now - entry["first"] >= self.delay:
            entry["passed"] = True
            self.save()
            return "DUNNO"
        entry["deferred"] += 1
        self.save()
        left = self.delay - (now - entry["first"])
        return "450 4.7.1 Greylisted, try again later (in %.1f seconds)" % left


async def serve(greylist, reader, writer):
    try:
        while True:
            attrs = {}
            while True:
                line = await reader.readline()
                if not line:
                    return
                line = line.rstrip(b"\r\n")
                if not line:
                    break
                name, _, value = line.decode("utf-8", "surrogateescape").partition("=")
                attrs[name] = value
            action = greylist.decide(attrs)
            writer.write(("action=%s\n\n" % action).encode("utf-8"))
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def main():
    sock, state, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
    greylist = Greylist(state, delay)
    if os.path.exists(sock):
        os.unlink(sock)
    server = await asyncio.start_unix_server(lambda r, w: serve(greylist, r, w), path=sock)
    # smtpd runs as the postfix user, not root.
    os.chmod(sock, 0o666)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()
    if os.path.exists(sock):
        os.unlink(sock)


if __name__ == "__main__":
    asyncio.run(main())
