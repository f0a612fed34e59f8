#!/usr/bin/env bash
# Debian's Chromium and CJK fonts for the app's end-to-end browser tests.
# Playwright drives /usr/bin/chromium directly; never `playwright install` (its download is blocked here).
# Idempotent: does nothing when both are already present. Needs root (or sudo).
set -euo pipefail
font_present() { fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; }
if [[ -x /usr/bin/chromium ]] && font_present; then
    echo "browser-deps: chromium and fonts-noto-cjk already installed"
    exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO apt-get install -y chromium fonts-noto-cjk
