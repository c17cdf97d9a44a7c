#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine (used by the README and by .ci/run):
# Debian's ffmpeg (5.1: the CMAF pieces need ffmpeg 5.1 or newer; the npm-shipped 2018 build is
# refused at planning), Debian's chromium (the player test), then the npm packages.
# apt is used only as root and only for what is missing; without it those tests say why they skip.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null) \
      || echo "setup: could not install ${missing[*]} with apt"
  else
    echo "setup: please install ${missing[*]} (Debian: apt-get install ${missing[*]})"
  fi
fi
# npm's own messages are silent by default (.npmrc, so `npm start -- --json` prints only JSON).
npm ci --no-audit --no-fund --loglevel=warn
