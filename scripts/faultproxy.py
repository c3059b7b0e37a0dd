#!/usr/bin/env python3
"""A fault-injecting TCP proxy for Parley's tests: cuts, stalls and resets connections
at chosen bytes, so that tests can prove Parley recovers with nothing lost.

usage: faultproxy.py CONTROL_DIR TARGET_PORT [TARGET_HOST]

Listens on a free port of 127.0.0.1 and writes it to CONTROL_DIR/port once listening
(a stale port file is removed at start). Every accepted connection is forwarded to
TARGET_HOST (default 127.0.0.1):TARGET_PORT, bytes unchanged. Runs until SIGTERM or
SIGINT, then closes everything and exits 0.

Control is by files only, each written by write-to-temporary-and-rename:

CONTROL_DIR/rules.json (written by the test; re-read whenever it changes, which is
checked on every accepted connection, every chunk read and every 50 ms) is a JSON list
of objects:

  {"id": "cut-mid-fetch",          # name in stats and the log (default "ruleN", N its index)
   "direction": "server",          # whose bytes are matched: "server" (server->client,
                                   #   the default) or "client" (client->server)
   "after_client": "UID MOVE",     # optional: the rule is armed on a connection only once
                                   #   the client has sent bytes matching this regex
   "match": "\\* \\d+ FETCH",      # regex (Python re, on bytes) over that direction's
                                   #   stream since arming; found across chunk boundaries
                                   #   within the last 64 KiB
   "action": "cut_after",          # cut_before | cut_after | cut_at_offset | stall | reset
   "offset": 100,                  # cut_at_offset: forward this many bytes past the match
   "times": 1}                     # faults in all, across connections (default 1; -1 = always)

  cut_before     the match is not forwarded (at least its last byte: bytes of it that
                 came in earlier chunks have gone on already, so the peer never gets the
                 whole match); then both peers get FIN.
  cut_after      forward through the end of the match, then FIN to both.
  cut_at_offset  forward through the match and `offset` more bytes, then FIN to both.
  stall          forward nothing more in either direction, sockets left open, until the
                 rules file no longer holds a rule with this id (then the held bytes flow
                 on) or either peer closes (then both are closed).
  reset          RST to both peers at the match (what came before it is forwarded).

  After a cut, what the peers still send is read and dropped until they close (at most
  2 s): closing a socket with unread bytes would send RST instead of the FIN wanted.
  Regexes use re's default flags (put (?s) or (?i) in the pattern); `^` is not anchored
  at the arming point, so anchor on "\r\n" instead.

  A rule whose match can be empty and that has no after_client fires when the connection
  is accepted (e.g. "match": "", "action": "reset", "times": -1 resets every new
  connection); it does not fire on connections that were open when it was loaded.
  Such a reset can reach the client while it is still in connect(), which then fails
  with ECONNRESET (curl: "Couldn't connect to server").
  Rules loaded while a connection is open apply to it from then on. When several rules
  match, the one whose match completes first in the stream wins (ties: the earlier in
  the list), so the outcome does not depend on how TCP split the bytes into chunks.
  A rule keeps its remaining `times` across reloads as long as it is unchanged; any
  change (e.g. a new id) makes it a new rule with a fresh count.

  {"refuse": true} (optional "id", default "refuse") anywhere in the list: every new
  connection is accepted and at once reset.

  An unreadable or invalid rules file is reported (stats "rules_error", the log) and
  the rules in force stay; a missing one means no rules.

CONTROL_DIR/stats.json, rewritten after every event (at the end of the loop turn that
saw it; byte counts alone refresh it at most every 0.2 s):
  {"connections": accepted so far, "open": open now, "fired": {"RULE_ID": count},
   "bytes_client": bytes passed client->server, "bytes_server": server->client,
   "rules": rules in force, "rules_loaded": successful loads, "rules_error": null or text}
A fault is counted in "fired" once it has happened (a cut_at_offset when it cuts; one
whose connection ends before the offset is reached gives its `times` back). stats.json
is written before the proxy goes on after a fault, so once a test sees the count the
fault has been done.

CONTROL_DIR/events.log, one line per event, appended: start, rules, accept, arm, match
(cut_at_offset waiting for its offset), fire, release, unfired, close, exit.
"""

