#!/usr/bin/env bash
# A real Webmention client from PyPI for tests: sends one Webmention with ronkyuu 0.9
# (https://github.com/bear/ronkyuu), which discovers the endpoint on the target itself
# (HTTP Link header first, then <link>/<a rel="webmention"> in the HTML) and POSTs
# source= and target= form-encoded to it.
#
# Usage: scripts/webmention-client.sh VENV_DIR SOURCE_URL TARGET_URL
#
# VENV_DIR is a virtualenv kept between runs: when VENV_DIR/bin/python is missing or
# cannot import ronkyuu, it is (re)created with python3 -m venv and ronkyuu installed
# with pip (the ronkyuu 0.9 wheel declares no dependencies, so its imports, requests,
# beautifulsoup4 and html5lib, are installed beside it). Concurrent runs on one VENV_DIR
# install once (flock, where there is one).
#
# Prints one line on stdout: endpoint=<discovered endpoint URL or none> status=<HTTP
# status of the POST or none>. Exit status:
#   0  a POST was made and answered 2xx
#   1  otherwise (no endpoint, a failed request, a non-2xx answer, or 60 s passed:
#      ronkyuu's GET of the target has no timeout); ronkyuu's debug output goes to stderr
#   2  usage
#   3  ronkyuu cannot be installed here (no network, no venv module...): one line on
#      stderr, "webmention-client: cannot install ronkyuu: <last line of the output>"
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 VENV_DIR SOURCE_URL TARGET_URL" >&2
    exit 2
fi
venv="$1"
source_url="$2"
target_url="$3"
packages=(ronkyuu==0.9 requests==2.32.3 beautifulsoup4==4.12.3 html5lib==1.1)

usable() {
    [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import ronkyuu' >/dev/null 2>&1
}

if ! usable; then
    mkdir -p "$venv"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$venv/.webmention-client.lock"
        flock 9
    fi
    if ! usable; then  # not installed meanwhile by a concurrent run
        log="$(mktemp)"
        trap 'rm -f "$log"' EXIT
        if ! { python3 -m venv "$venv" &&
               "$venv/bin/pip" install --quiet --disable-pip-version-check --timeout 30 \
                   --retries 2 "${packages[@]}"; } >"$log" 2>&1 || ! usable; then
            last="$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 || true)"
            echo "webmention-client: cannot install ronkyuu: ${last:-ronkyuu does not import}" >&2
            exit 3
        fi
    fi
    if command -v flock >/dev/null 2>&1; then
        exec 9>&-
    fi
fi

rc=0
"$venv/bin/python" - "$source_url" "$target_url" <<'EOF' || rc=$?
import re
import signal
import sys

import ronkyuu

source, target = sys.argv[1], sys.argv[2]
debug = []  # ronkyuu's
notes = []  # ours


def give_up(signum, frame):
    notes.append("gave up after 60 s")
    raise TimeoutError("gave up after 60 s")


signal.signal(signal.SIGALRM, give_up)
signal.alarm(60)  # ronkyuu GETs the target without a timeout
result = None
try:
    result, debug = ronkyuu.sendWebmention(source, target, test_urls=False, timeout=15,
                                           debug=True)
except Exception as e:  # what ronkyuu does not catch itself
    notes.append("%s: %s" % (type(e).__name__, e))
signal.alarm(0)

endpoint = None
for line in debug:
    m = re.match(r"endpointURL: (.*) \(status: .*\)\Z", line)
    if m and m.group(1) != "None":
        endpoint = m.group(1)
status = result.status_code if result is not None else None
print("endpoint=%s status=%s" % (endpoint or "none", status if status is not None else "none"),
      flush=True)
if status is not None and 200 <= status <= 299:
    sys.exit(0)
for line in debug:
    print("ronkyuu: %s" % line, file=sys.stderr)
for line in notes:
    print("webmention-client: %s" % line, file=sys.stderr)
sys.exit(1)
EOF
exit "$rc"
