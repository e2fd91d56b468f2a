#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need when they are missing (fresh machines
# have none of them), then makes sure a Docker engine answers. Idempotent; prints what it does.
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
command -v zip >/dev/null || need+=(zip)
command -v unzip >/dev/null || need+=(unzip)
command -v jq >/dev/null || need+=(jq)
[ -x /usr/bin/qemu-aarch64-static ] || need+=(qemu-user-static)
[ -e /usr/aarch64-linux-gnu/lib/crti.o ] || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
[ -e /usr/aarch64-linux-gnu/lib/libc.so.6 ] || need+=(libc6-arm64-cross)
command -v dockerd >/dev/null || need+=(docker.io)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v python3 >/dev/null || need+=(python3)          # summarize-trx.sh, the extension measuring tool
command -v nsenter >/dev/null || need+=(util-linux)       # the emulator's shared mount namespace
dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need+=(busybox-static)  # base image of the Docker tests
if [ ${#need[@]} -gt 0 ]; then
  echo "[tools] installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  for attempt in 1 2 3; do
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null && break
    [ "$attempt" = 3 ] && { echo "[tools] apt-get install failed"; exit 1; }
    echo "[tools] apt-get failed, retrying ($attempt)"; sleep 5
  done
fi
if [ -x tests/scripts/ensure-docker.sh ]; then tests/scripts/ensure-docker.sh; fi
echo "[tools] ready"
