#!/usr/bin/env python3
"""Writes Tests/ParleyMailTests/Fixtures/charsets/*.eml: real encoded bytes for the
charset tests (CharsetTests.swift), which hold the expected UTF-8 text themselves.

Run once from the repository root; the fixtures are committed, this script documents
how their bytes were made. Python's codecs do the encoding, so the tests check
Parley's decoding (GMime + glibc iconv) against an independent encoder.
"""
import base64
import os
import quopri

OUT = "Tests/ParleyMailTests/Fixtures/charsets"

# name, charset label, body transfer encoding, subject, From display name, body.
# Transfer encodings and B/Q encoded-words alternate across the set.
CHARSETS = [
    ("utf-8", "utf-8", "8bit", "Re: Grüße aus Köln — ☕ und 日本語", "Jürgen Müller",
     "Schöne Grüße aus Köln!\nDer Kaffee ☕ war großartig — danke.\nEmoji: 🎉 und Mathe: ∑ x² ≤ ∞\n"),
    ("iso-8859-1", "iso-8859-1", "quoted-printable", "Re: Café, crème brûlée et garçon", "François Dupré",
     "Voilà : la crème brûlée était parfaite.\nÀ bientôt, señor Núñez, ¿qué tal? ©®±\n"),
    ("iso-8859-15", "ISO-8859-15", "8bit", "Re: Prix de l'œuvre : 20 €", "Chloé Œuvray",
     "L'œuvre coûte 20 € (vingt euros).\nŠárka et Žofie ont payé 5 €.\n"),
    ("windows-1251", "windows-1251", "base64", "Re: Привет из Москвы", "Иван Петров",
     "Съешь же ещё этих мягких французских булок, да выпей чаю.\nЁлка, «кавычки» и тире — №5.\n"),
    ("windows-1252", "windows-1252", "quoted-printable", "Re: “Smart quotes” cost 5 €", "Zoë O’Brien",
     "“Smart quotes” and ‘single ones’ — they cost 5 € … or £4.\nŒuvre, Šimon, ™ and • bullets.\n"),
    ("koi8-r", "koi8-r", "8bit", "Re: Ответ на комментарий", "Ёжик Туманов",
     "Спасибо за статью, очень интересно!\nЁжик в тумане - лучший мультфильм.\n"),
    ("shift_jis", "Shift_JIS", "base64", "Re: 表示について", "山田 太郎",
     "こんにちは。記事を読みました。\n表示がソフトによって違います。ｶﾀｶﾅ（半角）も。\n"),
    ("iso-2022-jp", "ISO-2022-JP", "7bit", "Re: 日本語のメール", "鈴木 花子",
     "お世話になっております。\n返信ありがとうございます。カタカナと漢字。\n"),
    ("euc-jp", "EUC-JP", "8bit", "Re: 東京の天気", "佐藤 一郎",
     "東京は晴れです。\n明日は雨かもしれません。\n"),
    ("euc-kr", "euc-kr", "base64", "Re: 답장 감사합니다", "김 민수",
     "안녕하세요, 글 잘 읽었습니다.\n다음 글도 기대하겠습니다.\n"),
    ("gb2312", "gb2312", "quoted-printable", "Re: 你好，世界", "王 小明",
     "谢谢你的文章，写得很好。\n期待下一篇！\n"),
    ("gbk", "GBK", "8bit", "Re: 朱镕基的讲话", "李 镕",
     "镕字不在GB2312里，但在GBK里。\n另外：喆、堃。\n"),
    ("gb18030", "GB18030", "base64", "Re: 欢迎 😀", "张 𠮷",
     "欢迎！😀 表情符号需要四字节编码。\n蒙古文：ᠮᠣᠩᠭᠣᠯ\n"),
    ("big5", "Big5", "quoted-printable", "Re: 許功蓋的問題", "陳 大文",
     "繁體中文：謝謝您的回覆。\n許功蓋這些字的第二個位元組是反斜線。\n"),
]

