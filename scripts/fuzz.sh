#!/usr/bin/env bash
# Fuzzes parse + classify + trim + HTML-to-text with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz.sh [SECONDS]        (default 600)
#
# ParleyMail's reading code is compiled straight with swiftc (SwiftPM cannot give one
# product -sanitize=fuzzer without giving it to every dependency): every Swift file of
# the module except the writers (MessageBuilder, OutgoingMail), which need ParleyCore
# and are not on the reading path. Reply/ is included once the module stops excluding
# it (Placeholders.swift gone). The seed corpus is every fixture .eml in the repository
# plus ../shared/corpus when present. Findings land in .build-fuzz/findings/
# (crash-*, timeout-*, oom-*); reproduce one with `.build-fuzz/mail-fuzz FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
out=.build-fuzz
mkdir -p "$out/obj" "$out/corpus" "$out/seeds" "$out/findings"

sources=()
while IFS= read -r f; do sources+=("$f"); done < <(
  find Sources/ParleyMail -name '*.swift' \
    ! -name MessageBuilder.swift ! -name OutgoingMail.swift | sort |
  if [ -f Sources/ParleyMail/Placeholders.swift ]; then grep -v '^Sources/ParleyMail/Reply/'; else cat; fi)

xcc=()
for flag in $(pkg-config --cflags gmime-3.0 libxml-2.0); do xcc+=(-Xcc "$flag"); done
libs=$(pkg-config --libs gmime-3.0 libxml-2.0)
sanitize=(-sanitize=fuzzer,address -g -Onone)

echo "== compiling ParleyMail (${#sources[@]} files) with coverage + ASan"
swiftc "${sanitize[@]}" -parse-as-library -wmo -module-name ParleyMail \
  -I Sources/CGMime -I Sources/CLibXML2 "${xcc[@]}" \
  -emit-module -emit-module-path "$out/obj/ParleyMail.swiftmodule" \
  -emit-library -static "${sources[@]}" -o "$out/obj/libParleyMail.a"
echo "== linking the fuzz target"
# shellcheck disable=SC2086
swiftc "${sanitize[@]}" -parse-as-library -I "$out/obj" -I Sources/CGMime -I Sources/CLibXML2 "${xcc[@]}" \
  Fuzz/MailFuzz.swift -L "$out/obj" -lParleyMail $libs -o "$out/mail-fuzz"

# Seeds: copied (not linked) so that libFuzzer never writes into the source tree.
# Named by content hash, as libFuzzer names its own, so equal names never clash.
seed() { while IFS= read -r -d '' f; do cp "$f" "$out/seeds/$(sha1sum < "$f" | cut -c1-40)"; done; }
seed < <(find Tests -name '*.eml' -print0)
if [ -d ../shared/corpus ]; then
  seed < <(find ../shared/corpus -name '*.eml' -print0)
else
  echo "note: ../shared/corpus not present, seeding from the repository's fixtures only"
fi
echo "== fuzzing for ${seconds}s ($(ls "$out/seeds" | wc -l) seeds)"
"$out/mail-fuzz" "$out/corpus" "$out/seeds" \
  -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 -max_len=262144 \
  -artifact_prefix="$out/findings/" -print_final_stats=1