import errno
import json
import os
import re
import selectors
import signal
import socket
import struct
import sys
import time

WINDOW = 64 * 1024        # how far back a regex can look: bounds memory and search time
RECV_SIZE = 64 * 1024
HIGH_WATER = 256 * 1024   # stop reading a side while this much waits for its peer
HOLD_LIMIT = 1024 * 1024  # a stalled side is read (to notice a close) up to this much
LINGER = 2.0              # after a cut, how long the peers get to close their ends
TICK = 0.05               # poll interval for rules changes and linger deadlines
STATS_EVERY = 0.2

CLIENT, SERVER = "client", "server"
OTHER = {CLIENT: SERVER, SERVER: CLIENT}
ACTIONS = ("cut_before", "cut_after", "cut_at_offset", "stall", "reset")
OPEN, STALLED, CLOSING, CLOSED = "open", "stalled", "closing", "closed"
ARM, FIRE = "arm", "fire"
READ, WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE


class RulesError(ValueError):
    pass


def compile_regex(text, what):
    if not isinstance(text, str):
        raise RulesError(f"{what}: not a string")
    try:
        return re.compile(text.encode("utf-8"))
    except re.error as e:
        raise RulesError(f"{what}: {e}") from None


class Rule:
    def __init__(self, obj, index):
        # Identity across reloads: the whole object, so that an unchanged rule keeps
        # its remaining count while an edited one starts afresh.
        self.key = json.dumps(obj, sort_keys=True)
        self.id = str(obj.get("id") or f"rule{index}")
        self.direction = obj.get("direction", SERVER)
        if self.direction not in (CLIENT, SERVER):
            raise RulesError(f"{self.id}: direction must be client or server")
        after = obj.get("after_client")
        self.after = compile_regex(after, f"{self.id}: after_client") if after else None
        if "match" not in obj:
            raise RulesError(f"{self.id}: no match")
        self.match = compile_regex(obj["match"], f"{self.id}: match")
        self.matches_empty = self.match.search(b"") is not None
        self.action = obj.get("action")
        if self.action not in ACTIONS:
            raise RulesError(f"{self.id}: action must be one of {', '.join(ACTIONS)}")
        try:
            self.offset = int(obj.get("offset", 0))
            self.times = int(obj.get("times", 1))
        except (TypeError, ValueError):
            raise RulesError(f"{self.id}: offset and times must be integers") from None
        if self.offset < 0:
            raise RulesError(f"{self.id}: offset must not be negative")


def parse_rules(text):
    """(rules, refuse id or None) from the text of rules.json."""
    try:
        items = json.loads(text)
    except ValueError as e:
        raise RulesError(f"not JSON: {e}") from None
    if not isinstance(items, list):
        raise RulesError("not a JSON list")
    rules, refuse = [], None
    for index, obj in enumerate(items):
        if not isinstance(obj, dict):
            raise RulesError(f"item {index}: not an object")
        if "refuse" in obj:
            if obj["refuse"]:
                refuse = str(obj.get("id") or "refuse")
            continue
        rules.append(Rule(obj, index))
    return rules, refuse


class RuleState:
    """One rule on one connection."""
    __slots__ = ("since", "armed_at", "done")

    def __init__(self, since, armed_at, done):
        self.since = since          # client offset from which after_client is looked for
        self.armed_at = armed_at    # offset in the rule's direction where matching starts
        self.done = done            # fired (or can never fire) on this connection


