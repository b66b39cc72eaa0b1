#!/usr/bin/env bash
# Installs Debian's Chromium (the HTML report's browser test drives it headless) unless present.
set -euo pipefail
if command -v chromium > /dev/null; then
  chromium --version
  exit 0
fi
sudo=()
if [[ "$(id -u)" != 0 ]]; then sudo=(sudo -n); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends chromium
chromium --version
