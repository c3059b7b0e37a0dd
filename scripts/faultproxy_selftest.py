#!/usr/bin/env python3
"""Quick self-test of faultproxy.py: an echo server on loopback that records what each
connection received and how it ended, the proxy in front of it as a subprocess, and a
check of every action, arming, patterns split across chunks, counting, stall and
release, refusal, resets and the exit on SIGTERM.

usage: faultproxy_selftest.py
prints "N passed, M failed"; exits 1 on any failure.
"""

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

PROXY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "faultproxy.py")


class EchoServer:
    """Echoes every chunk back; records per connection the bytes received and the end."""

    def __init__(self):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.port = self.lsock.getsockname()[1]
        self.records = []
        self.lock = threading.Lock()
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                sock, _ = self.lsock.accept()
            except OSError:
                return
            record = {"data": bytearray(), "end": None}
            with self.lock:
                self.records.append(record)
            threading.Thread(target=self.serve, args=(sock, record), daemon=True).start()

    @staticmethod
    def serve(sock, record):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with sock:
            while True:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    record["end"] = "reset"
                    return
                except OSError as e:
                    record["end"] = str(e)
                    return
                if not data:
                    record["end"] = "eof"
                    return
                record["data"] += data
                try:
                    sock.sendall(data)
                except OSError:
                    pass   # the proxy has gone; the next recv says how

    def count(self):
        with self.lock:
            return len(self.records)

    def record(self, index, timeout=3.0):
        wait_until(lambda: self.count() > index, timeout, f"server connection #{index}")
        with self.lock:
            return self.records[index]


def wait_until(predicate, timeout=3.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


class Harness:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="faultproxy-selftest-")
        self.server = EchoServer()
        self.proc, self.port = start_proxy(self.dir, self.server.port)

    def rules(self, rules):
        write_atomic(os.path.join(self.dir, "rules.json"), json.dumps(rules))

    def stats(self):
        with open(os.path.join(self.dir, "stats.json")) as f:
            return json.load(f)

    def fired(self, rule_id):
        return self.stats()["fired"].get(rule_id, 0)

    def wait_fired(self, rule_id, n=1):
        wait_until(lambda: self.fired(rule_id) >= n, 3.0, f"fired[{rule_id}] >= {n}")

    def connect(self):
        """A client connection and the index its server side will have."""
        index = self.server.count()
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=3)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, index



def start_proxy(control_dir, target_port):
    # Its stderr goes to a file: the bad-rules check makes it complain, on purpose.
    with open(os.path.join(control_dir, "stderr"), "w") as err:
        proc = subprocess.Popen([sys.executable, PROXY, control_dir, str(target_port)], stderr=err)
    port_file = os.path.join(control_dir, "port")
    wait_until(lambda: os.path.exists(port_file) or proc.poll() is not None, 5.0, "the port file")
    if proc.poll() is not None:
        raise AssertionError(f"proxy exited with {proc.returncode}")
    with open(port_file) as f:
        return proc, int(f.read())


def send_slowly(sock, data, gap=0.003):
    # One byte per segment, with time in between, so that the proxy reads one per chunk.
    for i in range(len(data)):
        sock.send(data[i:i + 1])
        time.sleep(gap)


def read_to_end(sock, timeout=3.0):
    """(bytes, "eof" | "reset" | "timeout")."""
    sock.settimeout(timeout)
    data = bytearray()
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError as e:
            assert e.errno == errno.ECONNRESET
            return bytes(data), "reset"
        except socket.timeout:
            return bytes(data), "timeout"
        if not chunk:
            return bytes(data), "eof"
        data += chunk


def read_exact(sock, n, timeout=3.0):
    sock.settimeout(timeout)
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise AssertionError(f"EOF after {bytes(data)!r}, wanted {n} bytes")
        data += chunk
    return bytes(data)


def reset_on_arrival(h, what):
    """Connect and expect RST; it may come so fast that connect() itself reports it."""
    try:
        sock, _ = h.connect()
    except ConnectionResetError:
        return
    with sock:
        eq(read_to_end(sock)[1], "reset", what)


def nothing_arrives(sock, seconds=0.3):
    sock.settimeout(seconds)
    try:
        chunk = sock.recv(65536)
    except socket.timeout:
        return True
    raise AssertionError(f"expected silence, got {chunk!r}")


def eq(actual, expected, what=""):
    assert actual == expected, f"{what}: expected {expected!r}, got {actual!r}"