PYTHON_CODEC = {"shift_jis": "shift_jis", "iso-2022-jp": "iso2022_jp", "gb2312": "gb2312"}


def q_word_bytes(raw: bytes) -> str:
    """RFC 2047 §4.2 Q encoding: `_` for space, =XX for anything not plainly safe."""
    out = []
    for b in raw:
        c = chr(b)
        if b == 0x20:
            out.append("_")
        elif c.isascii() and (c.isalnum() or c in "!*+-/"):
            out.append(c)
        else:
            out.append("=%02X" % b)
    return "".join(out)


def encoded_words(text: str, label: str, codec: str, kind: str) -> str:
    """The text as RFC 2047 encoded-words of at most 75 characters (§2), split at
    character boundaries (§5: each word decodes on its own; for ISO-2022-JP each one
    carries its own escape sequences) and folded onto continuation lines."""
    words, chunk = [], ""

    def encode(s: str) -> str:
        raw = s.encode(codec)
        payload = base64.b64encode(raw).decode() if kind == "B" else q_word_bytes(raw)
        return f"=?{label}?{kind}?{payload}?="

    for ch in text:
        if chunk and len(encode(chunk + ch)) > 75:
            words.append(encode(chunk))
            chunk = ""
        chunk += ch
    words.append(encode(chunk))
    return "\n ".join(words)


def body_bytes(body: str, codec: str, cte: str) -> bytes:
    raw = body.encode(codec)
    if cte == "base64":
        # Text is canonical CRLF before base64 (RFC 2045 §6.8).
        encoded = base64.encodebytes(raw.replace(b"\n", b"\r\n"))
        return encoded
    if cte == "quoted-printable":
        return quopri.encodestring(raw)
    return raw


def write(name: str, text: bytes, crlf: bool = True):
    if crlf:
        text = text.replace(b"\n", b"\r\n")
    with open(os.path.join(OUT, name + ".eml"), "wb") as f:
        f.write(text)


def headers(lines) -> bytes:
    return "".join(line + "\n" for line in lines).encode("ascii")


