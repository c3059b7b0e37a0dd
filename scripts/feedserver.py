#!/usr/bin/env python3
"""A loopback HTTP server for tests of the blog-feed fetcher.

Usage: feedserver.py --root DIR [--port N] --port-file FILE

Binds 127.0.0.1 (port 0, the default, picks a free port), writes the chosen port and a
newline to FILE atomically once listening, and serves until SIGTERM or SIGINT (exit 0).
Standard library only. No per-request logging; a crash prints a traceback.

GET /PATH serves DIR/PATH, read again on every request, with
  Content-Type   .xml .rss .atom .rdf -> application/xml, .json -> application/feed+json, .html -> text/html,
                 anything else -> application/octet-stream
  ETag           "<first 16 hex digits of sha256 of the file's bytes>" (same for gzip)
  Last-Modified  the file's mtime
  Vary           Accept-Encoding
and answers 304 Not Modified (ETag, Last-Modified, no body) when If-None-Match lists the
current ETag or "*", or, without If-None-Match, when If-Modified-Since >= mtime (whole
seconds). If Accept-Encoding contains "gzip" the 200 body is gzip-compressed
(Content-Encoding: gzip). ".." segments and anything outside DIR answer 404. A directory
is served as its index.html.
Sidecar headers: if DIR/PATH.headers exists, each non-empty line of it, "Name: value",
is sent with the 200 and the 304 of DIR/PATH (read again on every request; a name that
is one of the four above replaces that header, any other is added, repeated names are
all sent); a line that is not "Name: value" makes the answer a 500 saying so.

Path prefixes (a prefix is followed by the rest of the path, which may itself start
with a prefix; the query string is carried along by redirects):
  /redirect/N/REST       N >= 1: 302 to /redirect/N-1/REST, the last hop to /REST, so N
                         hops in all; N = 0 is /REST itself
  /redirect-abs/N/REST   the same with Location http://127.0.0.1:PORT/...
  /status/CODE/REST      always CODE with a short text body
  /gone/REST             410 Gone
  /flaky/K/REST          the first K requests to this exact path answer 500, later ones
                         behave like /REST
  /slow/SECONDS/REST     /REST, but the body follows the headers after SECONDS
  /drip/REST             /REST, but the body is sent one byte a second
  /hang/REST             reads the request, then sends nothing at all (no status line)
                         and holds the connection open until the client closes it, the
                         server stops, or 600 s have passed (then closes it, silently)
  /link/VALUE/REST       /REST with an extra header "Link: VALUE percent-decoded", e.g.
                         /link/%3C%2Freceive%2Fwm%3E%3B%20rel%3D%22webmention%22/post.html
                         (a VALUE with CR, LF or a non-Latin-1 character: 400)
  /big/MB                200 application/xml, no Content-Length (chunked to an HTTP/1.1
                         client, close-delimited to HTTP/1.0), a valid RSS document of
                         exactly MB MiB (MB may be fractional), generated in ~64 KiB chunks
  /big-declared/MB       the same bytes with an honest Content-Length
  POST /receive/NAME     NAME of [A-Za-z0-9_-]+, a Webmention-style endpoint: reads the
                         body (by Content-Length, empty without one; over 1 MB: 413,
                         chunked: 411), appends to NAME's list
                           {"content_type": the header or null,
                            "body": the body as UTF-8 text (bad bytes replaced),
                            "form": an application/x-www-form-urlencoded body as
                                    {name: first value}, any other body null}
                         and answers 202 Accepted with a short text body; ?status=CODE
                         (200-599) answers CODE instead, still recording. Not POST: 405
  GET /received/NAME     JSON: the list recorded for NAME, oldest first ([] if none)
  GET /stats             JSON counters per request path (query string stripped), /stats,
                         /received/NAME and /reset themselves not counted:
                         {"PATH": {"requests", "200", "304", "other", "gzip",
                                   "user_agent", "if_none_match", "if_modified_since"}}
                         the last three are the values of the most recent request to PATH
                         (null when it had no such header); "gzip" counts gzip bodies sent
  POST /reset            clears the counters, the flaky counters and the received lists,
                         204
HEAD works wherever GET does. POST goes through the same prefixes (so /hang/, /slow/,
/flaky/, /status/, /link/ work in front of /receive/ too); a POST that ends at a file
answers 405. Every request through the prefixes, whatever its method, is counted in
/stats under its path (a /hang/ one as "other", when it arrives; a refused body, 411 or
413, as "other" too). Clients that disconnect early are ignored silently.
"""
import argparse
import datetime
import email.utils
import gzip
import hashlib
import http.server
import json
import os
import re
import select
import signal
import stat
import sys
import threading
import time
import urllib.parse

