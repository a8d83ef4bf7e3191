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
  libxxhash-dev dpkg-dev xz-utils
)

# lwIP is a dependency, never copied into the tree: Debian's `lwip` source
# package, fetched with `apt-get source` through a private apt configuration
# (its own sources list with a deb-src line for the mirror and suite the
# machine already uses, its own lists and cache directories; the system's apt
# sources are never edited) into $FERRY_CACHE/lwip/, then checked against the
# .dsc and unpacked (with Debian's patches) to $FERRY_CACHE/lwip/src.
# A no-op when that directory is there. The Makefile (mk/net.mk) reads the
# same path; both take FERRY_CACHE from the environment, default below.
FERRY_CACHE=${FERRY_CACHE:-$HOME/.cache/ferry}
LWIP_VERSION=2.1.3+dfsg1-2
LWIP_CACHE=$FERRY_CACHE/lwip

# debian_mirror: prints "URI SUITE" of the first plain Debian `deb` entry
# (not -security, not -updates) of the system's apt sources, deb822 or
# one-line format. Prints nothing when there is none.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
      { t = u = s = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/)  t = $i
          if ($i ~ /^URIs:/)   { split($i, a, /[ \t]+/); u = a[2] }
          if ($i ~ /^Suites:/) { split($i, a, /[ \t]+/); s = a[2] }
        }
        if (t ~ /deb([ \t]|$)/ && u != "" && s != "" && s !~ /-(security|updates)$/) {
          print u, s; exit
        } }' "$f"
  done | head -1
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk '$1 == "deb" && $3 !~ /-(security|updates)$/ {
      i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
      print $i, $(i + 1); exit }' "$f"
  done | head -1
}

# dsc_check FILE DIR: every file the .dsc lists under Checksums-Sha256 is in
# DIR with that size and sha256. Returns 1 naming the first that is not.
dsc_check() {
  local dsc=$1 dir=$2 sum size name n=0
  while read -r sum size name; do
    [[ -f "$dir/$name" ]] || { echo "setup: error: $name (listed in $dsc) is missing" >&2; return 1; }
    [[ $(stat -c %s "$dir/$name") == "$size" ]] || { echo "setup: error: $name: size differs from the .dsc" >&2; return 1; }
    [[ $(sha256sum "$dir/$name" | cut -d' ' -f1) == "$sum" ]] || { echo "setup: error: $name: sha256 differs from the .dsc" >&2; return 1; }
    n=$((n + 1))
  done < <(awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF == 3' "$dsc")
  [[ $n -gt 0 ]] || { echo "setup: error: $dsc lists no Checksums-Sha256" >&2; return 1; }
}

fetch_lwip() {
  [[ -f "$LWIP_CACHE/src/src/core/tcp.c" ]] && return 0
  local mirror work apt
  mirror=$(debian_mirror)
  if [[ -z "$mirror" ]]; then
    echo "setup: error: cannot fetch lwIP: no Debian 'deb' entry in /etc/apt/sources.list{,.d} to take the mirror from" >&2
    exit 1
  fi
  echo "setup: fetching lwIP source ($LWIP_VERSION) from ${mirror% *} ${mirror#* } into $LWIP_CACHE"
  mkdir -p "$LWIP_CACHE"
  work=$(mktemp -d "$LWIP_CACHE/fetch.XXXXXX")
  mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/apt/parts" "$work/dl"
  echo "deb-src $mirror main" >"$work/apt/sources.list"
  chmod -R a+rX "$work"
  apt=(apt-get -q -o "Dir::Etc::SourceList=$work/apt/sources.list"
       -o "Dir::Etc::SourceParts=$work/apt/parts"
       -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache"
       -o APT::Sandbox::User=root)
  if ! "${apt[@]}" update >"$work/apt.log" 2>&1 ||
     ! (cd "$work/dl" && "${apt[@]}" --download-only source "lwip=$LWIP_VERSION") >>"$work/apt.log" 2>&1; then
    echo "setup: error: cannot fetch lwIP source package lwip=$LWIP_VERSION from $mirror (log: $work/apt.log)" >&2
    tail -3 "$work/apt.log" >&2
    exit 1
  fi
  local dsc="$work/dl/lwip_${LWIP_VERSION#*:}.dsc"
  dsc_check "$dsc" "$work/dl" || { echo "setup: error: lwIP download rejected (kept in $work)" >&2; exit 1; }
  if ! dpkg-source -x "$dsc" "$work/src" >>"$work/apt.log" 2>&1; then
    echo "setup: error: dpkg-source could not unpack $dsc (log: $work/apt.log)" >&2
    exit 1
  fi
  rm -rf "$LWIP_CACHE/src" "$LWIP_CACHE/dsc"
  mkdir -p "$LWIP_CACHE/dsc"
  cp "$work/dl/"* "$LWIP_CACHE/dsc/"
  mv "$work/src" "$LWIP_CACHE/src"
  rm -rf "$work"
  echo "setup: lwIP $LWIP_VERSION verified and unpacked in $LWIP_CACHE/src"
}

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && { fetch_lwip; exit 0; }

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
fetch_lwip
echo "setup: done"
