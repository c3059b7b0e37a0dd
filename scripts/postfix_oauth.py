#!/usr/bin/python3
"""A fake OAuth 2.0 token-introspection endpoint (RFC 7662) for Dovecot's oauth2 passdb.

usage: postfix_oauth.py PORT LOG_FILE

Listens on 127.0.0.1:PORT. The token is taken from a POSTed form field "token"
(introspection_mode = post), from the query string "?token=" (get) or from an
"Authorization: Bearer" header (auth), on any path. Answers with JSON:
  valid-USER     {"active": true, "username": USER, ...}
  expired-…      {"active": false, "exp": <an hour ago>}
  anything else  {"active": false}
Every request is appended to LOG_FILE as one JSON line {"token", "active", "user"},
so a test can see which tokens were checked.
"""
import json
import os
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log_lock = threading.Lock()


def introspect(token):
    now = int(time.time())
    if token.startswith("valid-") and len(token) > len("valid-"):
        user = token[len("valid-"):]
        return {"active": True, "username": user, "sub": user, "scope": "mail",
                "token_type": "Bearer", "iat": now, "exp": now + 3600}
    if token.startswith("expired-"):
        return {"active": False, "exp": now - 3600}
    return {"active": False}


class Handler(BaseHTTPRequestHandler):
    log_file = None

    def token(self, body):
        fields = urllib.parse.parse_qs(body) if body else {}
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        for source in (fields, query):
            for name in ("token", "access_token"):
                if source.get(name):
                    return source[name][0]
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return ""

    def answer(self, body):
        token = self.token(body)
        result = introspect(token)
        with log_lock, open(self.log_file, "a") as f:
            f.write(json.dumps({"token": token, "active": result["active"],
                                "user": result.get("username")}) + "\n")
        data = json.dumps(result).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer("")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.answer(self.rfile.read(length).decode("utf-8", "replace"))

    def log_message(self, *args):
        pass


def main():
    port, Handler.log_file = int(sys.argv[1]), sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    # Nothing to finish: exit at once rather than after serve_forever's next poll.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