CONTENT_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/xml",
    ".atom": "application/xml",
    ".rdf": "application/xml",
    ".json": "application/feed+json",
    ".html": "text/html; charset=utf-8",
}
MIB = 1024 * 1024
CHUNK = 64 * 1024
QUIET_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)
MAX_BODY = 1000 * 1000
HANG_LIMIT = 600.0
RECEIVE_NAME = re.compile(r"[A-Za-z0-9_-]+\Z")
# the headers of a file that a sidecar line replaces instead of adding to
FILE_HEADERS = ("content-type", "etag", "last-modified", "vary")


class Response:
    def __init__(self, status, headers=None, body=b"", stream=None, length=None):
        self.status = status
        self.headers = list(headers or [])
        self.body = body          # bytes, used when stream is None
        self.stream = stream      # an iterator of bytes chunks, or None
        self.length = length      # Content-Length of a stream, None for undeclared
        self.delay = 0.0          # seconds between the headers and the body
        self.drip = False         # body one byte a second
        self.gzip = False
        self.hang = False         # send nothing at all, hold the connection open


def text(status, message):
    return Response(status, [("Content-Type", "text/plain; charset=utf-8")],
                    (message + "\n").encode())


def not_found():
    return text(404, "not found")


def header_value_ok(value):
    """Whether value can be sent as a header value as it is (http.server writes Latin-1)."""
    if "\r" in value or "\n" in value:
        return False
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")


def read_sidecar(path):
    """The (name, value) pairs of path + ".headers", [] if there is no such file,
    or an error message."""
    try:
        with open(path + ".headers", "rb") as f:
            lines = f.read().decode("utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    except OSError as e:
        return "cannot read %s.headers: %s" % (os.path.basename(path), e.strerror)
    pairs = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not HEADER_NAME.match(name) or not header_value_ok(value):
            return "%s.headers line %d is not \"Name: value\": %r" % (
                os.path.basename(path), i, line)
        pairs.append((name, value))
    return pairs


BIG_HEADER = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
              b'<rss version="2.0"><channel><title>big</title>'
              b'<link>http://127.0.0.1/</link><description>a big feed</description>\n')
BIG_FOOTER = b"</channel></rss>\n"


def big_size(mb):
    """MB MiB in bytes, but never less than the empty document."""
    return max(int(round(mb * MIB)), len(BIG_HEADER) + len(BIG_FOOTER))