# ---- the checks; each gets a fresh rule id so that counts do not carry over ----

def test_passthrough(h):
    h.rules([])
    payload = bytes(range(256)) * 4 + os.urandom(512 * 1024)
    sock, index = h.connect()
    with sock:
        # Send from a thread: the echo comes back while we are still sending.
        sender = threading.Thread(target=sock.sendall, args=(payload,))
        sender.start()
        got = read_exact(sock, len(payload))
        sender.join()
    eq(got, payload, "echo through the proxy")
    eq(bytes(h.server.record(index)["data"]), payload, "server received")


def test_concurrent(h):
    h.rules([])
    socks = [h.connect()[0] for _ in range(20)]
    try:
        for i, sock in enumerate(socks):
            sock.sendall(b"line %d\n" % i)
        for i, sock in enumerate(socks):
            eq(read_exact(sock, len(b"line %d\n" % i)), b"line %d\n" % i, f"connection {i}")
        eq(h.stats()["open"] >= 20, True, "open connections")
    finally:
        for sock in socks:
            sock.close()
    wait_until(lambda: h.stats()["open"] == 0, 3.0, "all closed")


def test_cut_before_client(h):
    h.rules([{"id": "cb", "direction": "client", "match": "SECRET", "action": "cut_before"}])
    sock, index = h.connect()
    with sock:
        sock.sendall(b"hello SECRET world\n")
        data, end = read_to_end(sock)
    eq(end, "eof", "client sees FIN")
    record = h.server.record(index)
    wait_until(lambda: record["end"], 3.0, "server end")
    eq(bytes(record["data"]), b"hello ", "server received")
    eq(record["end"], "eof", "server sees FIN")
    h.wait_fired("cb", 1)
    eq(h.fired("cb"), 1, "fired")


def test_cut_before_split(h):
    h.rules([{"id": "cb2", "direction": "client", "match": "SECRET", "action": "cut_before"}])
    sock, index = h.connect()
    with sock:
        try:
            send_slowly(sock, b"abcSECRETdef")
        except OSError:
            pass   # writing after the cut may fail: fine
        data, end = read_to_end(sock)
    eq(end, "eof", "client sees FIN")
    record = h.server.record(index)
    wait_until(lambda: record["end"], 3.0, "server end")
    got = bytes(record["data"])
    # Bytes of the match from earlier chunks have gone on; its last byte never does.
    assert got.startswith(b"abc") and b"abcSECRE".startswith(got), f"server received {got!r}"
    h.wait_fired("cb2", 1)
    eq(h.fired("cb2"), 1, "fired")


def test_cut_after_split(h):
    h.rules([{"id": "ca", "direction": "server", "match": "two\n", "action": "cut_after"}])
    sock, _ = h.connect()
    with sock:
        try:
            send_slowly(sock, b"one\ntwo\nthree\n")
        except OSError:
            pass
        data, end = read_to_end(sock)
    eq((data, end), (b"one\ntwo\n", "eof"), "client received")
    h.wait_fired("ca", 1)
    eq(h.fired("ca"), 1, "fired")


def test_cut_at_offset(h):
    fetch = b"* 1 FETCH (BODY[] {20}\r\n0123456789abcdefghij)\r\n"
    for rule_id, slowly in (("co", False), ("co-split", True)):
        h.rules([{"id": rule_id, "direction": "server", "match": r"BODY\[\] \{\d+\}\r\n",
                  "action": "cut_at_offset", "offset": 5}])
        sock, _ = h.connect()
        with sock:
            try:
                send_slowly(sock, fetch) if slowly else sock.sendall(fetch)
            except OSError:
                pass
            data, end = read_to_end(sock)
        eq((data, end), (b"* 1 FETCH (BODY[] {20}\r\n01234", "eof"), f"{rule_id}: client received")
        h.wait_fired(rule_id)
        eq(h.fired(rule_id), 1, f"{rule_id}: fired")


def test_stall_release(h):
    h.rules([{"id": "st", "direction": "server", "match": "STALL", "action": "stall"}])
    sock, index = h.connect()
    with sock:
        sock.sendall(b"before STALL after\n")
        eq(read_exact(sock, 7), b"before ", "before the stall")
        h.wait_fired("st")
        nothing_arrives(sock)
        sock.sendall(b"more\n")   # held too: the stall holds both directions
        time.sleep(0.2)
        record = h.server.record(index)
        eq(bytes(record["data"]), b"before STALL after\n", "server received while stalled")
        h.rules([])
        eq(read_exact(sock, 17), b"STALL after\nmore\n", "after release")
        sock.sendall(b"x\n")
        eq(read_exact(sock, 2), b"x\n", "still open")
        eq(bytes(record["data"]), b"before STALL after\nmore\nx\n", "server received")


