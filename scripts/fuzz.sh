#!/usr/bin/env bash
# Fuzzes parse + classify + trim + HTML-to-text with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz.sh [SECONDS]            fuzz for SECONDS (default 600), output as it comes
#   scripts/fuzz.sh --smoke [SECONDS]    short run for `make test` (default 20): quiet,
#                                        a fresh scratch corpus, one summary line at the end
#
# ParleyMail's reading code is compiled straight with swiftc (SwiftPM cannot give one
# product -sanitize=fuzzer without giving it to every dependency). The reading path is
# every Swift file of the module that does not import ParleyCore: ParleyCore needs
# swift-crypto, so it cannot be compiled in, and only the writers (message building)
# need it. The script checks that every file it leaves out is a writer (the
# `writer_files` patterns below) and stops, naming the file, when a file on the
# reading path starts to import ParleyCore, rather than fuzz a subset silently.
#
# The build is reused while nothing it is made of changed (a hash of the sources, the
# fuzz target, the shims, the flags, swiftc and the C libraries' flags). Seeds: every
# .eml under Tests/, everything under Fuzz/regressions/ (inputs that once found a bug)
# and ../shared/corpus when present; they are copied, so that libFuzzer never writes
# into the source tree. Findings land in .build-fuzz/findings/ (smoke: .build-fuzz/
# smoke/findings/) as crash-*, leak-*, timeout-*, oom-*; reproduce one with
# `.build-fuzz/mail-fuzz FILE`, shrink it with `.build-fuzz/mail-fuzz -minimize_crash=1
# -runs=100000 FILE`. The exit status is libFuzzer's: non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
if [ "${1:-}" = --smoke ]; then smoke=1; shift; fi
seconds="${1:-$([ "$smoke" = 1 ] && echo 20 || echo 600)}"
case "$seconds" in
  ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [--smoke] [SECONDS]" >&2; exit 2 ;;
esac
out=.build-fuzz
say() { echo "fuzz.sh: $*"; }
die() { echo "fuzz.sh: error: $*" >&2; exit 1; }

# --- What to compile ------------------------------------------------------------------
# Files allowed to need ParleyCore: the writers, which build outgoing mail and are not
# on the reading path. Shell patterns relative to Sources/ParleyMail.
writer_files=('MIME/MessageBuilder.swift' 'MIME/MessageBuilder+*.swift'
              'MIME/OutgoingMail.swift' 'MIME/OutgoingMail+*.swift' 'MIME/*Writer*.swift')
# `import ParleyCore` in any spelling: attributes (@_spi, @_exported, @testable,
# @preconcurrency, @_implementationOnly), access levels, `import struct ParleyCore.X`.
imports_core='^[[:space:]]*(@[A-Za-z_]+(\([^)]*\))?[[:space:]]+)*((public|package|internal|fileprivate|private)[[:space:]]+)?import[[:space:]]+((typealias|struct|class|enum|protocol|let|var|func)[[:space:]]+)?ParleyCore([.[:space:]]|$)'

all=()
while IFS= read -r f; do all+=("$f"); done < <(find Sources/ParleyMail -name '*.swift' | LC_ALL=C sort)
[ "${#all[@]}" -gt 0 ] || die "no Swift files under Sources/ParleyMail"
sources=()
while IFS= read -r f; do sources+=("$f"); done < <(grep -LE "$imports_core" "${all[@]}")
left_out=()
while IFS= read -r f; do left_out+=("$f"); done < <(grep -lE "$imports_core" "${all[@]}" || true)

