#!/usr/bin/env bash
# Installs the Debian packages Ferry builds and tests with.
# Called by the Makefile before every build; a no-op (one dpkg-query) when
# everything is present. Fails naming the packages it could not install.
set -euo pipefail

PACKAGES=(
  make gcc libc6-dev python3
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  qemu-system-misc opensbi
  libcmocka-dev pkg-config cpio gdb-multiarch vde2 device-tree-compiler
  libxxhash-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing missing packages: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: error: not root and no sudo; install by hand: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || echo "setup: warning: apt-get update failed" >&2
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/ferry-setup.log 2>&1; then
  echo "setup: error: apt-get could not install: ${missing[*]} (log: /tmp/ferry-setup.log)" >&2
  tail -5 /tmp/ferry-setup.log >&2
  exit 1
fi
still=()
for p in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || still+=("$p")
done
if [[ ${#still[@]} -ne 0 ]]; then
  echo "setup: error: still missing after install: ${still[*]}" >&2
  exit 1
fi
echo "setup: done"