def test_stall_then_close(h):
    h.rules([{"id": "st2", "direction": "client", "match": "STALL", "action": "stall"}])
    sock, index = h.connect()
    sock.sendall(b"ok\n")
    eq(read_exact(sock, 3), b"ok\n", "echo")
    sock.sendall(b"STALL\n")
    h.wait_fired("st2")
    sock.close()
    record = h.server.record(index)
    wait_until(lambda: record["end"], 3.0, "server end")
    eq((bytes(record["data"]), record["end"]), (b"ok\n", "eof"), "server")


def test_stall_at_accept(h):
    h.rules([{"id": "sa", "direction": "server", "match": "", "action": "stall"}])
    sock, index = h.connect()
    with sock:
        h.wait_fired("sa")
        sock.sendall(b"hello\n")
        nothing_arrives(sock, 0.2)
        eq(bytes(h.server.record(index)["data"]), b"", "server received while stalled")
        h.rules([])
        eq(read_exact(sock, 6), b"hello\n", "after release")


def test_reset(h):
    h.rules([{"id": "rs", "direction": "server", "match": "BOOM", "action": "reset"}])
    sock, index = h.connect()
    with sock:
        sock.sendall(b"ok BOOM\n")
        data, end = read_to_end(sock)
    eq(end, "reset", "client sees ECONNRESET")
    record = h.server.record(index)
    wait_until(lambda: record["end"], 3.0, "server end")
    eq(record["end"], "reset", "server sees ECONNRESET")
    h.wait_fired("rs", 1)
    eq(h.fired("rs"), 1, "fired")


def test_reset_at_accept(h):
    h.rules([{"id": "ra", "direction": "server", "match": "", "action": "reset", "times": 2}])
    before = h.server.count()
    for i in range(2):
        reset_on_arrival(h, f"connection {i}")
    sock, _ = h.connect()
    with sock:
        sock.sendall(b"hi\n")
        eq(read_exact(sock, 3), b"hi\n", "third connection")
    h.wait_fired("ra", 2)
    eq(h.fired("ra"), 2, "fired")
    eq(h.server.count(), before + 1, "server connections")


def test_refuse(h):
    h.rules([{"refuse": True}])
    reset_on_arrival(h, "refused connection")
    h.wait_fired("refuse")
    h.rules([])
    sock, _ = h.connect()
    with sock:
        sock.sendall(b"back\n")
        eq(read_exact(sock, 5), b"back\n", "after refuse is lifted")


def test_arming_server(h):
    h.rules([{"id": "arm", "direction": "server", "after_client": "ARM\r\n", "match": "x",
              "action": "cut_before"}])
    sock, _ = h.connect()
    with sock:
        sock.sendall(b"x1\n")
        eq(read_exact(sock, 3), b"x1\n", "not armed yet")
        send_slowly(sock, b"ARM\r\n")   # the arming pattern split over chunks
        eq(read_exact(sock, 5), b"ARM\r\n", "armed, no match")
        sock.sendall(b"yx2\n")
        eq(read_to_end(sock), (b"y", "eof"), "cut before x")
    h.wait_fired("arm", 1)
    eq(h.fired("arm"), 1, "fired")


def test_arming_client(h):
    h.rules([{"id": "move", "direction": "client", "after_client": "UID MOVE", "match": "\r\n",
              "action": "cut_before"}])
    sock, index = h.connect()
    with sock:
        sock.sendall(b"a NOOP\r\n")
        eq(read_exact(sock, 8), b"a NOOP\r\n", "not armed yet")
        sock.sendall(b"b UID MOVE 1 Trash\r\n")
        eq(read_to_end(sock)[1], "eof", "cut")
    record = h.server.record(index)
    wait_until(lambda: record["end"], 3.0, "server end")
    eq(bytes(record["data"]), b"a NOOP\r\nb UID MOVE 1 Trash", "server never got the whole command")


