#!/usr/bin/env bash
# Installs what building and testing Reactor needs, from Debian's packages. Does nothing
# when everything is already there, so `make run` and `make test` call it every time.
set -euo pipefail

# pebble (a test ACME CA) also installs pebble-challtestsrv, the DNS its tests ask.
packages=(
  build-essential cmake ninja-build pkg-config git bubblewrap slirp4netns ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libssl-dev libcurl4-openssl-dev zlib1g-dev libbrotli-dev
  libnghttp2-dev
  libcli11-dev libtomlplusplus-dev libgtest-dev postgresql
  clang-format-19 clang-tidy-19 chromium
  pebble
  clang-19 libclang-rt-19-dev llvm-19
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
# Node.js runs the builds and the end-to-end tests; any install of 18 or newer will do.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