def big_stream(total):
    """Exactly total bytes of RSS (total >= the empty document), in ~64 KiB chunks."""
    budget = total - len(BIG_HEADER) - len(BIG_FOOTER)
    buf = bytearray(BIG_HEADER)
    n = 1
    while True:
        item = b"<item><title>x</title><guid>%d</guid></item>\n" % n
        if len(item) > budget:
            break
        buf += item
        budget -= len(item)
        n += 1
        if len(buf) >= CHUNK:
            yield bytes(buf)
            buf.clear()
    buf += b"\n" * budget
    buf += BIG_FOOTER
    yield bytes(buf)


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.stats = {}
        self.flaky = {}
        self.received = {}
        self.stopping = threading.Event()  # set on SIGTERM / SIGINT: /hang/ lets go

    def record(self, key, status, gzipped, headers):
        with self.lock:
            s = self.stats.setdefault(key, {
                "requests": 0, "200": 0, "304": 0, "other": 0, "gzip": 0,
                "user_agent": None, "if_none_match": None, "if_modified_since": None})
            s["requests"] += 1
            s[str(status) if status in (200, 304) else "other"] += 1
            if gzipped:
                s["gzip"] += 1
            s["user_agent"] = headers.get("User-Agent")
            s["if_none_match"] = headers.get("If-None-Match")
            s["if_modified_since"] = headers.get("If-Modified-Since")

    def flaky_hit(self, key):
        with self.lock:
            self.flaky[key] = self.flaky.get(key, 0) + 1
            return self.flaky[key]

    def snapshot(self):
        with self.lock:
            return json.dumps(self.stats, indent=1, sort_keys=True).encode() + b"\n"

    def receive(self, name, entry):
        with self.lock:
            self.received.setdefault(name, []).append(entry)

    def received_json(self, name):
        with self.lock:
            return json.dumps(self.received.get(name, []), indent=1).encode() + b"\n"

    def reset(self):
        with self.lock:
            self.stats.clear()
            self.flaky.clear()
            self.received.clear()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feedserver/1"

    def log_message(self, *args):
        pass

    # ---- request entry points ----

    def do_GET(self):
        self.serve(head=False)

    def do_HEAD(self):
        self.serve(head=True)

    def do_POST(self):
        self.serve(head=False)

    def read_body(self):
        """The request body as bytes, or an error Response (the connection is then
        closed: the body is left unread)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            return text(411, "a Content-Length is required")
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            return text(400, "bad Content-Length")
        if length > MAX_BODY:
            self.close_connection = True
            return text(413, "at most %d bytes" % MAX_BODY)
        return self.rfile.read(length) if length else b""

    def serve(self, head):
        body = self.read_body()
        path, _, query = self.path.partition("?")
        if isinstance(body, Response):  # refused before the path is looked at
            self.server.state.record(path, body.status, False, self.headers)
            self.write(body, head)
            return
        self.body = body
        if self.command == "POST" and path == "/reset":
            self.server.state.reset()
            self.write(Response(204), head)
            return
        if self.command != "POST" and path == "/stats":
            self.write(Response(200, [("Content-Type", "application/json")],
                                self.server.state.snapshot()), head)
            return
        if self.command != "POST" and path.startswith("/received/"):
            name = path[len("/received/"):]
            if not RECEIVE_NAME.match(name):
                self.write(not_found(), head)
                return
            self.write(Response(200, [("Content-Type", "application/json")],
                                self.server.state.received_json(name)), head)
            return
        self.query = ("?" + query) if query else ""
        self.key = path
        resp = self.dispatch(path.lstrip("/"))
        self.server.state.record(path, resp.status, resp.gzip, self.headers)
        self.write(resp, head)

    # ---- the path language ----

    def dispatch(self, rest):
        parts = rest.split("/")
        head = parts[0]
        arg = parts[1] if len(parts) > 1 else None

        def after(n):
            return "/".join(parts[n:])

        if head in ("redirect", "redirect-abs") and arg is not None and arg.isdigit():
            n, tail = int(arg), after(2)
            if n == 0:
                return self.dispatch(tail)
            target = "/%s/%d/%s" % (head, n - 1, tail) if n > 1 else "/" + tail
            target += self.query
            if head == "redirect-abs":
                target = "http://127.0.0.1:%d%s" % (self.server.server_address[1], target)
            resp = text(302, "see " + target)
            resp.headers.append(("Location", target))
            return resp
        if head == "status" and arg is not None and arg.isdigit() and 100 <= int(arg) <= 599:
            code = int(arg)
            if code < 200 or code in (204, 304):
                return Response(code)
            return text(code, "status %d" % code)
        if head == "gone":
            return text(410, "gone")
        if head == "flaky" and arg is not None and arg.isdigit():
            tail = after(2)
            # one counter per prefix occurrence in this exact request path
            if self.server.state.flaky_hit((self.key, len(tail))) <= int(arg):
                return text(500, "flaky: failing this time")
            return self.dispatch(tail)
        if head == "slow" and arg is not None:
            seconds = parse_float(arg)
            if seconds is None or seconds < 0:
                return not_found()
            resp = self.dispatch(after(2))
            resp.delay += seconds
            return resp
        if head == "drip":
            resp = self.dispatch(after(1))
            resp.drip = True
            return resp
        if head == "hang":
            resp = Response(None)
            resp.hang = True
            return resp
        if head == "link" and arg is not None:
            value = urllib.parse.unquote(arg)
            if not header_value_ok(value):
                return text(400, "the Link value has CR, LF or a non-Latin-1 character")
            resp = self.dispatch(after(2))
            resp.headers.append(("Link", value))
            return resp
        if head == "receive" and arg is not None and len(parts) == 2:
            return self.receive(arg)
        if head in ("big", "big-declared") and arg is not None:
            mb = parse_float(arg)
            if mb is None or mb < 0:
                return not_found()
            total = big_size(mb)
            return Response(200, [("Content-Type", "application/xml")],
                            stream=big_stream(total),
                            length=total if head == "big-declared" else None)
        if self.command == "POST":
            resp = text(405, "POST only to /receive/NAME and /reset")
            resp.headers.append(("Allow", "GET, HEAD"))
            return resp
        return self.file_response(rest)

    def receive(self, name):
        if not RECEIVE_NAME.match(name):
            return not_found()
        if self.command != "POST":
            resp = text(405, "POST only")
            resp.headers.append(("Allow", "POST"))
            return resp
        code = 202
        wanted = urllib.parse.parse_qs(self.query[1:]).get("status")
        if wanted:
            if not (wanted[0].isdigit() and 200 <= int(wanted[0]) <= 599):
                return text(400, "?status= wants a code from 200 to 599")
            code = int(wanted[0])
        content_type = self.headers.get("Content-Type")
        body = self.body.decode("utf-8", errors="replace")
        form = None
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            form = {k: v[0] for k, v in
                    urllib.parse.parse_qs(body, keep_blank_values=True).items()}
        self.server.state.receive(name, {"content_type": content_type, "body": body,
                                         "form": form})
        if code in (204, 304):
            return Response(code)
        return text(code, "accepted" if code == 202 else "status %d" % code)

    def file_response(self, rest):
        name = urllib.parse.unquote(rest)
        segments = name.split("/")
        if "\x00" in name or ".." in segments:
            return not_found()
        rel = "/".join(s for s in segments if s not in ("", "."))
        if not rel:
            return not_found()
        root = self.server.root
        path = os.path.normpath(os.path.join(root, rel))
        if not path.startswith(root + os.sep):
            return not_found()
        if os.path.isdir(path):
            # A directory is its index.html (blog permalinks end in "/").
            path = os.path.join(path, "index.html")
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                if not stat.S_ISREG(st.st_mode):
                    return not_found()
                data = f.read()
        except OSError:
            return not_found()

        mtime = int(st.st_mtime)
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        sidecar = read_sidecar(path)
        if isinstance(sidecar, str):
            return text(500, sidecar)
        headers = [("ETag", etag),
                   ("Last-Modified", email.utils.formatdate(mtime, usegmt=True)),
                   ("Vary", "Accept-Encoding")]
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            if "*" in tags or any(t == etag or t == "W/" + etag for t in tags):
                return Response(304, with_sidecar(headers, sidecar))
        else:
            ims = parse_http_date(self.headers.get("If-Modified-Since"))
            if ims is not None and ims >= mtime:
                return Response(304, with_sidecar(headers, sidecar))

        ext = os.path.splitext(path)[1].lower()
        headers.insert(0, ("Content-Type", CONTENT_TYPES.get(ext, "application/octet-stream")))
        resp = Response(200, with_sidecar(headers, sidecar), data)
        if "gzip" in (self.headers.get("Accept-Encoding") or "").lower():
            resp.body = gzip.compress(data, mtime=0)
            resp.headers.append(("Content-Encoding", "gzip"))
            resp.gzip = True
        return resp

    # ---- writing ----

    def write(self, resp, head):
        if resp.hang:
            self.hang()
            return
        try:
            self.send_response(resp.status)
            for name, value in resp.headers:
                self.send_header(name, value)
            bodyless = resp.status < 200 or resp.status in (204, 304)
            chunked = False
            if bodyless:
                chunks = []
            elif resp.stream is None:
                self.send_header("Content-Length", str(len(resp.body)))
                chunks = [resp.body]
            else:
                chunks = resp.stream
                if resp.length is not None:
                    self.send_header("Content-Length", str(resp.length))
                elif self.request_version == "HTTP/1.1":
                    self.send_header("Transfer-Encoding", "chunked")
                    chunked = True
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
            self.end_headers()
            if head or bodyless:
                return
            if resp.delay:
                time.sleep(resp.delay)
            for chunk in chunks:
                pieces = [chunk[i:i + 1] for i in range(len(chunk))] if resp.drip else [chunk]
                for piece in pieces:
                    if resp.drip:
                        time.sleep(1)
                    if not piece:
                        continue
                    if chunked:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    else:
                        self.wfile.write(piece)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except QUIET_ERRORS:
            self.close_connection = True


    def hang(self):
        """Send nothing; return when the client closes, the server stops, or after
        HANG_LIMIT seconds. Whatever the client sends meanwhile is read and dropped."""
        self.close_connection = True
        sock = self.connection
        stopping = self.server.state.stopping
        deadline = time.monotonic() + HANG_LIMIT
        try:
            while not stopping.is_set() and time.monotonic() < deadline:
                readable, _, _ = select.select([sock], [], [], 0.1)
                if readable and not sock.recv(4096):
                    return  # the client closed its side
        except (OSError, ValueError):
            return  # reset, or the socket is already closed


def with_sidecar(headers, sidecar):
    """headers with the sidecar's: a name in FILE_HEADERS replaces, any other adds."""
    replaced = {name.lower() for name, _ in sidecar} & set(FILE_HEADERS)
    return [h for h in headers if h[0].lower() not in replaced] + list(sidecar)


def parse_float(s):
    try:
        v = float(s)
    except ValueError:
        return None
    return v if v == v and v not in (float("inf"), float("-inf")) else None


def parse_http_date(value):
    if not value:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp())


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], QUIET_ERRORS):
            return
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description="loopback HTTP server for feed-fetcher tests")
    parser.add_argument("--root", required=True, help="directory whose files are served")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1, 0 = any free one")
    parser.add_argument("--port-file", required=True, help="receives the port and a newline")
    args = parser.parse_args()

    root = os.path.abspath(args.root)
    if not os.path.isdir(root):
        parser.error("--root %s is not a directory" % args.root)

    server = Server(("127.0.0.1", args.port), Handler)
    server.root = root
    server.state = State()

    def stop(signum, frame):
        server.state.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    # A test process that dies without stopping its server must not leave it behind
    # (holding the test runner's output open): exit when the parent is gone.
    parent = os.getppid()

    def orphan_watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=orphan_watch, daemon=True).start()

    tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)

    server.serve_forever(poll_interval=0.1)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
