#!/usr/bin/env bash
# Prints the path of Debian's headless-capable Chromium (/usr/bin/chromium) on stdout; installs the `chromium`
# package with apt-get when it is missing (root only). The browser test drives it with playwright-core; no browser
# is ever downloaded by Playwright. Progress goes to stderr.
set -euo pipefail
BIN=/usr/bin/chromium

if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: $BIN is missing and this is not root; install it with: sudo apt-get update && sudo apt-get install -y chromium" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $BIN is missing and apt-get is not available; install Debian's or Ubuntu's chromium package (it must provide $BIN)" >&2
  exit 1
fi

echo "ensure-chromium: installing Debian's chromium package (apt-get)" >&2
start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >&2
if ! [ -x "$BIN" ]; then
  echo "ensure-chromium: apt-get install chromium finished but $BIN is still missing" >&2
  exit 1
fi
echo "ensure-chromium: installed in $(( $(date +%s) - start )) s: $("$BIN" --version 2>/dev/null | head -1)" >&2
echo "$BIN"
