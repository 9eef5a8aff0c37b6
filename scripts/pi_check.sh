#!/usr/bin/env bash
# Proves the Raspberry Pi (aarch64) path on an x86_64 Debian host, as root:
#
#   sudo scripts/pi_check.sh BUNDLE_DIR
#
# 1. debootstraps a Debian bookworm arm64 root and runs it under qemu-user-static;
# 2. pip-installs the device packages there (aarch64 wheels only; no TensorFlow) and
#    slm-edge itself with --no-deps, as docs/raspberry-pi.md describes;
# 3. starts `slm-edge serve` on BUNDLE_DIR inside the root and on the host (x86);
# 4. sends the same sentences to both and checks that labels match and every score
#    is within 1e-5 (float variants) or INT8_TOLERANCE (int8 variants; default 1e-2).
#
# Takes 5-8 minutes and ~650 MB in a temporary directory. Everything it starts is
# stopped and everything it mounts is unmounted on exit (trap). Not part of CI.
# Emulated timings say nothing about a real Pi; this checks correctness only.
# Follows ../shared/notes/raspberry-pi-emulation.md.
#
# Environment: PYTHON (host interpreter with slm-edge installed; default .venv/bin/python),
# MIRROR (Debian mirror; default: the host's apt mirror), KEEP_ROOT=1 (keep the root),
# VARIANTS (default: float32 and the recommended variant), INT8_TOLERANCE (default 1e-2).
set -euo pipefail