class Stream:
    """The bytes that came from one side, as far as the rules have seen them."""

    def __init__(self):
        self.win = b""        # the last WINDOW bytes, for the regexes
        self.start = 0        # stream offset of win[0]
        self.total = 0        # bytes seen so far
        self.held = bytearray()  # read while stalled, not yet looked at

    def commit(self, data):
        if data:
            w = self.win + data
            if len(w) > WINDOW:
                self.start += len(w) - WINDOW
                w = w[-WINDOW:]
            self.win = w
            self.total += len(data)

    def skip(self, data):
        # No rule needs the past of this stream: what is loaded later matches from then on.
        self.total += len(data)
        self.win = b""
        self.start = self.total


class Side:
    """One socket of a connection."""

    def __init__(self, name, sock, connected=True):
        self.name = name
        self.sock = sock
        self.connected = connected
        self.out = bytearray()   # bytes waiting to be written to this socket
        self.eof_in = False      # this peer will send nothing more (FIN, or we stopped)
        self.want_shut = False   # send FIN once `out` is written
        self.shut_out = False    # FIN sent
        self.mask = 0            # what the selector watches for now


class Conn:
    def __init__(self, cid, csock):
        self.id = cid
        self.sides = {CLIENT: Side(CLIENT, csock), SERVER: None}
        self.streams = {CLIENT: Stream(), SERVER: Stream()}
        self.rstate = {}
        self.state = OPEN
        self.stall = None            # (rule id, direction) while stalled
        self.pending_cuts = {CLIENT: [], SERVER: []}   # [(stream offset, rule)]
        self.sent = {CLIENT: 0, SERVER: 0}  # bytes of each direction passed on
        self.reason = None
        self.deadline = None

    def live_sides(self):
        return [s for s in self.sides.values() if s is not None]


def excerpt(data, limit=60):
    text = json.dumps(bytes(data[:limit]).decode("latin-1"))
    return text + ("..." if len(data) > limit else "")


