#!/usr/bin/env bash
# A real Docker Engine + BuildKit on Debian 12, offline, from Debian's packages only.
#
#   bash setup.sh          install (private apt state, nothing in the system's dpkg db), start dockerd,
#                          make the local stand-in base images.  Idempotent: safe to re-run.
#   bash setup.sh stop     stop the dockerd started by this script (by its pidfile)
#   bash setup.sh purge    stop + delete everything under $BK except this script, steps.py, README.md
#
# After it succeeds:   source $BK/env.sh   (sets PATH, DOCKER_HOST, DOCKER_CONFIG)
#
# Knobs (environment):
#   BK=/work/bk-proto        where everything lives (default: this script's directory)
#   DAEMON_SUITE=trixie      Debian suite for docker.io + containerd (trixie = Debian 13 stable; forky also works)
#   BUILDX_SUITE=trixie      Debian suite for docker-buildx (trixie: 0.13.1, --progress=plain only;
#                            forky: 0.29.x, adds --progress=rawjson)
#   STORAGE_DRIVER=          empty = let dockerd pick (overlay2 here); vfs as fallback if overlay2 fails
#
# Every failure ends with exactly one line "buildkit-setup: FATAL: ..." on stderr and exit status 1.
set -euo pipefail

BK=${BK:-/tmp/pushguard-bk}
DAEMON_SUITE=${DAEMON_SUITE:-trixie}
BUILDX_SUITE=${BUILDX_SUITE:-trixie}
STORAGE_DRIVER=${STORAGE_DRIVER:-}
RUN=$BK/run
SOCK=$RUN/docker.sock
PIDFILE=$RUN/dockerd.pid
LOG=$RUN/dockerd.log

die() { echo "buildkit-setup: FATAL: $*" >&2; exit 1; }
say() { echo "buildkit-setup: $*" >&2; }
trap 'die "unexpected failure at line $LINENO: $BASH_COMMAND"' ERR

dockerd_alive() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

stop_daemon() {
  if dockerd_alive; then
    local pid; pid=$(cat "$PIDFILE")
    say "stopping dockerd pid $pid"
    kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && die "dockerd pid $pid did not stop within 30 s"
  fi
  # leftover mounts of a killed daemon (overlay2 layers, netns, shm) under our data/exec roots
  { grep -oE " $BK/(data|exec)[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  return 0
}

case "${1:-}" in
  stop) stop_daemon; exit 0 ;;
  purge) stop_daemon; rm -rf "$BK"/{apt,debs,root,data,exec,run,dockercfg,img,env.sh}; say "purged"; exit 0 ;;
  "") ;;
  *) die "unknown argument '$1' (use: setup.sh | setup.sh stop | setup.sh purge)" ;;
esac

[ "$(id -u)" = 0 ] || die "must run as root (dockerd needs it)"
for t in apt-get dpkg-deb tar; do command -v $t >/dev/null || die "missing host tool: $t"; done

# ---------------------------------------------------------------- 1. packages, private apt state
mkdir -p "$BK"/apt/{etc,state/lists/partial,cache/archives/partial} "$BK"/debs "$BK"/root "$RUN"
touch "$BK/apt/state/status"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$KEYRING" ] || die "missing $KEYRING (package debian-archive-keyring)"
{
  for s in $(printf "%s\n" "$DAEMON_SUITE" "$BUILDX_SUITE" trixie bookworm | sort -u); do
    echo "deb [signed-by=$KEYRING] http://deb.debian.org/debian $s main"
  done
} > "$BK/apt/etc/sources.list"
APT=(-o Dir::Etc::SourceList="$BK/apt/etc/sources.list" -o Dir::Etc::SourceParts=/nonexistent
     -o Dir::Etc::Preferences=/nonexistent -o Dir::Etc::PreferencesParts=/nonexistent
     -o Dir::State="$BK/apt/state" -o Dir::State::status="$BK/apt/state/status"
     -o Dir::Cache="$BK/apt/cache" -o APT::Architecture=amd64 -o APT::Sandbox::User=root -q)