if [[ $# -ne 1 || ! -f "$1/manifest.json" ]]; then
  echo "usage: $0 BUNDLE_DIR   (a directory with manifest.json)" >&2
  exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "error: run as root (debootstrap, chroot and mount need it)" >&2
  exit 2
fi
if [[ $(uname -m) != x86_64 ]]; then
  echo "error: this emulates aarch64 on an x86_64 host; on a Pi, just run the server" >&2
  exit 2
fi

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUNDLE=$(cd "$1" && pwd)
MODEL=$(basename "$BUNDLE")
PYTHON=${PYTHON:-$REPO/.venv/bin/python}
SUITE=bookworm
WORK=$(mktemp -d /var/tmp/pi-check.XXXXXX)
ROOTFS=$WORK/rootfs
DEVICE_PACKAGES=(ai-edge-litert==2.3.0 "numpy>=1.26,<3" tokenizers==0.23.3 flask==3.1.3 waitress==3.0.2)
SENTENCES=(
  "a joy to watch from start to finish"
  "the plot is thin and the acting is wooden"
  "an ambitious, moving and often funny film"
  "not the best of the series, but far from the worst"
  "a tedious, lifeless exercise in style"
  "$(printf 'an endless film %.0s' {1..200})"
)
SERVER_PIDS=()  # every server started; stopped on exit if still running
MOUNTED_BINFMT=0

log() { printf '\n== %s [%ss]\n' "$*" "$SECONDS"; }

mounts_under() {  # mount points at or below $1, deepest first
  awk -v root="$1" '$2 == root || index($2, root "/") == 1 { print $2 }' /proc/mounts | sort -r
}

cleanup() {
  local status=$?
  set +e
  for pid in "${SERVER_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    wait "$pid" 2>/dev/null
  done
  for mountpoint in $(mounts_under "$ROOTFS"); do
    umount "$mountpoint" || umount -l "$mountpoint"
  done
  if [[ -n $(mounts_under "$ROOTFS") ]]; then
    echo "error: still mounted under $ROOTFS; not deleting $WORK" >&2
    status=1
  elif [[ ${KEEP_ROOT:-0} == 1 ]]; then
    echo "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  if [[ $MOUNTED_BINFMT == 1 ]]; then
    umount /proc/sys/fs/binfmt_misc
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ROOT_ENV=(
  HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
  PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  PIP_CERT=/etc/ssl/certs/ca-certificates.crt
)
in_root() {  # a command inside the arm64 root, with a clean environment (no host PIP_*)
  chroot "$ROOTFS" /usr/bin/env -i "${ROOT_ENV[@]}" "$@"
}

host_mirror() {
  local uri
  uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [[ -z $uri ]] && uri=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ { print $2; exit }' \
    /etc/apt/sources.list 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_live() {  # URL PID SECONDS
  for _ in $(seq "$3"); do
    kill -0 "$2" 2>/dev/null || { echo "error: the server at $1 exited" >&2; return 1; }
    curl -fsS "$1/v2/health/live" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "error: no answer from $1 in $3 s" >&2
  return 1
}

log "host packages: qemu-user-static, binfmt-support, debootstrap, curl"
missing=()
for package in qemu-user-static binfmt-support debootstrap curl; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

log "binfmt_misc with qemu-aarch64 (child processes such as apt and pip need it)"
if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  MOUNTED_BINFMT=1
fi
update-binfmts --enable qemu-aarch64 2>/dev/null || true
[[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || { echo "error: qemu-aarch64 binfmt missing" >&2; exit 1; }

MIRROR=${MIRROR:-$(host_mirror)}
log "debootstrap $SUITE arm64 from $MIRROR into $ROOTFS"
debootstrap --arch=arm64 --variant=minbase --foreign "$SUITE" "$ROOTFS" "$MIRROR" >/dev/null
cp /usr/bin/qemu-aarch64-static "$ROOTFS/usr/bin/"
chroot "$ROOTFS" /debootstrap/debootstrap --second-stage >/dev/null

log "mounts, resolv.conf and a Raspberry Pi 4 /proc/cpuinfo (QEMU 7.2 shows the host's)"
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
mount -t proc proc "$ROOTFS/proc"
mount -t sysfs sysfs "$ROOTFS/sys"
mount --bind /dev "$ROOTFS/dev"
mount --bind /dev/pts "$ROOTFS/dev/pts"
{
  for core in 0 1 2 3; do
    printf 'processor\t: %s\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n' "$core"
    printf 'CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\n'
    printf 'CPU part\t: 0xd08\nCPU revision\t: 3\n\n'
  done
  printf 'Hardware\t: BCM2835\nRevision\t: c03111\nModel\t\t: Raspberry Pi 4 Model B Rev 1.1\n'
} >"$WORK/cpuinfo"
mount --bind "$WORK/cpuinfo" "$ROOTFS/proc/cpuinfo"

log "python3 and CA certificates in the root (apt)"
cat >"$ROOTFS/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
EOF
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends \
  python3 python3-venv python3-pip ca-certificates >/dev/null
# The host's extra CAs (a TLS-inspecting proxy, say); a real Pi does not need this.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/"
fi
in_root update-ca-certificates >/dev/null
in_root python3 -c 'import platform; print("root:", platform.machine(), platform.python_version())'

log "pip: the device packages (aarch64 wheels only), then slm-edge with --no-deps"
in_root python3 -m venv /opt/venv
in_root pip install -q --only-binary=:all: "${DEVICE_PACKAGES[@]}"
mkdir -p "$ROOTFS/opt/src" "$ROOTFS/opt/bundles"
tar -C "$REPO" --exclude=__pycache__ -cf - pyproject.toml README.md slm_edge server converters |
  tar -C "$ROOTFS/opt/src" -xf -
in_root pip install -q --no-deps /opt/src
if in_root pip show -q tensorflow >/dev/null 2>&1; then
  echo "error: TensorFlow got installed in the device root" >&2
  exit 1
fi
cp -r "$BUNDLE" "$ROOTFS/opt/bundles/$MODEL"

stop_server() {  # PID: SIGTERM (graceful), then wait
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

compare_variant() {  # VARIANT TOLERANCE: serve it on both sides, compare the answers
  local variant=$1 tolerance=$2 x86_port arm_port x86_pid arm_pid request status=0
  log "variant $variant: x86 server on the host, arm64 server in the root (127.0.0.1)"
  x86_port=$(free_port)
  arm_port=$(free_port)
  (cd "$REPO" && exec "$PYTHON" -m slm_edge.commands.serve "$BUNDLE" --variant "$variant" \
    --port "$x86_port" --threads 2 --log-level WARNING) &
  x86_pid=$!
  SERVER_PIDS+=("$x86_pid")
  # exec: the PID is the server's own, so SIGTERM reaches it.
  (exec chroot "$ROOTFS" /usr/bin/env -i "${ROOT_ENV[@]}" python -m slm_edge.commands.serve \
    "/opt/bundles/$MODEL" --variant "$variant" --port "$arm_port" --threads 2 \
    --log-level WARNING) &
  arm_pid=$!
  SERVER_PIDS+=("$arm_pid")
  # (set -e does not apply inside a function called with ||, so failures are checked here)
  if wait_live "http://127.0.0.1:$x86_port" "$x86_pid" 60 &&
    wait_live "http://127.0.0.1:$arm_port" "$arm_pid" 300; then
    request=$("$PYTHON" -c 'import json, sys; print(json.dumps({"instances": sys.argv[1:]}))' \
      "${SENTENCES[@]}")
    for port in "$x86_port" "$arm_port"; do
      curl -fsS -H 'Content-Type: application/json' -d "$request" \
        "http://127.0.0.1:$port/v1/models/$MODEL:predict" >"$WORK/predictions-$port.json" ||
        status=1
    done
    curl -fsS "http://127.0.0.1:$arm_port/v1/models/$MODEL" >"$WORK/info-$arm_port.json" ||
      status=1
    if ((status == 0)); then
      "$PYTHON" "$WORK/compare.py" "$WORK/predictions-$x86_port.json" \
        "$WORK/predictions-$arm_port.json" "$WORK/info-$arm_port.json" "$tolerance" || status=1
    fi
  else
    status=1
  fi
  stop_server "$x86_pid"
  stop_server "$arm_pid"
  return "$status"
}

cat >"$WORK/compare.py" <<'EOF'
import json
import sys

x86 = json.load(open(sys.argv[1]))["predictions"]
arm = json.load(open(sys.argv[2]))["predictions"]
info = json.load(open(sys.argv[3]))["metadata"]
tolerance = float(sys.argv[4])
print(f"arm64 server: backend {info['backend']}, variant {info['variant']}")
worst = 0.0
ok = len(x86) == len(arm)
for i, (a, b) in enumerate(zip(x86, arm, strict=True)):
    diff = max(abs(a["scores"][k] - b["scores"][k]) for k in a["scores"])
    worst = max(worst, diff)
    same = a["label"] == b["label"] and a.get("truncated") == b.get("truncated")
    same &= diff <= tolerance
    ok &= same
    flag = " truncated" if a.get("truncated") else ""
    print(f"  [{i}] x86 {a['label']:>10} {a['score']:.6f}   arm64 {b['label']:>10} "
          f"{b['score']:.6f}   max|diff| {diff:.2e}{flag}  {'ok' if same else 'MISMATCH'}")
print(f"largest score difference: {worst:.3e} (tolerance {tolerance:g})")
sys.exit(0 if ok else 1)
EOF

# Float variants must agree to 1e-5. Int8 kernels differ between aarch64 and x86
# (measured: up to 4e-3 on dynamic_int8), so those get INT8_TOLERANCE and equal labels.
read -r -a variants <<<"${VARIANTS:-$("$PYTHON" -c '
import json, sys
manifest = json.load(open(sys.argv[1] + "/manifest.json"))
chosen = [v for v in ("float32", manifest["recommended"]) if v in manifest["variants"]]
print(" ".join(dict.fromkeys(chosen)))' "$BUNDLE")}"
failed=()
for variant in "${variants[@]}"; do
  case $variant in
    float32 | float16) tolerance=1e-5 ;;
    *) tolerance=${INT8_TOLERANCE:-1e-2} ;;
  esac
  compare_variant "$variant" "$tolerance" || failed+=("$variant")
done
in_root python -c 'import sys, server, slm_edge.runtime; assert "tensorflow" not in sys.modules'
if ((${#failed[@]})); then
  log "FAIL: the arm64 answers differ from x86 for: ${failed[*]}"
  exit 1
fi
log "PASS: the arm64 server answers like the x86 one (${variants[*]})"
