#!/usr/bin/env bash
# Self-test of scripts/feedserver.py with the curl command-line tool: starts the server
# on a temporary directory, checks the behaviours the feed-fetcher tests rely on, stops it
# with SIGTERM. Prints "feedserver selftest: ok" or fails with a message.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
pid=""
hang_pid=""  # a curl held by /hang/

cleanup() {
    if [[ -n "$hang_pid" ]] && kill -0 "$hang_pid" 2>/dev/null; then
        kill -TERM "$hang_pid" 2>/dev/null || true
        wait "$hang_pid" 2>/dev/null || true
    fi
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "feedserver selftest: FAIL: $*" >&2
    if [[ -s "$tmp/server.err" ]]; then
        echo "--- server stderr:" >&2
        cat "$tmp/server.err" >&2
    fi
    exit 1
}

mkdir "$tmp/root"
cat >"$tmp/root/feed.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test blog</title><link>http://example.org/</link>
<description>selftest</description>
<item><title>First post</title><link>http://example.org/1</link><guid>1</guid></item>
<item><title>Second post</title><link>http://example.org/2</link><guid>2</guid></item>
</channel></rss>
EOF

python3 "$here/feedserver.py" --root "$tmp/root" --port-file "$tmp/port" 2>"$tmp/server.err" &
pid=$!
for _ in $(seq 50); do
    [[ -s "$tmp/port" ]] && break
    kill -0 "$pid" 2>/dev/null || fail "server exited before writing its port file"
    sleep 0.1
done
[[ -s "$tmp/port" ]] || fail "no port file after 5 s"
port="$(cat "$tmp/port")"
[[ "$port" =~ ^[0-9]+$ ]] || fail "port file holds '$port'"
base="http://127.0.0.1:$port"

# fetch URL [curl options...]: body to $tmp/body, headers to $tmp/hdr, prints the status
fetch() {
    local url="$1"; shift
    rm -f "$tmp/body"
    curl -sS -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' "$@" "$base$url"
}
header() {  # header NAME: value of NAME in the last response block of $tmp/hdr
    tr -d '\r' <"$tmp/hdr" | awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" '
        /^HTTP\// { v = "" }
        { i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) v = substr($0, i + 2) }
        END { print v }'
}
stat_of() {  # stat_of PATH FIELD
    curl -sS "$base/stats" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(s.get(sys.argv[1], {}).get(sys.argv[2]))' "$1" "$2"
}

