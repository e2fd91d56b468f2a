#!/usr/bin/env bash
# Builds the base image of the Docker tests from local files, with no registry: a static busybox
# (shell and coreutils) plus the host's glibc (libc, libm, the dynamic loader), which is all a
# Native AOT binary needs, and the Lambda directories. `docker import` takes about a second.
#   PULSE_TEST_BASE_IMAGE  the image the tests build on (default pulse-test/lambda-base:local).
#     Only the default name is built here; any other name (e.g. public.ecr.aws/lambda/provided:al2023)
#     is left to the engine to pull. Set PULSE_TEST_BASE_REBUILD=1 to rebuild the local one.
set -euo pipefail
image=${PULSE_TEST_BASE_IMAGE:-pulse-test/lambda-base:local}
say() { echo "[base-image] $*"; }

if [ "$image" != "pulse-test/lambda-base:local" ]; then
  say "PULSE_TEST_BASE_IMAGE=$image is not the local default: nothing to build (the engine pulls it if needed)"
  exit 0
fi
if [ "${PULSE_TEST_BASE_REBUILD:-0}" != 1 ] && docker image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
busybox=""
# Only a static busybox runs in the image without the libraries it was linked against.
if dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' && [ -x /bin/busybox ]; then
  busybox=/bin/busybox
else
  say "fetching busybox-static (apt-get download; unpacked here, not installed)"
  (cd "$work" && apt-get download busybox-static >/dev/null 2>&1) || {
    apt-get update -qq && (cd "$work" && apt-get download busybox-static >/dev/null)
  }
  dpkg -x "$work"/busybox-static_*.deb "$work/bb"
  busybox=$work/bb/bin/busybox
fi

arch_lib=/lib/$(uname -m)-linux-gnu
loader=""
for candidate in /lib64/ld-linux-*.so.* /lib/ld-linux-*.so.*; do
  [ -e "$candidate" ] && { loader=$candidate; break; }
done
[ -n "$loader" ] || { say "no dynamic loader found under /lib64 or /lib"; exit 1; }
root=$work/rootfs
mkdir -p "$root"/{bin,etc,tmp,"$(dirname "${loader#/}")","${arch_lib#/}",opt/extensions,var/task,var/runtime,var/tmp}
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
cp -L "$arch_lib/libc.so.6" "$arch_lib/libm.so.6" "$root/${arch_lib#/}/"
cp -L "$loader" "$root/${loader#/}"
chmod 1777 "$root/tmp" "$root/var/tmp"
# Lambda runs functions as sbx_user1051 (uid 993); the names only make `id` and logs readable.
printf 'root:x:0:0:root:/root:/bin/sh\nsbx_user1051:x:993:990::/home/sbx_user1051:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nsbx_user1051:x:990:\n' > "$root/etc/group"

started=$(date +%s%N)
tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/opt/bin' \
  -c 'ENV LD_LIBRARY_PATH=/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib' \
  -c 'CMD ["/bin/sh"]' \
  -m "pulse test base: static busybox + host glibc $(ldd --version 2>/dev/null | head -n 1 | awk '{print $NF}')" \
  - "$image" >/dev/null
say "built $image in $(( ($(date +%s%N) - started) / 1000000 )) ms, $(docker image inspect --format '{{.Size}}' "$image" | awk '{printf "%.1f MB", $1/1e6}')"
