#!/usr/bin/env python3
"""A tiny HTTP receiver for webhook tests.

Usage: webhook_receiver.py DIR

Listens on a free loopback port, writes the port to DIR/port, and stores every POST as
DIR/NNNN.body (the exact bytes) and DIR/NNNN.json (path and headers). It answers with
the status code written in DIR/status (default 200), so a test can make it fail.
"""
import http.server
import json
import os
import sys

DIR = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        status = 200
        try:
            with open(os.path.join(DIR, "status")) as f:
                status = int(f.read().strip() or "200")
        except FileNotFoundError:
            pass
        n = len([f for f in os.listdir(DIR) if f.endswith(".json")]) + 1
        base = os.path.join(DIR, "%04d" % n)
        with open(base + ".body", "wb") as f:
            f.write(body)
        with open(base + ".json.tmp", "w") as f:
            json.dump({"path": self.path, "status": status, "headers": {k.lower(): v for k, v in self.headers.items()}}, f)
        os.rename(base + ".json.tmp", base + ".json")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok\n" if status < 300 else b"not now\n")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
