#!/usr/bin/env bash
# Headless Chromium and its driver for the report self-tests (Debian packages). Without root or apt the browser
# tests skip with a reason; everything else still runs.
set -u
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: not root or no apt-get: browser report checks will be skipped" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq chromium chromium-driver >/dev/null \
    || echo "install-browser: could not install chromium: browser report checks will be skipped" >&2
exit 0
