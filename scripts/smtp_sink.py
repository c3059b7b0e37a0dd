#!/usr/bin/python3
"""An SMTP sink for Parley's tests: stores every accepted message with its envelope.

usage: smtp_sink.py DIR PORT

Each message is written as DIR/NNNNNNNN.eml (the exact bytes received) and
DIR/NNNNNNNN.json ({"mail_from": ..., "rcpt_tos": [...]}), the .json last, so a
reader that sees the .json sees a complete message. Recipients whose local part
starts with "reject" are refused with 550, with "defer" with 451 (for tests of
the outbox). While a file DIR/DOWN exists every MAIL FROM gets 421; while
DIR/DOWN@DOMAIN exists, every MAIL FROM of an address in DOMAIN does (so that one
test can take "the server" down without disturbing tests running beside it).
Its EHLO offers PIPELINING (RFC 2920), as the servers admins run do: Parley then
sends each envelope as one group and the next envelope behind each message's data.
"""
import asyncio
import itertools
import json
import os
import signal
import socket
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = folder
        existing = [int(n[:8]) for n in os.listdir(folder) if n.endswith(".json") and n[:8].isdigit()]
        self.counter = itertools.count(max(existing, default=0) + 1)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        # aiosmtpd reads commands one after another from its stream, so pipelined
        # commands are answered in order; it just does not say so.
        return responses[:-1] + ["250-PIPELINING"] + responses[-1:]

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if os.path.exists(os.path.join(self.folder, "DOWN")):
            return "421 4.3.2 Service not available (test sink is down)"
        domain = address.rpartition("@")[2].lower()
        if domain and "/" not in domain and os.path.exists(os.path.join(self.folder, "DOWN@" + domain)):
            return "421 4.3.2 Service not available (test sink is down for %s)" % domain
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local.startswith("defer"):
            return "451 4.2.0 <%s>: Try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        base = os.path.join(self.folder, "%08d" % n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        with open(base + ".json.tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 Message accepted for delivery"


def main():
    folder, port = sys.argv[1], int(sys.argv[2])
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port,
                            decode_data=False, enable_SMTPUTF8=True, data_size_limit=100 * 1024 * 1024)
    controller.start()
    # One throw-away connection: without it the sink was much slower for its whole life.
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.recv(1024)
            s.sendall(b"QUIT\r\n")
            s.recv(1024)
    except OSError:
        pass
    stop = asyncio.new_event_loop()
    signal.signal(signal.SIGTERM, lambda *_: stop.call_soon_threadsafe(stop.stop))
    signal.signal(signal.SIGINT, lambda *_: stop.call_soon_threadsafe(stop.stop))
    stop.run_forever()
    controller.stop()


if __name__ == "__main__":
    main()
