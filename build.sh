#!/usr/bin/env bash
# Publishes Pulse with Native AOT for each architecture and assembles the layer zips in dist/.
#   ./build.sh [x86_64|arm64|all]      (default: all)
# Fails loudly when a binary has the wrong ELF machine, needs a glibc newer than 2.34
# (the provided.al2023 ceiling), or is over the size ceilings.
set -euo pipefail
cd "$(dirname "$0")"

ARCHES=${1:-all}
[ "$ARCHES" = all ] && ARCHES="x86_64 arm64"
DIST=dist
GLIBC_CEILING=2.34
MAX_BINARY=$((8 * 1000 * 1000))     # hard ceiling (bytes)
MAX_ZIP=$((3500 * 1000))
TARGET_BINARY=$((5 * 1000 * 1000))  # what we aim for
TARGET_ZIP=$((2500 * 1000))

say()  { printf '[build] %s\n' "$*"; }
fail() { printf '[build] FAILED: %s\n' "$*" >&2; exit 1; }
mb()   { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1000000 }'; }

# The arm64 cross link needs Debian's cross toolchain and a compiler named clang (notes/toolchain.md §3).
ensure_arm64_toolchain() {
  local missing=()
  command -v aarch64-linux-gnu-ld.bfd >/dev/null || missing+=(binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu)
  [ -e /usr/aarch64-linux-gnu/lib/crti.o ] || missing+=(libc6-dev-arm64-cross)
  if ! command -v clang >/dev/null && ! command -v clang-14 >/dev/null; then missing+=(clang); fi
  command -v llvm-objcopy >/dev/null || ls /usr/bin/llvm-objcopy-* >/dev/null 2>&1 || missing+=(llvm)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing the arm64 cross toolchain: ${missing[*]}"
    [ "$(id -u)" = 0 ] || fail "need root to apt-get install ${missing[*]} (or install them yourself)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

elf_machine() { od -An -j18 -N2 -tu2 "$1" | tr -d ' '; }   # e_machine: 62 = x86-64, 183 = AArch64

newest_glibc() {
  # Every GLIBC_x.y version the binary references, highest first.
  strings -a "$1" | grep -oE '^GLIBC_[0-9]+\.[0-9]+(\.[0-9]+)?$' | sed 's/GLIBC_//' | sort -uV | tail -n1
}

build_one() {
  local arch=$1 rid machine_expected machine_name extra=()
  case "$arch" in
    x86_64) rid=linux-x64;   machine_expected=62;  machine_name=x86-64 ;;
    arm64)  rid=linux-arm64; machine_expected=183; machine_name=AArch64
            ensure_arm64_toolchain
            command -v clang >/dev/null || extra+=(-p:CppCompilerAndLinker=clang-14)
            if ! command -v llvm-objcopy >/dev/null; then
              local oc; oc=$(ls /usr/bin/llvm-objcopy-* 2>/dev/null | sort -V | tail -n1)
              [ -n "$oc" ] && extra+=(-p:ObjCopyName="$oc")
            fi ;;
    *) fail "unknown architecture '$arch' (expected x86_64, arm64 or all)" ;;
  esac

  local out="$DIST/publish/$arch"
  say "publishing $arch ($rid) with Native AOT"
  rm -rf "$out"
  dotnet publish extension/Pulse.csproj -c Release -r "$rid" -o "$out" --nologo -v quiet \
    -p:StripSymbols=true "${extra[@]}" >"$DIST/publish-$arch.log" 2>&1 \
    || { tail -n 40 "$DIST/publish-$arch.log" >&2; fail "dotnet publish for $arch (log: $DIST/publish-$arch.log)"; }
  local bin="$out/pulse"
  [ -f "$bin" ] || fail "no binary at $bin"

  local machine; machine=$(elf_machine "$bin")
  [ "$machine" = "$machine_expected" ] || fail "$bin has ELF machine $machine, expected $machine_expected ($machine_name)"

  local glibc; glibc=$(newest_glibc "$bin")
  if [ -n "$glibc" ] && [ "$(printf '%s\n%s\n' "$glibc" "$GLIBC_CEILING" | sort -V | tail -n1)" != "$GLIBC_CEILING" ]; then
    fail "$bin needs GLIBC_$glibc, newer than GLIBC_$GLIBC_CEILING (provided.al2023)"
  fi

  # Layer layout: exactly extensions/pulse, mode 0755; fixed timestamps keep the zip reproducible.
  local stage="$DIST/layer-$arch" zip="$DIST/pulse-$arch.zip"
  rm -rf "$stage" "$zip"; mkdir -p "$stage/extensions"
  cp "$bin" "$stage/extensions/pulse"; chmod 0755 "$stage/extensions/pulse"
  touch -d '2020-01-01 00:00:00' "$stage/extensions" "$stage/extensions/pulse"
  (cd "$stage" && zip -q -9 -X -r "../pulse-$arch.zip" extensions)

  local bsize zsize; bsize=$(stat -c %s "$bin"); zsize=$(stat -c %s "$zip")
  say "$arch: binary $(mb "$bsize") (target $(mb $TARGET_BINARY), ceiling $(mb $MAX_BINARY)); zip $(mb "$zsize") (target $(mb $TARGET_ZIP), ceiling $(mb $MAX_ZIP)); ELF $machine_name; newest glibc symbol GLIBC_${glibc:-none}"
  [ "$bsize" -le "$TARGET_BINARY" ] || say "$arch: binary is over the $(mb $TARGET_BINARY) target"
  [ "$zsize" -le "$TARGET_ZIP" ] || say "$arch: zip is over the $(mb $TARGET_ZIP) target"
  [ "$bsize" -le "$MAX_BINARY" ] || fail "$bin is $(mb "$bsize"), over the $(mb $MAX_BINARY) ceiling"
  [ "$zsize" -le "$MAX_ZIP" ] || fail "$zip is $(mb "$zsize"), over the $(mb $MAX_ZIP) ceiling"
}

command -v zip >/dev/null || { say "installing zip"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zip >/dev/null; }
mkdir -p "$DIST"
for a in $ARCHES; do build_one "$a"; done
say "done: $(cd "$DIST" && ls pulse-*.zip | tr '\n' ' ')"
