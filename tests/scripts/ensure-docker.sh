#!/usr/bin/env bash
# Makes sure a Docker engine answers for the Docker tests (tests/Docker.Tests), then sweeps what
# earlier, dead test runs left behind and makes sure the local base image exists.
#   - `docker info` fails: install Debian's docker.io when dockerd is missing (root only), clear the
#     pid files and sockets a killed engine left behind, start
#     `dockerd --bridge=none --iptables=false --ip6tables=false` detached, and wait up to 60 s.
#     Containers of the tests use host networking only, so no bridge or iptables rule is needed.
#   - Sweep: containers and images labelled org.testcontainers=true whose creating test process
#     (label pulse.test.pid) no longer runs. A concurrent test run keeps its containers.
#   - Base image: tests/scripts/make-base-image.sh when the local one is missing.
# Exit 0 when the engine answers; 1 otherwise (the Docker tests then Skip, or fail under CI=true).
set -euo pipefail
cd "$(dirname "$0")/../.."
log=${PULSE_DOCKERD_LOG:-/tmp/pulse-dockerd.log}
say() { echo "[docker] $*"; }

engine_answers() { timeout 20 docker info >/dev/null 2>&1; }
# A live process with this exact name (zombies left by a killed session do not count).
alive() {
  local pid state
  for pid in $(pgrep -x "$1" 2>/dev/null); do
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ] && return 0
  done
  return 1
}

if ! command -v docker >/dev/null 2>&1 || ! engine_answers; then
  if [ "$(id -u)" != 0 ]; then
    say "no Docker engine answers and this is not root: not starting one (the Docker tests will skip)"
    exit 1
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    say "installing docker.io"
    export DEBIAN_FRONTEND=noninteractive
    for attempt in 1 2 3; do
      apt-get update -qq && apt-get install -y -qq --no-install-recommends docker.io >/dev/null && break
      [ "$attempt" = 3 ] && { say "apt-get install docker.io failed"; exit 1; }
      sleep 5
    done
  fi
  if alive dockerd; then
    say "dockerd runs but does not answer yet; waiting for it"
  else
    # A machine whose processes were killed (CI after a session) keeps pid files and sockets that
    # make a new dockerd refuse to start or dial a containerd that is gone.
    for f in /var/run/docker.pid /run/docker.pid; do
      [ -e "$f" ] && { say "removing stale $f"; rm -f "$f"; }
    done
    if ! alive containerd; then
      for f in /var/run/docker/containerd/containerd.pid /run/docker/containerd/containerd.pid; do
        [ -e "$f" ] && { say "removing stale $f"; rm -f "$f"; }
      done
      # Without a running system containerd, its leftover socket would make dockerd dial nothing.
      for s in /run/containerd/containerd.sock /var/run/docker/containerd/containerd.sock; do
        [ -S "$s" ] && { say "removing stale $s"; rm -f "$s" "$s.ttrpc"; }
      done
    fi
    [ -S /var/run/docker.sock ] && rm -f /var/run/docker.sock
    say "starting dockerd (log: $log)"
    setsid dockerd --bridge=none --iptables=false --ip6tables=false </dev/null >"$log" 2>&1 &
    disown || true
  fi
  for _ in $(seq 1 300); do
    engine_answers && break
    sleep 0.2
  done
  if ! engine_answers; then
    say "dockerd did not answer within 60 s; last lines of $log:"
    tail -n 20 "$log" 2>/dev/null || true
    exit 1
  fi
  say "engine ready: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null)"
fi

# Sweep what dead test runs left behind (Testcontainers without Ryuk stops containers but never removes them).
swept=0
while read -r id pid; do
  [ -z "$id" ] && continue
  if [ -n "$pid" ] && [ "$pid" != "<no value>" ] && kill -0 "$pid" 2>/dev/null; then continue; fi
  docker rm -f "$id" >/dev/null 2>&1 && swept=$((swept + 1))
done < <(docker ps -a --filter label=org.testcontainers=true --format '{{.ID}} {{.Label "pulse.test.pid"}}')
while read -r id pid; do
  [ -z "$id" ] && continue
  if [ -n "$pid" ] && [ "$pid" != "<no value>" ] && kill -0 "$pid" 2>/dev/null; then continue; fi
  docker rmi -f "$id" >/dev/null 2>&1 && swept=$((swept + 1))
done < <(docker images -q --filter label=org.testcontainers=true | sort -u | while read -r img; do
  echo "$img $(docker image inspect --format '{{index .Config.Labels "pulse.test.pid"}}' "$img" 2>/dev/null)"
done)
[ "$swept" -gt 0 ] && say "removed $swept container(s)/image(s) left by earlier test runs"

tests/scripts/make-base-image.sh
