#!/usr/bin/env python3
"""Python's feedparser on the same fixture feeds Parley's `parley-bench feeds` reads.

usage: bench-feedparser.py DIR [--seconds S]

Reads every feed document directly in DIR (*.xml and *.json, except *.expected.json
and urls.json) into memory once, does one uncounted warm-up pass, then parses all of
them with feedparser.parse(bytes) on one core, in a loop, until at least S CPU seconds
(time.process_time(), default 3) have passed, counting len(result.entries).

Prints:
  feedparser X.Y.Z: N entries in T CPU-s over F files = R entries per CPU-second
  feedparser-rate R
  feedparser returned 0 entries for: ...   (feedparser 6 cannot read JSON Feed)
"""
import argparse
import os
import sys
import time

import feedparser


def feed_files(directory):
    names = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            continue
        if name.endswith(".expected.json") or name == "urls.json":
            continue
        if name.endswith(".xml") or name.endswith(".json"):
            names.append(name)
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()

    names = feed_files(args.dir)
    if not names:
        sys.exit("bench-feedparser: no feed documents in %s" % args.dir)
    docs = []
    for name in names:
        with open(os.path.join(args.dir, name), "rb") as f:
            docs.append(f.read())

    parse = feedparser.parse
    # Warm-up, not counted; it also records what each file yields.
    per_file = [len(parse(doc).entries) for doc in docs]
    empty = [name for name, n in zip(names, per_file) if n == 0]

    entries = 0
    passes = 0
    start = time.process_time()
    while True:
        for doc in docs:
            entries += len(parse(doc).entries)
        passes += 1
        elapsed = time.process_time() - start
        if elapsed >= args.seconds:
            break

    rate = int(entries / elapsed) if elapsed > 0 else 0
    print("feedparser %s: %d entries in %.2f CPU-s over %d files = %d entries per CPU-second"
          % (feedparser.__version__, entries, elapsed, len(docs), rate))
    print("feedparser-rate %d" % rate)
    print("feedparser returned 0 entries for: %s" % (", ".join(empty) if empty else "(none)"))


if __name__ == "__main__":
    main()
