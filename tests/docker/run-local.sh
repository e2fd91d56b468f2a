#!/usr/bin/env bash
# Runs the Pulse layer locally in a Lambda-shaped container (the same image the Docker tests use):
# the emulator as the entry point, the layer unzipped into /opt, a function in /var/task, read-only
# root, /tmp as a 512 MB tmpfs, uid 993, the memory limit equal to the function's memory size.
#   tests/docker/run-local.sh [options] [-- extra emulator options]
#     --arch x86_64|arm64   which layer zip (default x86_64; arm64 runs under qemu-user-static)
#     --function DIR        a folder holding your bootstrap (default dist/test-function)
#     --port N              invoke endpoint on 127.0.0.1:N (default 9000)
#     --memory MB           function memory size and container limit (default 128)
#     --timeout S           function timeout (default 10)
#     --bridge              publish the port instead of host networking (Docker Desktop)
#   BASE_IMAGE (or PULSE_TEST_BASE_IMAGE) picks the base image: the local busybox + glibc one by
#   default (built without a registry), or e.g. public.ecr.aws/lambda/provided:al2023.
# Then: curl -s -d '{"sleepMs":50}' http://127.0.0.1:9000/2015-03-31/functions/function/invocations
# Ctrl-C stops the container: the emulator sends SHUTDOWN and Pulse flushes before it exits.
set -euo pipefail
cd "$(dirname "$0")/../.."
arch=x86_64 function=dist/test-function port=9000 memory=128 timeout=10 bridge=0
while [ $# -gt 0 ]; do
  case $1 in
    --arch) arch=$2; shift 2 ;;
    --function) function=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --memory) memory=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --bridge) bridge=1; shift ;;
    --) shift; break ;;
    *) echo "unknown option $1 (see the header of $0)"; exit 2 ;;
  esac
done
base=${BASE_IMAGE:-${PULSE_TEST_BASE_IMAGE:-pulse-test/lambda-base:local}}
zip=dist/pulse-$arch.zip
for f in dist/lambda-emulator "$zip" "$function/bootstrap"; do
  [ -e "$f" ] || { echo "[run-local] $f is missing: run 'make build' first"; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "[run-local] no Docker engine answers (as root: tests/scripts/ensure-docker.sh)"; exit 1; }
PULSE_TEST_BASE_IMAGE=$base tests/scripts/make-base-image.sh

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx"/{emulator,opt,task,extra/etc}
cp tests/docker/Dockerfile "$ctx/"
cp dist/lambda-emulator "$ctx/emulator/"
cp -r "$function"/. "$ctx/task/"
echo "layer $(basename "$zip")" > "$ctx/extra/etc/pulse-test-image"
if [ "$arch" = x86_64 ]; then
  unzip -q "$zip" -d "$ctx/opt"
else
  # This host is x86_64: keep the arm64 layer unchanged in /opt/arm64 and run it through qemu-user.
  [ -x /usr/bin/qemu-aarch64-static ] || { echo "[run-local] arm64 needs qemu-user-static and libc6-arm64-cross"; exit 1; }
  unzip -q "$zip" -d "$ctx/opt/arm64"
  mkdir -p "$ctx/opt/extensions" "$ctx/extra/usr/bin" "$ctx/extra/usr/aarch64-linux-gnu/lib"
  printf '#!/bin/sh\nexec /usr/bin/qemu-aarch64-static -L /usr/aarch64-linux-gnu /opt/arm64/extensions/pulse "$@"\n' > "$ctx/opt/extensions/pulse"
  chmod 0755 "$ctx/opt/extensions/pulse"
  cp /usr/bin/qemu-aarch64-static "$ctx/extra/usr/bin/"
  for lib in ld-linux-aarch64.so.1 libc.so.6 libm.so.6; do cp -L "/usr/aarch64-linux-gnu/lib/$lib" "$ctx/extra/usr/aarch64-linux-gnu/lib/"; done
fi
image=pulse-local:$arch
echo "[run-local] building $image on $base"
docker build -q --build-arg "BASE_IMAGE=$base" -t "$image" "$ctx" >/dev/null

net=(--network host) listen=127.0.0.1:$port
if [ "$bridge" = 1 ]; then net=(-p "127.0.0.1:$port:8080"); listen=0.0.0.0:8080; fi
echo "[run-local] invoke: curl -s -d '{}' http://127.0.0.1:$port/2015-03-31/functions/function/invocations"
exec docker run --rm --init "${net[@]}" --read-only --tmpfs /tmp:rw,exec,nosuid,nodev,size=512m,mode=1777 \
  --memory "${memory}m" --memory-swap "${memory}m" \
  -e AWS_LAMBDA_FUNCTION_MEMORY_SIZE="$memory" -e AWS_LAMBDA_FUNCTION_TIMEOUT="$timeout" \
  "$image" --listen "$listen" --opt /opt --no-namespace --memory "$memory" --timeout "$timeout" "$@" /var/task/bootstrap