# 200 + ETag + Content-Type + same bytes
code="$(fetch /feed.xml)"
[[ "$code" == 200 ]] || fail "GET /feed.xml: status $code, expected 200"
etag="$(header ETag)"
[[ "$etag" =~ ^\"[0-9a-f]{16}\"$ ]] || fail "GET /feed.xml: ETag '$etag' is not a quoted 16-hex tag"
want="\"$(sha256sum "$tmp/root/feed.xml" | cut -c1-16)\""
[[ "$etag" == "$want" ]] || fail "ETag $etag, expected $want"
[[ "$(header Content-Type)" == application/xml ]] || fail "Content-Type '$(header Content-Type)'"
[[ -n "$(header Last-Modified)" ]] || fail "no Last-Modified"
cmp -s "$tmp/body" "$tmp/root/feed.xml" || fail "GET /feed.xml: body differs from the file"

# 304 with If-None-Match, and with If-Modified-Since
code="$(fetch /feed.xml -H "If-None-Match: $etag")"
[[ "$code" == 304 ]] || fail "If-None-Match: status $code, expected 304"
[[ ! -s "$tmp/body" ]] || fail "304 carried a body"
[[ -z "$(header Content-Length)" ]] || fail "304 carried a Content-Length"
[[ "$(header ETag)" == "$etag" ]] || fail "304 without the ETag"
code="$(fetch /feed.xml -H "If-Modified-Since: $(date -u -R -d '+1 minute' | sed 's/+0000/GMT/')")"
[[ "$code" == 304 ]] || fail "If-Modified-Since in the future: status $code, expected 304"
code="$(fetch /feed.xml -H 'If-None-Match: "0000000000000000"')"
[[ "$code" == 200 ]] || fail "stale If-None-Match: status $code, expected 200"

# the file is read on every request
echo "<!-- changed -->" >>"$tmp/root/feed.xml"
code="$(fetch /feed.xml -H "If-None-Match: $etag")"
[[ "$code" == 200 ]] || fail "after a rewrite the old ETag got $code, expected 200"
[[ "$(header ETag)" != "$etag" ]] || fail "ETag did not change after a rewrite"
cmp -s "$tmp/body" "$tmp/root/feed.xml" || fail "body after a rewrite is stale"

# gzip
code="$(fetch /feed.xml --compressed)"
[[ "$code" == 200 ]] || fail "--compressed: status $code"
[[ "$(header Content-Encoding)" == gzip ]] || fail "--compressed: Content-Encoding '$(header Content-Encoding)'"
[[ "$(header Vary)" == Accept-Encoding ]] || fail "--compressed: Vary '$(header Vary)'"
cmp -s "$tmp/body" "$tmp/root/feed.xml" || fail "--compressed: decoded body differs from the file"
[[ "$(stat_of /feed.xml gzip)" == 1 ]] || fail "stats: gzip count $(stat_of /feed.xml gzip), expected 1"

# redirects
out="$(curl -sS -L -o "$tmp/body" -w '%{http_code} %{num_redirects} %{url_effective}' "$base/redirect/3/feed.xml")"
[[ "$out" == "200 3 $base/feed.xml" ]] || fail "/redirect/3/feed.xml with -L: '$out', expected '200 3 $base/feed.xml'"
cmp -s "$tmp/body" "$tmp/root/feed.xml" || fail "redirected body differs from the file"
out="$(curl -sS -L -o /dev/null -w '%{http_code} %{num_redirects}' --max-redirs 2 "$base/redirect/3/feed.xml" 2>/dev/null || true)"
[[ "$out" == "302 2" ]] || fail "/redirect/3 with --max-redirs 2: '$out', expected '302 2'"
code="$(fetch /redirect-abs/2/feed.xml)"
[[ "$code" == 302 && "$(header Location)" == "$base/redirect-abs/1/feed.xml" ]] \
    || fail "/redirect-abs/2: $code Location '$(header Location)'"
out="$(curl -sS -L -o /dev/null -w '%{http_code} %{num_redirects}' "$base/redirect-abs/2/feed.xml")"
[[ "$out" == "200 2" ]] || fail "/redirect-abs/2 with -L: '$out'"

# fixed statuses, path escapes
code="$(fetch /gone/feed.xml)"
[[ "$code" == 410 ]] || fail "/gone/feed.xml: status $code, expected 410"
code="$(fetch /status/503/feed.xml)"
[[ "$code" == 503 ]] || fail "/status/503/feed.xml: status $code, expected 503"
code="$(fetch /missing.xml)"
[[ "$code" == 404 ]] || fail "/missing.xml: status $code, expected 404"
code="$(fetch /../../../../etc/passwd --path-as-is)"
[[ "$code" == 404 ]] || fail "/../../etc/passwd: status $code, expected 404"
code="$(fetch /%2e%2e/%2e%2e/etc/passwd --path-as-is)"
[[ "$code" == 404 ]] || fail "/%2e%2e/etc/passwd: status $code, expected 404"

# flaky
got=""
for _ in 1 2 3; do got="$got $(fetch /flaky/2/feed.xml)"; done
[[ "$got" == " 500 500 200" ]] || fail "/flaky/2/feed.xml answered$got, expected 500 500 200"
cmp -s "$tmp/body" "$tmp/root/feed.xml" || fail "/flaky/2 third body differs from the file"

# slow / drip time out on the client side
rc=0; curl -sS -o /dev/null --max-time 0.5 "$base/slow/3/feed.xml" 2>/dev/null || rc=$?
[[ "$rc" == 28 ]] || fail "/slow/3 with --max-time 0.5: curl exit $rc, expected 28 (timeout)"
rc=0; out="$(curl -sS -o "$tmp/drip" -w '%{http_code}' --max-time 2.5 "$base/drip/feed.xml" 2>/dev/null)" || rc=$?
[[ "$rc" == 28 && "$out" == 200 ]] || fail "/drip with --max-time 2.5: exit $rc status '$out', expected 28 after 200"
size="$(stat -c %s "$tmp/drip")"
[[ "$size" -ge 1 && "$size" -le 3 ]] || fail "/drip delivered $size bytes in 2.5 s, expected 1-3"

# sidecar headers: added to the 200 and the 304, Content-Type replaced, bad line 500
printf '<html><head><title>page</title></head><body>page</body></html>\n' >"$tmp/root/page.html"
printf 'Link: </receive/side>; rel="webmention"\n\nX-Sidecar: yes, a value\r\nContent-Type: application/xhtml+xml\n' \
    >"$tmp/root/page.html.headers"
code="$(fetch /page.html)"
[[ "$code" == 200 ]] || fail "GET /page.html: status $code"
[[ "$(header Link)" == '</receive/side>; rel="webmention"' ]] || fail "sidecar: Link '$(header Link)'"
[[ "$(header X-Sidecar)" == "yes, a value" ]] || fail "sidecar: X-Sidecar '$(header X-Sidecar)'"
[[ "$(header Content-Type)" == application/xhtml+xml ]] || fail "sidecar: Content-Type '$(header Content-Type)'"
[[ "$(grep -ci '^content-type:' "$tmp/hdr")" == 1 ]] || fail "sidecar: Content-Type sent more than once"
cmp -s "$tmp/body" "$tmp/root/page.html" || fail "sidecar: body differs from the file"
code="$(fetch /page.html -H "If-None-Match: $(header ETag)")"
[[ "$code" == 304 && "$(header X-Sidecar)" == "yes, a value" ]] || fail "sidecar on 304: $code X-Sidecar '$(header X-Sidecar)'"
[[ "$(header Link)" == '</receive/side>; rel="webmention"' ]] || fail "sidecar on 304: Link '$(header Link)'"
code="$(fetch /feed.xml)"
[[ -z "$(header X-Sidecar)" && -z "$(header Link)" ]] || fail "a file without a sidecar got its headers"
echo 'no colon here' >"$tmp/root/page.html.headers"
code="$(fetch /page.html)"
[[ "$code" == 500 ]] || fail "malformed sidecar: status $code, expected 500"

# /link/VALUE/REST
code="$(fetch '/link/%3C%2Freceive%2Fwm%3E%3B%20rel%3D%22webmention%22/feed.xml')"
[[ "$code" == 200 ]] || fail "/link/.../feed.xml: status $code"
[[ "$(header Link)" == '</receive/wm>; rel="webmention"' ]] || fail "/link/: Link '$(header Link)'"
cmp -s "$tmp/body" "$tmp/root/feed.xml" || fail "/link/: body differs from the file"
code="$(fetch '/link/%3Chttp%3A%2F%2Fx%2F%3E/gone/feed.xml')"
[[ "$code" == 410 && "$(header Link)" == '<http://x/>' ]] || fail "/link/ before /gone/: $code Link '$(header Link)'"
code="$(fetch '/link/a%0D%0AX-Injected%3A%201/feed.xml')"
[[ "$code" == 400 && -z "$(header X-Injected)" ]] || fail "/link/ with CR LF: status $code, expected 400"

# /receive/NAME, /received/NAME
code="$(fetch /receive/wm --data 'source=http%3A%2F%2Fa.example%2Fs&target=http%3A%2F%2Fb.example%2Ft&x=1&x=2')"
[[ "$code" == 202 && "$(cat "$tmp/body")" == accepted ]] || fail "POST /receive/wm: $code '$(cat "$tmp/body")', expected 202 accepted"
code="$(fetch '/receive/wm?status=503' -H 'Content-Type: application/json' --data-binary '{"k": "v"}')"
[[ "$code" == 503 ]] || fail "POST /receive/wm?status=503: status $code"
code="$(fetch /receive/wm)"
[[ "$code" == 405 ]] || fail "GET /receive/wm: status $code, expected 405"
head -c 1100000 /dev/zero >"$tmp/huge"
code="$(fetch /receive/wm --data-binary @"$tmp/huge" 2>/dev/null || true)"
[[ "$code" == 413 ]] || fail "POST /receive/wm of 1.1 MB: status $code, expected 413"
code="$(fetch /receive/other_1 -X POST)"
[[ "$code" == 202 ]] || fail "POST /receive/other_1 without a body: status $code"
curl -sS "$base/received/wm" >"$tmp/received.json"
python3 - "$tmp/received.json" <<'EOF' || fail "/received/wm does not hold the two POSTs: $(cat "$tmp/received.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 2, r
assert r[0] == {"content_type": "application/x-www-form-urlencoded",
                "body": "source=http%3A%2F%2Fa.example%2Fs&target=http%3A%2F%2Fb.example%2Ft&x=1&x=2",
                "form": {"source": "http://a.example/s", "target": "http://b.example/t", "x": "1"}}, r[0]
assert r[1] == {"content_type": "application/json", "body": '{"k": "v"}', "form": None}, r[1]
EOF
out="$(curl -sS "$base/received/other_1" | python3 -c 'import json, sys; r = json.load(sys.stdin); print(len(r), repr(r[0]["body"]))')"
[[ "$out" == "1 ''" ]] || fail "/received/other_1: '$out', expected one empty body"
[[ "$(curl -sS "$base/received/nobody" | tr -d ' \n')" == "[]" ]] || fail "/received/nobody is not []"

# /hang/: not a byte, other requests answered meanwhile, the handler lets go of a client
# that leaves
threads() { ls "/proc/$pid/task" 2>/dev/null | wc -l; }
before="$(threads)"
start="$(date +%s%N)"
curl -sS -o "$tmp/hang" -w '%{http_code} %{size_download} %{size_header}' -m 2 "$base/hang/feed.xml" \
    >"$tmp/hang.out" 2>/dev/null &
hang_pid=$!
sleep 0.3
code="$(fetch /feed.xml -m 1)"
[[ "$code" == 200 ]] || fail "GET /feed.xml while a /hang/ is open: status $code"
kill -0 "$hang_pid" 2>/dev/null || fail "the /hang/ request ended before its 2 s"
rc=0; wait "$hang_pid" || rc=$?
hang_pid=""
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[[ "$rc" == 28 ]] || fail "/hang/ with -m 2: curl exit $rc, expected 28 (timeout)"
[[ "$(cat "$tmp/hang.out")" == "000 0 0" && ! -s "$tmp/hang" ]] \
    || fail "/hang/ sent something: '$(cat "$tmp/hang.out")' (status, body bytes, header bytes)"
[[ "$ms" -ge 1900 && "$ms" -lt 3000 ]] || fail "/hang/ with -m 2 ended after $ms ms"
if [[ -d "/proc/$pid/task" ]]; then
    for _ in $(seq 20); do
        [[ "$(threads)" -le "$before" ]] && break
        sleep 0.1
    done
    [[ "$(threads)" -le "$before" ]] \
        || fail "/hang/ handler still running 2 s after its client left ($(threads) threads, $before before)"
fi

# big
out="$(curl -sS -o "$tmp/big" -D "$tmp/hdr" -w '%{http_code} %{size_download}' "$base/big/2")"
read -r code size <<<"$out"
[[ "$code" == 200 ]] || fail "/big/2: status $code"
[[ "$size" -ge 2000000 ]] || fail "/big/2: only $size bytes"
[[ -z "$(header Content-Length)" ]] || fail "/big/2 declared a Content-Length"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$tmp/big" \
    || fail "/big/2 is not well-formed XML"
out="$(curl -sS -o /dev/null -D "$tmp/hdr" -w '%{http_code} %{size_download}' "$base/big-declared/1")"
[[ "$out" == "200 1048576" && "$(header Content-Length)" == 1048576 ]] \
    || fail "/big-declared/1: '$out' Content-Length '$(header Content-Length)', expected 1048576"
rc=0; curl -sS -o /dev/null --max-filesize 100000 "$base/big-declared/5" 2>/dev/null || rc=$?
[[ "$rc" == 63 ]] || fail "/big-declared/5 with --max-filesize: curl exit $rc, expected 63"

# stats
curl -sS -A "selftest-agent/1" -o /dev/null "$base/feed.xml"
curl -sS "$base/stats" >"$tmp/stats.json"
python3 - "$tmp/stats.json" <<'EOF' || fail "/stats JSON does not hold the expected counters"
import json, sys
s = json.load(open(sys.argv[1]))
f = s["/feed.xml"]
assert f["user_agent"] == "selftest-agent/1", f
assert f["if_none_match"] is None and f["if_modified_since"] is None, f
assert f["requests"] == f["200"] + f["304"] + f["other"], f
assert f["304"] == 2 and f["gzip"] == 1, f
assert s["/flaky/2/feed.xml"]["requests"] == 3 and s["/flaky/2/feed.xml"]["other"] == 2, s
assert s["/gone/feed.xml"]["other"] == 1, s
assert s["/receive/wm"]["requests"] == 4 and s["/receive/wm"]["other"] == 4, s
assert s["/hang/feed.xml"]["requests"] == 1 and s["/hang/feed.xml"]["other"] == 1, s
assert s["/page.html"]["200"] == 1 and s["/page.html"]["304"] == 1, s
assert "/stats" not in s and "/received/wm" not in s, s
EOF
code="$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$base/reset")"
[[ "$code" == 204 ]] || fail "POST /reset: status $code, expected 204"
[[ "$(curl -sS "$base/stats" | tr -d ' \n')" == "{}" ]] || fail "stats not empty after /reset"
[[ "$(fetch /flaky/2/feed.xml)" == 500 ]] || fail "/reset did not reset the flaky counter"
[[ "$(curl -sS "$base/received/wm" | tr -d ' \n')" == "[]" ]] || fail "/reset did not clear /received/wm"

# SIGTERM stops it within 2 s, exit 0, even with a /hang/ connection open
curl -sS -o /dev/null -m 20 "$base/hang/x" 2>/dev/null &
hang_pid=$!
sleep 0.3
kill -TERM "$pid"
for _ in $(seq 20); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "server still running 2 s after SIGTERM (a /hang/ open)"
rc=0; wait "$pid" || rc=$?
pid=""
[[ "$rc" == 0 ]] || fail "server exited with status $rc after SIGTERM"
for _ in $(seq 10); do
    kill -0 "$hang_pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$hang_pid" 2>/dev/null && fail "the /hang/ client still connected 1 s after the server stopped"
rc=0; wait "$hang_pid" || rc=$?
hang_pid=""
[[ "$rc" == 52 ]] || fail "the /hang/ client at SIGTERM: curl exit $rc, expected 52 (empty reply)"
[[ ! -s "$tmp/server.err" ]] || fail "server wrote to stderr"

echo "feedserver selftest: ok"
