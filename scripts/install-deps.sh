#!/usr/bin/env bash
# Installs the Debian packages symopt needs, only those missing (run as root).
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --tests  also what the test suite uses (PyTorch for the export
#                                    tests, clang for the fuzzer, Open MPI, Chromium)
set -euo pipefail
packages=(build-essential cmake libeigen3-dev libtbb-dev libfmt-dev nlohmann-json3-dev
          libcli11-dev libgtest-dev zlib1g-dev)
if [[ "${1:-}" == "--tests" ]]; then
  packages+=(python3 python3-torch clang libclang-rt-14-dev libopenmpi-dev openmpi-bin chromium)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