is_writer() {
  local rel=${1#Sources/ParleyMail/} pattern
  for pattern in "${writer_files[@]}"; do
    # shellcheck disable=SC2053
    [[ $rel == $pattern ]] && return 0
  done
  return 1
}
bad=()
for f in "${left_out[@]+"${left_out[@]}"}"; do is_writer "$f" || bad+=("$f"); done
if [ "${#bad[@]}" -gt 0 ]; then
  {
    echo "fuzz.sh: error: the fuzz build compiles ParleyMail without ParleyCore (which needs"
    echo "swift-crypto), and these files, which are not writers, import ParleyCore:"
    printf '    %s\n' "${bad[@]}"
    echo "Leaving them out would fuzz less than the reading path, so the build stops here."
    echo "Either keep the reading code free of ParleyCore (move what it needs into"
    echo "ParleyMail, or the ParleyCore-using part into a writer file), or, if the file"
    echo "really only builds outgoing mail, add its name to writer_files in scripts/fuzz.sh."
  } >&2
  exit 1
fi
if [ ! -f Sources/CGMime/module.modulemap ] || [ ! -f Sources/CLibXML2/module.modulemap ]; then
  die "the shim modules Sources/CGMime and Sources/CLibXML2 are gone: update scripts/fuzz.sh"
fi
for pc in gmime-3.0 libxml-2.0; do
  pkg-config --exists "$pc" || die "pkg-config cannot find $pc (install libgmime-3.0-dev and libxml2-dev: make deps)"
done

xcc=()
for flag in $(pkg-config --cflags gmime-3.0 libxml-2.0); do xcc+=(-Xcc "$flag"); done
read -r -a libs <<< "$(pkg-config --libs gmime-3.0 libxml-2.0)"
sanitize=(-sanitize=fuzzer,address -g -Onone)
compile=(swiftc "${sanitize[@]}" -parse-as-library -wmo -module-name ParleyMail -package-name Parley
  -I Sources/CGMime -I Sources/CLibXML2 "${xcc[@]}")
link=(swiftc "${sanitize[@]}" -parse-as-library -I Sources/CGMime -I Sources/CLibXML2 "${xcc[@]}")
# The toolchain's lld, when it has one: gold prints a warning per ASan helper symbol (141).
if [ -x "$(dirname "$(command -v swiftc)")/ld.lld" ]; then link+=(-use-ld=lld); fi

# --- Build, unless the one in .build-fuzz is made of exactly these inputs -----------------
mkdir -p "$out"
exec 9> "$out/build.lock"
flock 9   # two runs at once (make test during a long run) must not build over each other
stamp=$(
  { printf '%s\n' "${compile[*]}" "${link[*]}" "${libs[*]}"
    swiftc --version 2>&1
    sha256sum "${sources[@]}" Fuzz/MailFuzz.swift Sources/CGMime/* Sources/CLibXML2/*
  } | sha256sum | cut -c1-64)
if [ -x "$out/mail-fuzz" ] && [ "$(cat "$out/build.sha256" 2>/dev/null)" = "$stamp" ]; then
  say "build up to date (${#sources[@]} files of ParleyMail)"
else
  rm -f "$out/build.sha256"
  rm -rf "$out/obj"; mkdir -p "$out/obj"
  say "compiling ParleyMail's reading path (${#sources[@]} files; left out, the writers: ${left_out[*]+"${left_out[*]#Sources/ParleyMail/}"}) with coverage + ASan"
  if ! nice -n 10 "${compile[@]}" -emit-module -emit-module-path "$out/obj/ParleyMail.swiftmodule" \
       -emit-library -static "${sources[@]}" -o "$out/obj/libParleyMail.a"; then
    die "compiling ParleyMail's reading path failed. If a file uses something only a writer
defines (left out above), move that into reading code; if it is 'no such module', ParleyMail
has a new dependency that scripts/fuzz.sh must add to its swiftc command."
  fi
  say "linking the fuzz target"
  nice -n 10 "${link[@]}" -I "$out/obj" Fuzz/MailFuzz.swift -L "$out/obj" -lParleyMail "${libs[@]}" \
    -o "$out/mail-fuzz.tmp" || die "linking Fuzz/MailFuzz.swift failed"
  mv -f "$out/mail-fuzz.tmp" "$out/mail-fuzz"
  echo "$stamp" > "$out/build.sha256"
fi
flock -u 9

# --- Seeds ---------------------------------------------------------------------------
# Copied, never linked, and named by content hash (as libFuzzer names its own).
if [ "$smoke" = 1 ]; then run="$out/smoke"; else run="$out"; fi
seeds="$run/seeds"
rm -rf "$seeds"; mkdir -p "$seeds"
seed() { while IFS= read -r -d '' f; do cp "$f" "$seeds/$(sha1sum < "$f" | cut -c1-40)"; done; }
seed < <(find Tests -name '*.eml' -print0)
[ -n "$(ls -A "$seeds")" ] || die "no .eml fixtures found under Tests/ to seed from"
if [ -d Fuzz/regressions ]; then seed < <(find Fuzz/regressions -type f ! -name '*.md' -print0); fi
if [ -d ../shared/corpus ]; then
  seed < <(find ../shared/corpus -name '*.eml' -print0)
else
  say "note: ../shared/corpus not present, seeding from the repository's fixtures only"
fi
nseeds=$(find "$seeds" -type f | wc -l)

limits=(-rss_limit_mb=4096 -timeout=10 -max_len=262144 -print_final_stats=1)

if [ "$smoke" = 0 ]; then
  mkdir -p "$out/corpus" "$out/findings"
  say "fuzzing for ${seconds}s ($nseeds seeds)"
  exec "$out/mail-fuzz" "$out/corpus" "$seeds" -max_total_time="$seconds" "${limits[@]}" \
    -artifact_prefix="$out/findings/"
fi

# --- Smoke: quiet, fresh corpus, one line of summary ------------------------------------
rm -rf "$run/corpus" "$run/findings"; mkdir -p "$run/corpus" "$run/findings"
log="$run/fuzz.log"
say "smoke: fuzzing for ${seconds}s ($nseeds seeds), log in $log"
start=$SECONDS
status=0
"$out/mail-fuzz" "$run/corpus" "$seeds" -max_total_time="$seconds" "${limits[@]}" \
  -artifact_prefix="$run/findings/" > "$log" 2>&1 || status=$?
elapsed=$((SECONDS - start))
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
findings=()
while IFS= read -r f; do findings+=("$f"); done < <(find "$run/findings" -type f | LC_ALL=C sort)
if [ "$status" -ne 0 ] || [ "${#findings[@]}" -gt 0 ]; then
  tail -n 60 "$log" >&2
  echo "fuzz.sh: libFuzzer exited with status $status; findings:" >&2
  for f in "${findings[@]+"${findings[@]}"}"; do echo "    $f   (reproduce: $out/mail-fuzz $f)" >&2; done
  n=${#findings[@]}; [ "$n" = 1 ] && noun=crash || noun=crashes
  echo "fuzz smoke: ${runs:-?} runs in $elapsed s, $n $noun (FAILED, libFuzzer status $status)"
  [ "$status" -ne 0 ] || status=1
  exit "$status"
fi
echo "fuzz smoke: ${runs:-?} runs in $elapsed s, 0 crashes"