def test_times(h):
    h.rules([{"id": "tc", "direction": "server", "match": "PING", "action": "cut_after", "times": 2},
             {"id": "always", "direction": "server", "match": "PONG", "action": "cut_after", "times": -1}])
    for i in range(3):
        sock, _ = h.connect()
        with sock:
            sock.sendall(b"PING\n")
            if i < 2:
                eq(read_to_end(sock), (b"PING", "eof"), f"PING {i}")
            else:
                eq(read_exact(sock, 5), b"PING\n", "PING after the count is spent")
    for i in range(3):
        sock, _ = h.connect()
        with sock:
            sock.sendall(b"PONG\n")
            eq(read_to_end(sock), (b"PONG", "eof"), f"PONG {i}")
    h.wait_fired("always", 3)
    eq((h.fired("tc"), h.fired("always")), (2, 3), "fired")


def test_bad_rules(h):
    loaded = h.stats()["rules_loaded"]
    h.rules([{"id": "keep", "direction": "server", "match": "KEEP", "action": "cut_before"}])
    wait_until(lambda: h.stats()["rules_loaded"] > loaded, 3.0, "the rules loaded")
    write_atomic(os.path.join(h.dir, "rules.json"), "[{not json")
    sock, _ = h.connect()   # an accept re-reads the rules
    with sock:
        wait_until(lambda: h.stats()["rules_error"], 3.0, "rules_error")
        sock.sendall(b"a KEEP\n")
        eq(read_to_end(sock), (b"a ", "eof"), "old rules still in force")
    h.rules([])
    wait_until(lambda: h.stats()["rules_error"] is None, 3.0, "rules_error cleared")


def test_stats_and_log(h):
    h.rules([])
    wait_until(lambda: h.stats()["open"] == 0, 3.0, "all closed")
    stats = h.stats()
    for key in ("connections", "open", "fired", "bytes_client", "bytes_server"):
        assert key in stats, f"stats lack {key}"
    assert stats["bytes_client"] >= 512 * 1024 and stats["bytes_server"] >= 512 * 1024, stats
    with open(os.path.join(h.dir, "events.log")) as f:
        log = f.read()
    for needle in (" accept conn=", " fire cb conn=", "direction=client", "excerpt=\"SECRET\"", " close conn="):
        assert needle in log, f"events.log lacks {needle!r}"


def test_target_down(h):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()   # nobody listens there now
    control = tempfile.mkdtemp(prefix="faultproxy-selftest-down-")
    proc, proxy_port = start_proxy(control, port)
    try:
        try:
            sock = socket.create_connection(("127.0.0.1", proxy_port), timeout=3)
        except ConnectionResetError:
            return
        with sock:
            eq(read_to_end(sock)[1], "reset", "client of an unreachable target")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(control, ignore_errors=True)


def test_sigterm(h):   # the last check: it ends the proxy
    sock, _ = h.connect()
    with sock:
        sock.sendall(b"hi\n")
        read_exact(sock, 3)
        started = time.monotonic()
        h.proc.send_signal(signal.SIGTERM)
        code = h.proc.wait(timeout=3)
        elapsed = time.monotonic() - started
    eq(code, 0, "exit status")
    assert elapsed < 1.0, f"took {elapsed:.2f} s to exit"


TESTS = [test_passthrough, test_concurrent, test_cut_before_client, test_cut_before_split,
         test_cut_after_split, test_cut_at_offset, test_stall_release, test_stall_then_close,
         test_stall_at_accept, test_reset, test_reset_at_accept, test_refuse,
         test_arming_server, test_arming_client, test_times, test_bad_rules,
         test_stats_and_log, test_target_down, test_sigterm]


def main():
    started = time.monotonic()
    h = Harness()
    passed = failed = 0
    try:
        for test in TESTS:
            t0 = time.monotonic()
            try:
                test(h)
            except Exception as e:   # report every kind of failure, go on with the rest
                traceback.print_exc()
                failed += 1
                print(f"FAIL {test.__name__}: {type(e).__name__}: {e}")
            else:
                passed += 1
                print(f"ok   {test.__name__} ({time.monotonic() - t0:.2f} s)")
    finally:
        if failed:
            print(f"control dir kept: {h.dir} (events.log, stats.json, stderr)")
        if h.proc.poll() is None:
            h.proc.kill()
            h.proc.wait()
        if not failed:
            shutil.rmtree(h.dir, ignore_errors=True)
    print(f"took {time.monotonic() - started:.1f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