def write_atomic(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


class Proxy:
    def __init__(self, control_dir, target):
        self.dir = control_dir
        self.target = target
        self.sel = selectors.DefaultSelector()
        self.conns = {}
        self.rules, self.refuse = [], None
        self.budget = {}             # rule key -> faults left (-1: unlimited)
        self.rules_sig = None        # (inode, mtime, size) of the rules file last read
        self.rules_loaded = 0
        self.rules_error = None
        self.connections = 0
        self.fired = {}
        self.bytes = {CLIENT: 0, SERVER: 0}
        self.stats_due = True
        self.bytes_changed = False
        self.stats_written = 0.0
        self.stopping = False
        self.log_file = open(os.path.join(control_dir, "events.log"), "a", buffering=1)

    # ---- control files ----

    def log(self, event, text=""):
        self.log_file.write(f"{time.time():.3f} {event} {text}".rstrip() + "\n")
        self.stats_due = True

    def write_stats(self):
        stats = {
            "connections": self.connections,
            "open": len(self.conns),
            "fired": self.fired,
            "bytes_client": self.bytes[CLIENT],
            "bytes_server": self.bytes[SERVER],
            "rules": len(self.rules),
            "rules_loaded": self.rules_loaded,
            "rules_error": self.rules_error,
        }
        write_atomic(os.path.join(self.dir, "stats.json"), json.dumps(stats) + "\n")
        self.stats_due = self.bytes_changed = False
        self.stats_written = time.monotonic()

    def flush_stats(self):
        if self.stats_due or (self.bytes_changed and time.monotonic() - self.stats_written >= STATS_EVERY):
            self.write_stats()

    def reload_rules(self):
        path = os.path.join(self.dir, "rules.json")
        try:
            st = os.stat(path)
            # The inode is part of it: a rename always brings a new one, even when
            # the mtime's granularity would hide a quick second write.
            sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            sig = None
        if sig == self.rules_sig:
            return
        self.rules_sig = sig
        try:
            if sig is None:
                rules, refuse = [], None
            else:
                with open(path, encoding="utf-8") as f:
                    rules, refuse = parse_rules(f.read())
        except FileNotFoundError:
            rules, refuse = [], None
        except (OSError, UnicodeDecodeError, RulesError) as e:
            self.rules_error = str(e)
            self.log("rules-error", json.dumps(str(e)))
            print(f"faultproxy: rules.json: {e}", file=sys.stderr)
            return
        self.rules, self.refuse, self.rules_error = rules, refuse, None
        self.rules_loaded += 1
        for rule in rules:
            self.budget.setdefault(rule.key, rule.times)
        self.log("rules", f"count={len(rules)} refuse={'yes' if refuse else 'no'} ids={','.join(r.id for r in rules)}")
        for conn in list(self.conns.values()):
            self.sync_rules(conn, accepted=False)
            if conn.state == STALLED and all(r.id != conn.stall[0] for r in rules):
                self.release(conn)

    def sync_rules(self, conn, accepted):
        old, conn.rstate = conn.rstate, {}
        for rule in self.rules:
            rs = old.get(rule.key)
            if rs is None:
                armed_at = conn.streams[rule.direction].total if rule.after is None else None
                # An empty match with nothing to arm it is an accept-time rule only.
                done = not accepted and rule.after is None and rule.matches_empty
                rs = RuleState(conn.streams[CLIENT].total, armed_at, done)
            conn.rstate[rule.key] = rs

    def available(self, rule):
        return self.budget.get(rule.key, 0) != 0

    def take(self, rule):
        if self.budget[rule.key] > 0:
            self.budget[rule.key] -= 1

    def give_back(self, rule):
        if self.budget.get(rule.key, -1) >= 0:
            self.budget[rule.key] += 1

    # ---- connections ----

    def on_accept(self, lsock):
        while True:
            try:
                csock, addr = lsock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:   # e.g. out of descriptors: try again next turn
                self.log("accept-error", json.dumps(str(e)))
                return
            self.reload_rules()
            self.connections += 1
            cid = self.connections
            csock.setblocking(False)
            csock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            peer = f"{addr[0]}:{addr[1]}"
            self.log("accept", f"conn={cid} from={peer}")
            if self.refuse:
                self.log("fire", f"{self.refuse} conn={cid} action=refuse")
                abort_socket(csock)
                self.log("close", f"conn={cid} reason=refused")
                self.fired[self.refuse] = self.fired.get(self.refuse, 0) + 1
                self.write_stats()
                continue
            conn = Conn(cid, csock)
            self.conns[cid] = conn
            self.sync_rules(conn, accepted=True)
            for rule in self.rules:
                if conn.state != OPEN:
                    break
                rs = conn.rstate[rule.key]
                if rs.armed_at is not None and rule.matches_empty and not rs.done and self.available(rule):
                    self.fire(conn, rule, rs, rule.direction, b"", 0, 0, b"")
            if conn.state in (OPEN, STALLED):
                self.connect_upstream(conn)
            if conn.state != CLOSED:
                self.update(conn)

    def connect_upstream(self, conn):
        family, addr = self.target
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        err = sock.connect_ex(addr)
        conn.sides[SERVER] = Side(SERVER, sock, connected=(err == 0))
        if err not in (0, errno.EINPROGRESS):
            self.abort(conn, f"upstream connect failed: {os.strerror(err)}")

    def on_connected(self, conn, side):
        err = side.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            # The client cannot be told "refused" any more; a reset is the nearest.
            self.abort(conn, f"upstream connect failed: {os.strerror(err)}")
            return
        side.connected = True
        self.pump(conn, side)

    def on_read(self, conn, side):
        try:
            data = side.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            # The peer reset (or worse): pass it on as a reset to the other peer.
            self.abort(conn, f"{side.name} error: {e.strerror or e}")
            return
        if not data:
            side.eof_in = True
            if conn.state == OPEN:
                conn.reason = conn.reason or f"{side.name} closed"
                other = conn.sides[OTHER[side.name]]
                if other is not None:
                    other.want_shut = True
                    self.pump(conn, other)
                self.check_done(conn)
            elif conn.state == STALLED:
                self.cut(conn, f"{side.name} closed while stalled by {conn.stall[0]}")
            else:
                self.check_done(conn)
            return
        if conn.state == CLOSING:
            return   # a cut connection: read only so that closing sends FIN, not RST
        if conn.state == STALLED:
            conn.streams[side.name].held += data
            self.update(conn)   # past HOLD_LIMIT, stop reading: back-pressure
            return
        self.reload_rules()   # a reload only ever releases, so the state is still OPEN
        self.feed(conn, side.name, data)
        if conn.state != CLOSED:
            self.update(conn)   # e.g. stop reading while the other side's buffer is full

    def on_write(self, conn, side):
        if not side.connected:
            self.on_connected(conn, side)
        else:
            self.pump(conn, side)

    def feed(self, conn, d, data):
        """Run bytes that came from side d through the rules and pass on what they allow."""
        st = conn.streams[d]
        while conn.state == OPEN:
            live = []
            for rule in self.rules:
                rs = conn.rstate[rule.key]
                if rs.done or not self.available(rule):
                    continue
                if (rs.armed_at is None and d == CLIENT) or (rs.armed_at is not None and rule.direction == d):
                    live.append((rule, rs))
            if not live:
                st.skip(data)
                self.forward(conn, d, data)
                return
            # Find the first event (arming or match) in the new bytes, searching the
            # window so that a pattern split across chunks is still found.
            window, w0, s0 = st.win + data, st.start, st.total
            best = None
            for rule, rs in live:
                if rs.armed_at is None:
                    m, kind = rule.after.search(window, max(rs.since - w0, 0)), ARM
                else:
                    m, kind = rule.match.search(window, max(rs.armed_at - w0, 0)), FIRE
                if m is not None:
                    t = max(w0 + m.end(), s0)
                    if best is None or t < best[0]:
                        best = (t, kind, rule, rs, m)
            if best is None:
                st.commit(data)
                self.forward(conn, d, data)
                return
            t, kind, rule, rs, m = best
            n = t - s0
            if kind == ARM:
                st.commit(data[:n])
                self.forward(conn, d, data[:n])
                data = data[n:]
                # A server-side rule's stream starts with the server's next byte.
                rs.armed_at = t if rule.direction == CLIENT else conn.streams[SERVER].total
                self.log("arm", f"{rule.id} conn={conn.id} at={t}")
                if rule.direction != d and rule.matches_empty and conn.state == OPEN:
                    data = self.fire(conn, rule, rs, d, data, 0, 0, b"")
                    if data is None:
                        return
                continue
            a = max(w0 + m.start(), s0) - s0
            data = self.fire(conn, rule, rs, d, data, a, n, window[m.start():m.end()])
            if data is None:
                return

    def fire(self, conn, rule, rs, d, data, a, b, matched):
        """Apply rule to `data` (not yet passed on, from side d), where the match covers
        data[a:b]. Returns the bytes still to look at, or None when nothing more is to be
        forwarded now."""
        rs.done = True
        self.take(rule)
        st = conn.streams[d]
        keep = data[:b] if rule.action in ("cut_after", "cut_at_offset") else data[:a]
        st.commit(keep)
        self.forward(conn, d, keep)
        if conn.state != OPEN:
            # A cut_at_offset landed inside `keep`, before this rule's point.
            self.give_back(rule)
            return None
        what = f"{rule.id} conn={conn.id} direction={rule.direction} action={rule.action} excerpt={excerpt(matched)}"
        if rule.action == "cut_at_offset":
            # Counted in the rule's own direction, which is not d when an empty match
            # fired at the arming by client bytes.
            cd = rule.direction
            at = conn.sent[cd] + rule.offset
            conn.pending_cuts[cd].append((at, rule))
            self.log("match", what + f" cut_at={at}")
            self.forward(conn, cd, b"")   # offset 0 cuts right here
            return data[b:] if conn.state == OPEN else None
        self.log("fire", what)
        if rule.action == "stall":
            conn.state = STALLED
            conn.stall = (rule.id, d)
            st.held[0:0] = data[a:]
            self.update(conn)
        elif rule.action == "reset":
            self.abort(conn, f"reset by {rule.id}")
        else:
            self.cut(conn, f"cut by {rule.id}")
        self.landed(rule)
        return None

    def landed(self, rule):
        # Counted once the fault has been done, and written out at once: whoever sees
        # the count can rely on the fault having happened.
        self.fired[rule.id] = self.fired.get(rule.id, 0) + 1
        self.write_stats()

    def forward(self, conn, d, data):
        """Pass bytes from side d on to the other side, honouring a pending cut_at_offset."""
        cuts = conn.pending_cuts[d]
        if cuts:
            at, rule = min(cuts, key=lambda c: c[0])
            room = at - conn.sent[d]
            if room <= len(data):
                self.queue(conn, d, data[:room])
                cuts.remove((at, rule))
                if conn.state == OPEN:
                    self.log("fire", f"{rule.id} conn={conn.id} direction={rule.direction} action=cut_at_offset offset={rule.offset}")
                    self.cut(conn, f"cut by {rule.id}")
                    self.landed(rule)
                else:
                    self.give_back(rule)
                return
        self.queue(conn, d, data)

    def queue(self, conn, d, data):
        if not data:
            return
        conn.sent[d] += len(data)
        dest = conn.sides[OTHER[d]]
        dest.out += data
        self.pump(conn, dest)

    def pump(self, conn, side):
        """Write what waits for this side now (no waiting for the selector: latency)."""
        if conn.state == CLOSED or not side.connected:
            return
        while side.out:
            try:
                n = side.sock.send(side.out)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                self.abort(conn, f"{side.name} error: {e.strerror or e}")
                return
            del side.out[:n]
            self.bytes[OTHER[side.name]] += n
            self.bytes_changed = True
        if not side.out and side.want_shut and not side.shut_out:
            try:
                side.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass   # the peer is gone already: nothing to tell it
            side.shut_out = True
            self.check_done(conn)
        if conn.state != CLOSED:
            self.update(conn)

    def release(self, conn):
        rule_id, first = conn.stall
        conn.state, conn.stall = OPEN, None
        self.log("release", f"{rule_id} conn={conn.id}")
        for d in (first, OTHER[first]):
            if conn.state != OPEN:
                break   # stalled again (the rest stays held) or closed
            st = conn.streams[d]
            data, st.held = bytes(st.held), bytearray()
            self.feed(conn, d, data)
        if conn.state != CLOSED:
            self.update(conn)

    def cut(self, conn, reason):
        """FIN to both peers once what was forwarded is written. Reading goes on (and is
        thrown away) until they close, since closing a socket with unread data would
        send RST instead of FIN."""
        conn.state = CLOSING
        conn.reason = reason
        conn.deadline = time.monotonic() + LINGER
        for st in conn.streams.values():
            st.held = bytearray()
        for side in conn.live_sides():
            side.want_shut = True
        for side in conn.live_sides():
            self.pump(conn, side)
        self.check_done(conn)

    def check_done(self, conn):
        if conn.state != CLOSED and all(s.eof_in and s.shut_out for s in conn.live_sides()):
            self.finish(conn, conn.reason or "closed")

    def abort(self, conn, reason):
        for side in conn.live_sides():
            set_rst(side.sock)
        self.finish(conn, reason)

    def finish(self, conn, reason):
        if conn.state == CLOSED:
            return
        conn.state = CLOSED
        for side in conn.live_sides():
            self.sel_forget(side)
            side.sock.close()
        for d, cuts in conn.pending_cuts.items():
            for at, rule in cuts:
                self.give_back(rule)
                self.log("unfired", f"{rule.id} conn={conn.id} (closed before offset)")
        del self.conns[conn.id]
        self.log("close", f"conn={conn.id} reason={json.dumps(reason)} "
                 f"client_bytes={conn.sent[CLIENT]} server_bytes={conn.sent[SERVER]}")

    # ---- selector bookkeeping ----

    def update(self, conn):
        for side in conn.live_sides():
            mask = 0
            if not side.connected:
                mask = WRITE
            else:
                if not side.eof_in:
                    if conn.state == CLOSING:
                        mask |= READ
                    elif conn.state == STALLED:
                        if len(conn.streams[side.name].held) < HOLD_LIMIT:
                            mask |= READ
                    else:
                        other = conn.sides[OTHER[side.name]]
                        if other is None or len(other.out) < HIGH_WATER:
                            mask |= READ
                if side.out or (side.want_shut and not side.shut_out):
                    mask |= WRITE
            if mask != side.mask:
                if side.mask == 0:
                    self.sel.register(side.sock, mask, (conn, side.name))
                elif mask == 0:
                    self.sel.unregister(side.sock)
                else:
                    self.sel.modify(side.sock, mask, (conn, side.name))
                side.mask = mask

    def sel_forget(self, side):
        if side.mask:
            self.sel.unregister(side.sock)
            side.mask = 0

    # ---- main loop ----

    def run(self):
        self.log("start", f"pid={os.getpid()} target={self.target[1][0]}:{self.target[1][1]}")
        self.reload_rules()
        self.write_stats()
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(128)
        lsock.setblocking(False)
        self.sel.register(lsock, READ, "listen")
        # Signals wake the selector at once instead of at the next tick.
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        signal.set_wakeup_fd(wake_w.fileno())
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.on_signal)
        self.sel.register(wake_r, READ, "wake")
        port = lsock.getsockname()[1]
        write_atomic(os.path.join(self.dir, "port"), f"{port}\n")
        self.log("listen", f"port={port}")

        while not self.stopping:
            for key, mask in self.sel.select(TICK):
                if key.data == "listen":
                    self.on_accept(lsock)
                elif key.data == "wake":
                    try:
                        while wake_r.recv(512):
                            pass
                    except BlockingIOError:
                        pass
                else:
                    conn, name = key.data
                    if conn.state == CLOSED:
                        continue   # ended by an earlier event of this turn
                    side = conn.sides[name]
                    if side is None or side.sock is not key.fileobj:
                        continue
                    if mask & WRITE:
                        self.on_write(conn, side)
                    if mask & READ and conn.state != CLOSED and conn.sides[name] is side:
                        self.on_read(conn, side)
            self.reload_rules()
            now = time.monotonic()
            for conn in list(self.conns.values()):
                if conn.state == CLOSING and now >= conn.deadline:
                    self.finish(conn, f"{conn.reason} (peers did not close)")
            self.flush_stats()

        for conn in list(self.conns.values()):
            self.finish(conn, "proxy stopped")
        lsock.close()
        self.log("exit")
        self.write_stats()
        return 0

    def on_signal(self, signum, frame):
        self.stopping = True


def set_rst(sock):
    # Linger on with a zero timeout: close() then sends RST instead of FIN.
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass


def abort_socket(sock):
    set_rst(sock)
    sock.close()


def main(argv):
    if len(argv) not in (3, 4):
        print("usage: faultproxy.py CONTROL_DIR TARGET_PORT [TARGET_HOST]", file=sys.stderr)
        return 2
    control_dir, port = argv[1], int(argv[2])
    host = argv[3] if len(argv) == 4 else "127.0.0.1"
    family, _, _, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    os.makedirs(control_dir, exist_ok=True)
    try:
        os.unlink(os.path.join(control_dir, "port"))   # whoever waits for it must see ours
    except FileNotFoundError:
        pass
    return Proxy(control_dir, (family, addr)).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
