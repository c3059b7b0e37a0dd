#!/usr/bin/python3
"""Checks outgoing mail the way a strict receiver would, and shows what it decodes to.

usage: check_mail.py FILE...      (each FILE one whole RFC 5322 message)

Prints a JSON array, one object per file:
  defects   everything wrong: parse defects under Python's email policy.strict, header
            defects, lines over 998 octets (RFC 5322 §2.1.1), line ends other than CRLF,
            octets outside ASCII in a message that declares no 8-bit transport
  headers   {name: [decoded values]} of the top-level header (RFC 2047 decoded)
  addresses {name: [[display name, address], ...]} for From, To, Reply-To
  text      the decoded text/plain part, html the decoded text/html part (LF line ends)
Exit status 1 when any file has a defect.
"""
import email
import email.policy
import json
import sys


def check(data):
    defects = []
    for n, line in enumerate(data.split(b"\r\n"), 1):
        if len(line) > 998:
            defects.append("line %d is %d octets long (RFC 5322 §2.1.1 allows 998)" % (n, len(line)))
        if b"\n" in line or b"\r" in line:
            defects.append("line %d has a bare CR or LF (SMTP needs CRLF, RFC 5321 §2.3.8)" % n)
    if any(b > 127 for b in data):
        defects.append("8-bit octets in a message sent without 8BITMIME/SMTPUTF8")
    try:
        msg = email.message_from_bytes(data, policy=email.policy.strict)
    except Exception as e:  # policy.strict raises the first defect it meets
        return {"defects": defects + ["strict parse failed: %s: %s" % (type(e).__name__, e)]}
    headers, addresses = {}, {}
    text = html = None
    for part in msg.walk():
        defects += ["%s: %s" % (part.get_content_type(), d.__class__.__name__) for d in part.defects]
        for name, value in part.items():
            for d in getattr(value, "defects", ()):
                defects.append("header %s: %s: %s" % (name, d.__class__.__name__, d))
        if part.get_content_type() == "text/plain" and text is None:
            text = part.get_content().replace("\r\n", "\n")
        elif part.get_content_type() == "text/html" and html is None:
            html = part.get_content().replace("\r\n", "\n")
    for name, value in msg.items():
        headers.setdefault(name, []).append(str(value))
        if name.lower() in ("from", "to", "reply-to", "cc", "bcc"):
            addresses.setdefault(name, []).extend([a.display_name, a.addr_spec] for a in value.addresses)
    return {"defects": defects, "headers": headers, "addresses": addresses, "text": text, "html": html}


def main():
    results = []
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            results.append(check(f.read()))
    json.dump(results, sys.stdout, ensure_ascii=False)
    sys.exit(1 if any(r["defects"] for r in results) else 0)


if __name__ == "__main__":
    main()