# name/suite of what we extract.  runc comes from bookworm: trixie's and forky's runc need glibc 2.38,
# Debian 12 has 2.36.  tini (docker-init -> tini-static) and busybox-static are static; taken from
# trixie whatever the suite (forky moved tini-static into a package of its own).
PKGS=("docker.io/$DAEMON_SUITE" "containerd/$DAEMON_SUITE" "docker-buildx/$BUILDX_SUITE"
      "runc/bookworm" "tini/trixie" "busybox-static/trixie")
command -v docker >/dev/null || PKGS+=("docker-cli/$DAEMON_SUITE")   # CLI only if the machine has none

STAMP=$BK/root/.stamp
WANT="$DAEMON_SUITE $BUILDX_SUITE ${PKGS[*]}"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  stop_daemon   # its binaries are about to be replaced
  say "apt-get update (private state in $BK/apt)"
  apt-get "${APT[@]}" update >"$BK/apt/update.log" 2>&1 \
    || die "apt-get update of the private Debian sources failed: $(grep -E '^(E|Err):' "$BK/apt/update.log" | head -1)"
  rm -f "$BK"/debs/*.deb
  say "downloading ${PKGS[*]}"
  (cd "$BK/debs" && apt-get "${APT[@]}" download "${PKGS[@]}") >"$BK/apt/download.log" 2>&1 \
    || die "could not download from Debian: $(grep -E '^(E|Err):' "$BK/apt/download.log" | head -1)"
  rm -rf "$BK/root"; mkdir -p "$BK/root"
  for d in "$BK"/debs/*.deb; do dpkg-deb -x "$d" "$BK/root" || die "dpkg-deb -x failed on $d"; done
  echo "$WANT" > "$STAMP"
fi
R=$BK/root
for b in usr/sbin/dockerd usr/bin/containerd usr/bin/containerd-shim-runc-v2 usr/sbin/runc \
         usr/bin/tini-static usr/libexec/docker/cli-plugins/docker-buildx usr/bin/busybox; do
  [ -x "$R/$b" ] || die "not installed: $R/$b missing after extracting the packages"
done
"$R/usr/sbin/runc" --version >/dev/null 2>&1 || die "runc does not run on this machine: $("$R/usr/sbin/runc" --version 2>&1 | head -1)"
"$R/usr/sbin/dockerd" --version >/dev/null 2>&1 || die "dockerd does not run on this machine: $("$R/usr/sbin/dockerd" --version 2>&1 | head -1)"
ln -sf tini-static "$R/usr/bin/docker-init"
mkdir -p "$BK/dockercfg/cli-plugins"
ln -sf "$R/usr/libexec/docker/cli-plugins/docker-buildx" "$BK/dockercfg/cli-plugins/docker-buildx"
[ -f "$BK/dockercfg/config.json" ] || echo '{}' > "$BK/dockercfg/config.json"

cat > "$BK/env.sh" <<EOF
# source me: talk to the prototype's dockerd
export PATH="$R/usr/sbin:$R/usr/bin:\$PATH"
export DOCKER_HOST="unix://$SOCK"
export DOCKER_CONFIG="$BK/dockercfg"
export DOCKER_BUILDKIT=1
export BUILDX_NO_DEFAULT_ATTESTATIONS=1
EOF
# shellcheck disable=SC1091
. "$BK/env.sh"
command -v docker >/dev/null || die "no docker CLI on PATH"

# ---------------------------------------------------------------- 2. dockerd
start_daemon() {  # $1 = storage driver or empty
  local sd=() ; [ -n "$1" ] && sd=(--storage-driver="$1")
  mkdir -p "$BK/data" "$BK/exec" "$RUN"
  rm -f "$PIDFILE" "$SOCK"
  say "starting dockerd ${1:+(storage driver $1)}, log $LOG"
  setsid nohup dockerd --bridge=none --iptables=false --ip6tables=false --userland-proxy=false \
    --data-root="$BK/data" --exec-root="$BK/exec" --pidfile="$PIDFILE" \
    -H "unix://$SOCK" "${sd[@]}" </dev/null >"$LOG" 2>&1 &
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && return 0
    kill -0 $! 2>/dev/null || break
    sleep 0.5
  done
  return 1
}
if dockerd_alive && docker version >/dev/null 2>&1; then
  say "dockerd already running (pid $(cat "$PIDFILE"))"
else
  stop_daemon
  if ! start_daemon "$STORAGE_DRIVER"; then
    if [ -z "$STORAGE_DRIVER" ]; then
      say "dockerd did not come up with the default storage driver: $(grep -E 'level=(fatal|error)' "$LOG" | tail -1)"
      stop_daemon; rm -rf "$BK/data"
      start_daemon vfs || die "dockerd did not start (vfs too): $(grep -E 'level=(fatal|error)|failed' "$LOG" | tail -1)"
    else
      die "dockerd did not start: $(grep -E 'level=(fatal|error)|failed' "$LOG" | tail -1)"
    fi
  fi
fi
say "engine $(docker version -f '{{.Server.Version}}'), storage $(docker info -f '{{.Driver}}'), buildx $(docker buildx version | awk '{print $2}')"

# ---------------------------------------------------------------- 3. stand-in base images (no registry)
IMG=$BK/img
if ! docker image inspect local/busybox:1 >/dev/null 2>&1; then
  rm -rf "$IMG/rootfs"; mkdir -p "$IMG"/rootfs/{bin,usr/bin,usr/local/bin,usr/local/lib,etc,root,tmp,var/lib}
  chmod 1777 "$IMG/rootfs/tmp"
  cp "$R/usr/bin/busybox" "$IMG/rootfs/bin/busybox"
  for a in $("$IMG/rootfs/bin/busybox" --list); do [ -e "$IMG/rootfs/bin/$a" ] || ln -s busybox "$IMG/rootfs/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$IMG/rootfs/etc/passwd"
  echo 'root:x:0:' > "$IMG/rootfs/etc/group"
  # fixed mtimes so the tarball (and the layer digest) is the same on every machine
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$IMG/rootfs" -c . \
    | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
        - local/busybox:1 >/dev/null || die "docker import of local/busybox:1 failed"
  docker rmi local/python:3.12 local/node:20 >/dev/null 2>&1 || true
fi
if ! docker image inspect local/python:3.12 >/dev/null 2>&1 || ! docker image inspect local/node:20 >/dev/null 2>&1; then
  mkdir -p "$IMG/ctx"
  cat > "$IMG/ctx/stub.sh" <<'EOF'
#!/bin/sh
# stand-in for pip/npm/apt-get/...: writes fresh random bytes, so a step that really re-runs changes the layer
tool=$(basename "$0")
dir=/var/lib/stub-$tool
mkdir -p "$dir"
n=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
head -c 65536 /dev/urandom > "$dir/blob-$n"
echo "$tool $* -> $dir/blob-$n"
EOF
  chmod 755 "$IMG/ctx/stub.sh"
  cat > "$IMG/ctx/Dockerfile" <<'EOF'
FROM local/busybox:1 AS base
COPY stub.sh /usr/local/lib/stub.sh
RUN for t in apt-get apt dpkg; do ln -s /usr/local/lib/stub.sh /usr/bin/$t; done

FROM base AS python
RUN for t in pip pip3 python python3 poetry uv; do ln -s /usr/local/lib/stub.sh /usr/local/bin/$t; done
ENV PYTHON_VERSION=3.12.0 LANG=C.UTF-8

FROM base AS node
RUN for t in npm npx node yarn pnpm; do ln -s /usr/local/lib/stub.sh /usr/local/bin/$t; done
ENV NODE_VERSION=20.0.0
EOF
  for t in python:3.12:python node:20:node; do
    IFS=: read -r name tag target <<<"$t"
    docker buildx build --network=none -q --target "$target" -t "local/$name:$tag" "$IMG/ctx" >/dev/null 2>"$IMG/build-$name.log" \
      || die "building stand-in image local/$name:$tag failed: $(grep -i error "$IMG/build-$name.log" | tail -1)"
  done
fi
docker run --rm --network=none local/python:3.12 pip --version >/dev/null 2>&1 || die "cannot run a container from local/python:3.12"
say "ready: images $(docker images --format '{{.Repository}}:{{.Tag}}' | grep '^local/' | sort | tr '\n' ' ')"
say "use:   . $BK/env.sh && docker buildx build --network=none --progress=plain ..."