def main():
    os.makedirs(OUT, exist_ok=True)
    for i, (name, label, cte, subject, display, body) in enumerate(CHARSETS):
        codec = PYTHON_CODEC.get(name, name)
        subject_kind, from_kind = ("B", "Q") if i % 2 == 0 else ("Q", "B")
        head = headers([
            f"From: {encoded_words(display, label, codec, from_kind)} <sender-{i}@example.net>",
            "To: talk+abcdefghijklmnopqrstuvwx@example.org",
            f"Subject: {encoded_words(subject, label, codec, subject_kind)}",
            "Date: Tue, 03 Mar 2026 10:00:00 +0000",
            f"Message-ID: <charset-{name}@example.net>",
            "In-Reply-To: <post-1@example.org>",
            "MIME-Version: 1.0",
            f"Content-Type: text/plain; charset={label}",
            f"Content-Transfer-Encoding: {cte}",
        ])
        write(name, head + b"\n" + body_bytes(body, codec, cte))

    base = [
        "To: talk@example.org",
        "Date: Tue, 03 Mar 2026 10:00:00 +0000",
        "MIME-Version: 1.0",
    ]
    # An unknown charset label, in a body and in an encoded-word.
    write("unknown-label-utf8", headers([
        "From: =?x-unknown?Q?J=C3=BCrgen?= <j@example.de>",
        "Subject: =?x-unknown?Q?Gr=C3=BC=C3=9Fe_=E2=98=95?=",
        *base,
        "Content-Type: text/plain; charset=x-unknown",
        "Content-Transfer-Encoding: 8bit",
    ]) + b"\n" + "Grüße aus Köln ☕\n".encode("utf-8"))
    write("unknown-label-latin1", headers([
        "From: =?x-unknown?Q?J=FCrgen?= <j@example.de>",
        "Subject: =?x-unknown?Q?Gr=FC=DFe?=",
        *base,
        "Content-Type: text/plain; charset=x-unknown",
        "Content-Transfer-Encoding: quoted-printable",
    ]) + b"\n" + quopri.encodestring("Grüße aus Köln, café\n".encode("latin-1")))
    # Lying labels: UTF-8 bytes labelled ISO-8859-1, windows-1252 bytes labelled UTF-8.
    write("lying-latin1-is-utf8", headers([
        "From: =?iso-8859-1?Q?J=C3=BCrgen_M=C3=BCller?= <j@example.de>",
        "Subject: =?iso-8859-1?B?" + base64.b64encode("Grüße — ☕".encode()).decode() + "?=",
        *base,
        "Content-Type: text/plain; charset=iso-8859-1",
        "Content-Transfer-Encoding: 8bit",
    ]) + b"\n" + "Grüße aus Köln — ☕ 日本\n".encode("utf-8"))
    write("lying-utf8-is-cp1252", headers([
        "From: =?utf-8?Q?Zo=EB_O=92Brien?= <zoe@example.ie>",
        "Subject: =?utf-8?Q?=93Quotes=94_cost_5_=80?=",
        *base,
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
    ]) + b"\n" + quopri.encodestring("“Quotes” cost 5 € — café\n".encode("cp1252")))
    # Raw 8-bit header bytes without any encoded-word (RFC 6532 for UTF-8; legacy
    # clients for Latin-1).
    write("raw-header-utf8", headers([]).join([
        "From: Jürgen Müller <j@example.de>\n".encode("utf-8"),
        "Subject: Grüße aus Köln ☕\n".encode("utf-8"),
        headers([*base, "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]),
    ]) + b"\n" + "Danke!\n".encode("utf-8"), crlf=False)
    write("raw-header-latin1", b"".join([
        "From: Jürgen Müller <j@example.de>\n".encode("latin-1"),
        "Subject: Grüße aus Köln\n".encode("latin-1"),
        headers([*base, "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: 8bit"]),
    ]) + b"\n" + "Danke schön!\n".encode("latin-1"), crlf=False)
    # RFC 2231 parameters: charset + percent-encoding, and continuations.
    write("rfc2231-filenames", headers([
        "From: Ana <ana@example.pt>",
        "Subject: Files",
        *base,
        'Content-Type: multipart/mixed; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Two files attached.",
        "--b1",
        "Content-Type: application/pdf",
        "Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20Preise%20f%C3%BCr%202026.pdf",
        "Content-Transfer-Encoding: base64",
        "",
        base64.b64encode(b"%PDF-1.4 fake").decode(),
        "--b1",
        "Content-Type: text/plain; charset=iso-8859-1;",
        " name*0*=iso-8859-1'de'Gr%FC%DFe;",
        " name*1*=%20aus%20K%F6ln.txt",
        "Content-Disposition: attachment",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "Gr=FC=DFe",
        "--b1--",
    ]))
    # RFC 3676 format=flowed, without and with DelSp.
    write("flowed", headers([
        "From: Ana <ana@example.pt>",
        "Subject: Flowed",
        *base,
        "Content-Type: text/plain; charset=utf-8; format=flowed",
        "Content-Transfer-Encoding: 8bit",
    ]) + b"\n" + (
        "This paragraph was softly wrapped by \n"
        "the client at about seventy columns, \n"
        "and it ends here.\n"
        "\n"
        " From a space-stuffed line.\n"
        "\n"
        "> A quoted line that \n"
        "> flows on.\n"
        "-- \n"
        "Ana\n").encode("utf-8"))
    write("flowed-delsp", headers([
        "From: Hanako <hanako@example.jp>",
        "Subject: Flowed DelSp",
        *base,
        "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes",
        "Content-Transfer-Encoding: quoted-printable",
    ]) + b"\n" + quopri.encodestring((
        "日本語の長い文章は \n"
        "途中で折り返されます。\n"
        "Split in the mid \n"
        "dle of a word.\n").encode("utf-8")))


if __name__ == "__main__":
    main()
