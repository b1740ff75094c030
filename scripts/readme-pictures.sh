#!/usr/bin/env bash
# Makes the README's pictures (docs/pictures/report.png and wallboard.png): runs the browser
# tests, which render the retail report and a live wallboard in headless chromium, with
# AGNER_PICTURES set so that they keep their screenshots. Needs chromium (make deps installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "chromium is needed: apt-get install -y chromium" >&2; exit 1; }
AGNER_PICTURES="$PWD/docs/pictures" swift test --filter BrowserTests
ls -l docs/pictures/report.png docs/pictures/wallboard.png
