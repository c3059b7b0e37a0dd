#!/usr/bin/env python3
"""Stand-in for a person typing a reply in their mail client's editor.

Used by scripts/reply-with-client.sh: the mail client (mutt, neomutt, alpine,
aerc) is configured with this script as its external editor, so the client
runs `reply-editor.py FILE` on the draft it prepared (attribution line,
quoted original, maybe a signature).  The script inserts the text a person
would type and leaves everything else in the file exactly as the client made
it, the way a person moving the cursor and typing would.

Environment:
  PLACEMENT     top | inline | bottom | signature
                  top        above the attribution line and the quote
                  inline     right below the first quoted line containing
                             INLINE_AFTER (or the first quoted line)
                  bottom     below the whole quote
                  signature  like bottom (the signature, wherever the client
                             put it, is left alone)
  TEXTFILE      UTF-8 file with the text to type (trailing newlines ignored)
  INLINE_AFTER  optional, for PLACEMENT=inline
  REPLY_EDITOR_STATUS  optional file; "ok" or "error: ..." is written there
                so the driver can tell whether the editor did its job
  REPLY_EDITOR_KEEP    optional file; a copy of the draft as the client
                handed it to the editor is written there (for debugging)

Lines are read and written as bytes-preserving UTF-8 (surrogateescape), and
the file's own line ending (LF or CRLF) is kept.  Exit status 0 on success,
1 (with a message on stderr and in REPLY_EDITOR_STATUS) on failure.
"""

import os
import re
import sys


def status(msg):
    path = os.environ.get("REPLY_EDITOR_STATUS")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            f.write(msg + "\n")


def fail(msg):
    sys.stderr.write("reply-editor: %s\n" % msg)
    status("error: " + msg)
    sys.exit(1)


def is_quoted(line):
    return line.startswith(">")


def quote_block(lines):
    """(first, last) index of the first contiguous run of quoted lines."""
    first = next((i for i, l in enumerate(lines) if is_quoted(l)), None)
    if first is None:
        return None, None
    last = first
    while last + 1 < len(lines) and is_quoted(lines[last + 1]):
        last += 1
    return first, last


def unquote(line):
    return re.sub(r"^(>\s?)+", "", line)


def find_inline(lines, first, last, needle):
    """Index of the quoted line after which to type for PLACEMENT=inline."""
    if not needle:
        return first
    for i in range(first, last + 1):
        if needle in lines[i]:
            return i
    # The sentence may be wrapped over several quoted lines: match on the
    # whitespace-normalised quote and answer below the line where it ends.
    norm_needle = " ".join(needle.split())
    joined, ends = "", []
    for i in range(first, last + 1):
        part = " ".join(unquote(lines[i]).split())
        if not part:
            joined += "\n"
        else:
            joined += (" " if joined and not joined.endswith("\n") else "") + part
        ends.append((len(joined), i))
    pos = joined.find(norm_needle)
    if pos < 0:
        return None
    end = pos + len(norm_needle)
    for length, i in ends:
        if length >= end:
            return i
    return last


def insert_block(lines, at, typed):
    """Insert typed lines before index `at`, with a blank line on each side
    where a neighbouring line is not blank already (as a person would)."""
    before = lines[:at]
    after = lines[at:]
    block = list(typed)
    if before and before[-1].strip() != "":
        block.insert(0, "")
    if after and after[0].strip() != "":
        block.append("")
    return before + block + after


def main():
    if len(sys.argv) < 2:
        fail("usage: reply-editor.py FILE")
    path = sys.argv[-1]
    placement = os.environ.get("PLACEMENT", "")
    textfile = os.environ.get("TEXTFILE", "")
    if placement not in ("top", "inline", "bottom", "signature"):
        fail("PLACEMENT must be top, inline, bottom or signature, not %r" % placement)
    if not textfile:
        fail("TEXTFILE not set")
    with open(textfile, encoding="utf-8") as f:
        typed = f.read().replace("\r\n", "\n").rstrip("\n").split("\n")

    before = os.stat(path)
    with open(path, "rb") as f:
        raw = f.read()
    keep = os.environ.get("REPLY_EDITOR_KEEP")
    if keep:
        with open(keep, "wb") as f:
            f.write(raw)
    text = raw.decode("utf-8", "surrogateescape")
    eol = "\r\n" if "\r\n" in text else "\n"
    lines = text.replace("\r\n", "\n").split("\n")
    had_final_newline = bool(lines) and lines[-1] == ""
    if had_final_newline:
        lines.pop()

    first, last = quote_block(lines)

    if placement == "top":
        # The cursor starts on the first line; the person types there and
        # leaves one blank line before what the client put in the file.
        start = 0
        while start < len(lines) and lines[start].strip() == "":
            start += 1
        lines = typed + [""] + lines[start:] if start < len(lines) else list(typed)
    elif placement == "inline":
        if first is None:
            fail("no quoted line in the draft")
        at = find_inline(lines, first, last, os.environ.get("INLINE_AFTER", ""))
        if at is None:
            fail("INLINE_AFTER %r not found in the quote" % os.environ.get("INLINE_AFTER"))
        lines = insert_block(lines, at + 1, typed)
    else:  # bottom, signature
        if first is None:
            fail("no quoted line in the draft")
        lines = insert_block(lines, last + 1, typed)

    out = eol.join(lines) + eol
    with open(path, "wb") as f:
        f.write(out.encode("utf-8", "surrogateescape"))
    # A person takes seconds to type; this takes milliseconds.  mutt/neomutt
    # decide "Aborted unmodified message" by comparing whole-second mtimes,
    # and a coarse filesystem clock can stamp our write with the same second
    # as the client's: make the edit visible as a later modification.
    after = os.stat(path)
    if int(after.st_mtime) <= int(before.st_mtime):
        t = int(before.st_mtime) + 1
        os.utime(path, (t, t))
    status("ok")


if __name__ == "__main__":
    main()
