#!/usr/bin/env bash
# Install the Debian packages Herald needs to build, run and test — only those missing, so a
# second run costs a dpkg query. Needs root (or sudo) on Debian 12.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git
  libuv1-dev node-llhttp libjansson-dev libsodium-dev libsqlite3-dev sqlite3
  libjpeg62-turbo-dev libpng-dev libgfshare-dev libpcre2-dev
  libcriterion-dev clang libclang-rt-14-dev
  python3 python3-pytest python3-requests python3-websockets
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
