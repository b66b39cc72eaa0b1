#!/usr/bin/env python3
"""Checks the rules of deploy/README.md on rendered kustomize output, beyond what the Kubernetes
schemas can say: hardened pods, gRPC probes on the plaintext health port, requests and limits,
PVC-backed services that cannot run two writers, GPU requests only with the CUDA image, TLS from a
mounted Secret or an explicit MNEME_INSECURE=1, Kafka topics equal to libs/contracts, the trainer's
co-partitioned topics and replicas, that the Strimzi resources are consistent with each other,
that every service reaches Kafka through the listener's TLS and SCRAM with its own KafkaUser, and
the monitoring and integrator pieces: every workload scraped once on its metrics port, every alert
with a summary, description and a runbook section that exists, the dashboard equal to
deploy/grafana/mneme-dashboard.json, and every metric the rules and the dashboard name registered by
the services (libs/service-runtime's ServiceMetrics, or a Node default metric), and integrators let
in only to the gRPC port of the trainer, encoder and evaluator, behind the default deny.

Usage: check-rendered.py TOPICS_TS RENDERED.yaml...   (exit 1 and every problem listed if any)
"""

import json
import os
import re
import sys

import yaml

GRPC_PORT = 50051
# Kubernetes gRPC probes cannot speak TLS: they use the plaintext health-only port (MNEME_HEALTH_PORT).
HEALTH_PORT = 50052
METRICS_PORT = 9464
GPU = "nvidia.com/gpu"
GPU_SERVICES = {"encoder", "trainer"}
PART_OF = "app.kubernetes.io/part-of"
STRIMZI_KINDS = {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"}
TRUE_WORDS = {"1", "true", "yes"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
WORKLOADS = ("Deployment", "StatefulSet")
# The trainer consumes these two topics in one co-partitioned group (libs/events consumeEventsTogether).
CO_PARTITIONED = ("mneme.samples.v1", "mneme.experience-closed.v1")
REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# Where the services register their metrics (prom-client), and the dashboard's reference copy.
SERVICE_METRICS_TS = os.path.join(REPO, "libs/service-runtime/src/runtime/service-metrics.ts")
DASHBOARD_JSON = os.path.join(REPO, "deploy/grafana/mneme-dashboard.json")
RUNBOOKS_MD = os.path.join(REPO, "deploy/README.md")
# prom-client's default metrics (collectDefaultMetrics, prefix mneme_) that the dashboard uses.
DEFAULT_METRICS = {"mneme_process_cpu_seconds_total", "mneme_process_resident_memory_bytes"}
ALERT_ANNOTATIONS = ("summary", "description", "runbook_url")
# The services integrators may call over gRPC; the others are internal.
PUBLIC_SERVICES = {"trainer", "encoder", "evaluator"}
INTEGRATOR_LABEL = "mneme.io/integrator"


def contract_topics(topics_ts):
    """Topic names declared in libs/contracts/src/topics.ts."""
    with open(topics_ts, encoding="utf-8") as f:
        return set(re.findall(r"'(mneme\.[a-z0-9.-]+)'", f.read()))


def effective_env(c, common):
    """The container's variables as the service sees them: mneme-common, then its own env on top."""
    env = dict(common)
    env.update({e.get("name"): e.get("value") for e in c.get("env") or [] if "value" in e})
    return env


def mounted_secret(pod, c, path):
    """The Secret mounted (read-only) in a folder holding `path`, or None."""
    secrets = {v.get("name"): (v.get("secret") or {}).get("secretName") for v in pod.get("volumes") or [] if v.get("secret")}
    for m in c.get("volumeMounts") or []:
        mount = m.get("mountPath", "").rstrip("/") + "/"
        if path.startswith(mount) and m.get("name") in secrets and m.get("readOnly") is True:
            return secrets[m["name"]]
    return None


def check_transport(where, pod, c, env, problems):
    """A service off loopback serves TLS from a mounted Secret, or says MNEME_INSECURE=1."""
    if env.get("MNEME_GRPC_HOST", "127.0.0.1") in LOOPBACK_HOSTS:
        return
    cert, key = env.get("MNEME_TLS_CERT"), env.get("MNEME_TLS_KEY")
    if cert and key:
        for var in ("MNEME_TLS_CERT", "MNEME_TLS_KEY", "MNEME_TLS_CA", "MNEME_TLS_CLIENT_CA"):
            if env.get(var) and mounted_secret(pod, c, env[var]) is None:
                problems.append(f"{where}: {var}={env[var]} is not in a read-only Secret mount")
        if str(env.get("MNEME_HEALTH_PORT")) != str(HEALTH_PORT):
            problems.append(f"{where}: serves TLS, so MNEME_HEALTH_PORT must be {HEALTH_PORT} (the probes' plaintext health port)")
    elif str(env.get("MNEME_INSECURE", "")).lower() not in TRUE_WORDS:
        problems.append(f"{where}: binds {env.get('MNEME_GRPC_HOST')} without MNEME_TLS_CERT and MNEME_TLS_KEY; mount a TLS Secret or set MNEME_INSECURE=1 (the insecure component)")
    elif cert or key:
        problems.append(f"{where}: MNEME_TLS_CERT and MNEME_TLS_KEY go together")


def check_container(where, c, problems):
    sc = c.get("securityContext") or {}
    if sc.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{where}: securityContext.readOnlyRootFilesystem must be true")
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: securityContext.allowPrivilegeEscalation must be false")
    if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
        problems.append(f"{where}: securityContext.capabilities.drop must contain ALL")
    res = c.get("resources") or {}
    for side in ("requests", "limits"):
        for r in ("cpu", "memory"):
            if r not in (res.get(side) or {}):
                problems.append(f"{where}: resources.{side}.{r} is missing")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        grpc = (c.get(probe) or {}).get("grpc")
        if not grpc or grpc.get("port") != HEALTH_PORT:
            problems.append(f"{where}: {probe} must be a native gRPC probe on the health port {HEALTH_PORT}")
    if not ((c.get("readinessProbe") or {}).get("grpc") or {}).get("service"):
        problems.append(f"{where}: readinessProbe.grpc.service must name the service's gRPC service")
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
    if ports.get("grpc") != GRPC_PORT or ports.get("metrics") != METRICS_PORT or ports.get("health") != HEALTH_PORT:
        problems.append(f"{where}: container ports must be grpc={GRPC_PORT}, health={HEALTH_PORT} and metrics={METRICS_PORT}")
    mounts = {m.get("mountPath") for m in c.get("volumeMounts") or []}
    for path in ("/tmp", "/data"):
        if path not in mounts:
            problems.append(f"{where}: {path} must be a mounted volume (the root filesystem is read-only)")
    refs = [e.get("configMapRef") for e in c.get("envFrom") or [] if e.get("configMapRef")]
    if not any(r.get("name") == "mneme-common" and r.get("optional") is True for r in refs):
        problems.append(f"{where}: envFrom must load ConfigMap mneme-common with optional: true")
    env = {e.get("name"): e.get("value") for e in c.get("env") or []}
    limits = (res.get("limits") or {}).get(GPU)
    requests = (res.get("requests") or {}).get(GPU)
    if limits is not None or requests is not None:
        if str(limits) != str(requests):
            problems.append(f"{where}: {GPU} requests and limits must be equal")
        image = str(c.get("image", ""))
        if not image.split("@")[0].split(":")[0].endswith("mneme-cuda"):
            problems.append(f"{where}: requests a GPU but runs {image}, not the CUDA image")
        if env.get("MNEME_DEVICE") != "cuda":
            problems.append(f"{where}: requests a GPU but MNEME_DEVICE is not cuda")


def check_disruption(where, workload, budgets, single_writer, problems):
    """Every workload has a PodDisruptionBudget of one pod at a time; those that scale spread over nodes.

    A budget with maxUnavailable 1 never blocks a drain (minAvailable 1 on one replica would), and
    caps a drain at one pod of the service. Workloads that may run several replicas (no
    ReadWriteOnce volume) spread them over hostnames and zones.
    """
    labels = workload["spec"]["template"]["metadata"].get("labels") or {}
    covering = [
        b for b in budgets.values()
        if b["spec"].get("selector", {}).get("matchLabels") and all(labels.get(k) == v for k, v in b["spec"]["selector"]["matchLabels"].items())
    ]
    if len(covering) != 1:
        problems.append(f"{where}: must be selected by exactly one PodDisruptionBudget, found {len(covering)}")
    elif covering[0]["spec"].get("maxUnavailable") != 1 or "minAvailable" in covering[0]["spec"]:
        problems.append(f"{where}: its PodDisruptionBudget must set maxUnavailable: 1 (minAvailable can block every drain)")
    if single_writer:
        return
    spread = {c.get("topologyKey") for c in workload["spec"]["template"]["spec"].get("topologySpreadConstraints") or [] if (c.get("labelSelector") or {}).get("matchLabels") == {"app.kubernetes.io/name": labels.get("app.kubernetes.io/name")}}
    for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone"):
        if key not in spread:
            problems.append(f"{where}: may run several replicas, so it must spread them over {key} (topologySpreadConstraints selecting its own pods)")


def check(docs, topics, problems):
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    check_monitoring(by_kind, problems)
    check_integrators(by_kind, problems)
    for kind, items in by_kind.items():
        for name, d in items.items():
            if kind != "Namespace" and d["metadata"].get("namespace") != "mneme":
                problems.append(f"{kind}/{name}: must be in namespace mneme")
            if kind in STRIMZI_KINDS and PART_OF in (d["metadata"].get("labels") or {}):
                problems.append(
                    f"{kind}/{name}: must not carry {PART_OF} (Strimzi copies it to its pods, "
                    "and the network policies select the mneme services by it)"
                )
    pvcs = by_kind.get("PersistentVolumeClaim", {})
    services = by_kind.get("Service", {})
    hpa_targets = {h["spec"]["scaleTargetRef"]["name"] for h in by_kind.get("HorizontalPodAutoscaler", {}).values()}
    common = (by_kind.get("ConfigMap", {}).get("mneme-common", {}).get("data") or {})
    kafka_clients = []
    for kind in WORKLOADS:
        for name, d in by_kind.get(kind, {}).items():
            where = f"{kind}/{name}"
            spec = d["spec"]
            pod = spec["template"]["spec"]
            psc = pod.get("securityContext") or {}
            if psc.get("runAsNonRoot") is not True:
                problems.append(f"{where}: pod securityContext.runAsNonRoot must be true")
            if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
                problems.append(f"{where}: pod seccompProfile must be RuntimeDefault")
            if pod.get("automountServiceAccountToken") is not False:
                problems.append(f"{where}: automountServiceAccountToken must be false")
            sa = pod.get("serviceAccountName")
            if sa not in by_kind.get("ServiceAccount", {}):
                problems.append(f"{where}: ServiceAccount {sa!r} is not rendered")
            if name not in services:
                problems.append(f"{where}: no Service of the same name")
            if kind == "StatefulSet":
                governing = services.get(spec.get("serviceName"))
                if governing is None or governing["spec"].get("clusterIP") != "None":
                    problems.append(f"{where}: serviceName must name a rendered headless Service (clusterIP: None)")
            for c in pod.get("containers") or []:
                check_container(f"{where} container {c.get('name')}", c, problems)
                env = effective_env(c, common)
                check_transport(f"{where} container {c.get('name')}", pod, c, env, problems)
                kafka_clients.append((f"{where} container {c.get('name')}", pod, c, env))
                if GPU in ((c.get("resources") or {}).get("limits") or {}) and name not in GPU_SERVICES:
                    problems.append(f"{where}: only {sorted(GPU_SERVICES)} may request {GPU}")
            claims = [v["persistentVolumeClaim"]["claimName"] for v in pod.get("volumes") or [] if v.get("persistentVolumeClaim")]
            for claim in claims:
                if claim not in pvcs:
                    problems.append(f"{where}: PersistentVolumeClaim {claim} is not rendered")
            # Only ReadWriteOnce claims pin a workload to one pod; shared (ReadWriteMany) ones do not.
            single_writer = [c for c in claims if "ReadWriteOnce" in ((pvcs.get(c) or {}).get("spec") or {}).get("accessModes", [])]
            if single_writer:
                if kind == "Deployment" and (spec.get("strategy") or {}).get("type") != "Recreate":
                    problems.append(f"{where}: owns a ReadWriteOnce volume, strategy must be Recreate")
                if spec.get("replicas", 1) != 1 or name in hpa_targets:
                    problems.append(f"{where}: owns a ReadWriteOnce volume, must run exactly one replica")
            if name in hpa_targets and "replicas" in spec:
                problems.append(f"{where}: scaled by an HPA, so spec.replicas must be absent")
            check_disruption(where, d, by_kind.get("PodDisruptionBudget", {}), single_writer, problems)
    trainer = by_kind.get("StatefulSet", {}).get("trainer")
    if trainer is not None:
        mounts = {v.get("name"): v for v in trainer["spec"]["template"]["spec"].get("volumes") or []}
        claim = ((mounts.get("model-store") or {}).get("persistentVolumeClaim") or {}).get("claimName")
        if "ReadWriteMany" not in ((pvcs.get(claim) or {}).get("spec") or {}).get("accessModes", []):
            problems.append("StatefulSet/trainer: its replicas share the model store, which must be a ReadWriteMany claim")
    for name in hpa_targets - set(by_kind.get("Deployment", {})):
        problems.append(f"HorizontalPodAutoscaler: target Deployment/{name} is not rendered")
    for name, s in by_kind.get("Service", {}).items():
        ports = {p.get("name"): p.get("port") for p in s["spec"].get("ports") or []}
        if ports.get("grpc") != GRPC_PORT or ports.get("metrics") != METRICS_PORT:
            problems.append(f"Service/{name}: ports must be grpc={GRPC_PORT} and metrics={METRICS_PORT}")

    kafkas = by_kind.get("Kafka", {})
    kafka_topics = by_kind.get("KafkaTopic", {})
    brokers = (by_kind.get("ConfigMap", {}).get("mneme-common", {}).get("data") or {}).get("MNEME_KAFKA_BROKERS")
    if kafkas or kafka_topics or brokers:
        if len(kafkas) != 1:
            problems.append(f"Kafka: expected exactly one Kafka cluster, found {len(kafkas)}")
        else:
            (cluster, kafka), = kafkas.items()
            listeners = {f"{cluster}-kafka-bootstrap:{l['port']}": l for l in kafka["spec"]["kafka"].get("listeners") or []}
            if brokers not in listeners:
                problems.append(f"ConfigMap/mneme-common: MNEME_KAFKA_BROKERS={brokers!r}, expected one of {sorted(listeners)}")
            else:
                check_kafka_clients(cluster, kafka, listeners[brokers], by_kind.get("KafkaUser", {}), kafka_clients, problems)
            for kind in ("KafkaNodePool", "KafkaTopic", "KafkaUser"):
                for name, d in by_kind.get(kind, {}).items():
                    if (d["metadata"].get("labels") or {}).get("strimzi.io/cluster") != cluster:
                        problems.append(f"{kind}/{name}: label strimzi.io/cluster must be {cluster}")
            pools = by_kind.get("KafkaNodePool", {}).values()
            roles = {r for p in pools for r in p["spec"].get("roles") or []}
            if not {"controller", "broker"} <= roles:
                problems.append("KafkaNodePool: KRaft needs nodes with the controller and the broker roles")
            nodes = sum(p["spec"].get("replicas", 0) for p in pools if "broker" in (p["spec"].get("roles") or []))
            for name, t in kafka_topics.items():
                if t["spec"].get("replicas", 1) > nodes:
                    problems.append(f"KafkaTopic/{name}: {t['spec']['replicas']} replicas but only {nodes} brokers")
        partitions = {t["spec"].get("topicName", name): t["spec"].get("partitions") for name, t in kafka_topics.items()}
        counts = {partitions.get(t) for t in CO_PARTITIONED}
        if len(counts) != 1:
            problems.append(f"KafkaTopic: {' and '.join(CO_PARTITIONED)} must have the same partitions (the trainer reads them co-partitioned), got {[partitions.get(t) for t in CO_PARTITIONED]}")
        replicas = (trainer or {}).get("spec", {}).get("replicas", 1)
        if trainer is not None and isinstance(partitions.get(CO_PARTITIONED[0]), int) and replicas > partitions[CO_PARTITIONED[0]]:
            problems.append(f"StatefulSet/trainer: {replicas} replicas but {CO_PARTITIONED[0]} has {partitions[CO_PARTITIONED[0]]} partitions; the rest would idle")
        rendered = {t["spec"].get("topicName", name) for name, t in kafka_topics.items()}
        if rendered != topics:
            problems.append(
                f"KafkaTopic: topics {sorted(rendered)} differ from libs/contracts {sorted(topics)}"
            )


def registered_metrics():
    """Metric names the services register: `name: 'mneme_...'` in ServiceMetrics, plus Node defaults."""
    with open(SERVICE_METRICS_TS, encoding="utf-8") as f:
        return set(re.findall(r"name: '(mneme_[a-z0-9_]+)'", f.read())) | DEFAULT_METRICS


def metric_names(expr):
    """The mneme_* metric families a PromQL expression names (histogram suffixes folded)."""
    return {re.sub(r"_(bucket|sum|count)$", "", m) for m in re.findall(r"\bmneme_[a-z0-9_]+", expr)}


def markdown_anchors(path):
    """GitHub's anchors of the headings of a Markdown file."""
    with open(path, encoding="utf-8") as f:
        headings = re.findall(r"^#+ +(.+?) *$", f.read(), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def selects(selector, labels):
    """Whether a label selector (matchLabels and matchExpressions In/NotIn/Exists) selects `labels`."""
    if not selector:
        return False
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        if (op == "In" and labels.get(key) not in values) or (op == "NotIn" and labels.get(key) in values) or (op == "Exists" and key not in labels) or (op == "DoesNotExist" and key in labels):
            return False
    return True


def check_monitoring(by_kind, problems):
    """Scrape targets, alert rules and the dashboard refer to what is rendered and registered."""
    pod_monitors = by_kind.get("PodMonitor", {})
    service_monitors = by_kind.get("ServiceMonitor", {})
    rules = by_kind.get("PrometheusRule", {})
    dashboards = {n: c for n, c in by_kind.get("ConfigMap", {}).items() if (c["metadata"].get("labels") or {}).get("grafana_dashboard") == "1"}
    if not (pod_monitors or service_monitors or rules or dashboards):
        return
    known = registered_metrics()
    workloads = [(f"{k}/{n}", d) for k in WORKLOADS for n, d in by_kind.get(k, {}).items()]
    for where, d in workloads:
        labels = d["spec"]["template"]["metadata"].get("labels") or {}
        ports = {p.get("name") for c in d["spec"]["template"]["spec"].get("containers") or [] for p in c.get("ports") or []}
        scrapes = [m for m in pod_monitors.values() if selects(m["spec"].get("selector"), labels)]
        if len(scrapes) != 1:
            problems.append(f"{where}: must be scraped by exactly one PodMonitor, found {len(scrapes)}")
        for m in scrapes:
            for e in m["spec"].get("podMetricsEndpoints") or []:
                if e.get("port") not in ports:
                    problems.append(f"PodMonitor/{m['metadata']['name']}: scrapes port {e.get('port')!r}, which {where} does not name")
    for name, m in service_monitors.items():
        targets = [s for s in by_kind.get("Service", {}).values() if selects(m["spec"].get("selector"), s["metadata"].get("labels") or {})]
        if not targets:
            problems.append(f"ServiceMonitor/{name}: selects no rendered Service")
        for e in m["spec"].get("endpoints") or []:
            for s in targets:
                if e.get("port") not in {p.get("name") for p in s["spec"].get("ports") or []}:
                    problems.append(f"ServiceMonitor/{name}: port {e.get('port')!r} is not a port of Service/{s['metadata']['name']}")
    anchors = markdown_anchors(RUNBOOKS_MD)
    for name, r in rules.items():
        for g in r["spec"].get("groups") or []:
            for rule in g.get("rules") or []:
                where = f"PrometheusRule/{name} {rule.get('alert') or rule.get('record')}"
                for metric in sorted(metric_names(str(rule.get("expr", ""))) - known):
                    problems.append(f"{where}: metric {metric} is not registered by the services ({os.path.relpath(SERVICE_METRICS_TS, REPO)})")
                if "alert" not in rule:
                    continue
                notes = rule.get("annotations") or {}
                for key in ALERT_ANNOTATIONS:
                    if not notes.get(key):
                        problems.append(f"{where}: annotation {key} is missing")
                runbook = str(notes.get("runbook_url", ""))
                if notes.get("runbook_url") and (not runbook.startswith("deploy/README.md#") or runbook.split("#", 1)[1] not in anchors):
                    problems.append(f"{where}: runbook_url {runbook!r} must be deploy/README.md#<a heading of it>")
                if not (rule.get("labels") or {}).get("severity"):
                    problems.append(f"{where}: label severity is missing")
    with open(DASHBOARD_JSON, encoding="utf-8") as f:
        reference = json.load(f)
    for name, c in dashboards.items():
        for file, text in (c.get("data") or {}).items():
            where = f"ConfigMap/{name} {file}"
            try:
                dashboard = json.loads(text)
            except json.JSONDecodeError as err:
                problems.append(f"{where}: not JSON ({err})")
                continue
            if dashboard != reference:
                problems.append(f"{where}: differs from deploy/grafana/mneme-dashboard.json; copy it into the monitoring component")
            panels = [p for p in dashboard.get("panels") or [] if p.get("type") != "row"]
            if not panels:
                problems.append(f"{where}: has no panels")
            for p in panels:
                targets = p.get("targets") or []
                if not targets:
                    problems.append(f"{where}: panel {p.get('title')!r} has no query")
                for t in targets:
                    for metric in sorted(metric_names(str(t.get("expr", ""))) - known):
                        problems.append(f"{where}: panel {p.get('title')!r} uses metric {metric}, which the services do not register")


def check_integrators(by_kind, problems):
    """Policies letting other namespaces in open only gRPC of the public services, behind the default deny."""
    policies = by_kind.get("NetworkPolicy", {})
    for name, p in policies.items():
        for rule in p["spec"].get("ingress") or []:
            peers = [f.get("namespaceSelector") for f in rule.get("from") or [] if "namespaceSelector" in f]
            if not any(INTEGRATOR_LABEL in ((sel or {}).get("matchLabels") or {}) for sel in peers):
                continue
            where = f"NetworkPolicy/{name}"
            if {"default-deny-ingress", "mneme-allow-grpc-ingress"} - set(policies):
                problems.append(f"{where}: lets integrators in, but the network-policies component (default deny, gRPC between the services) is not rendered")
            if [q.get("port") for q in rule.get("ports") or []] != [GRPC_PORT]:
                problems.append(f"{where}: integrators may reach the gRPC port {GRPC_PORT} only")
            selected = set()
            for kind in WORKLOADS:
                for wname, d in by_kind.get(kind, {}).items():
                    if selects(p["spec"].get("podSelector"), d["spec"]["template"]["metadata"].get("labels") or {}):
                        selected.add(wname)
            if selected != PUBLIC_SERVICES:
                problems.append(f"{where}: lets integrators reach {sorted(selected)}, expected exactly {sorted(PUBLIC_SERVICES)}")


def check_kafka_clients(cluster, kafka, listener, users, clients, problems):
    """Every service speaks the listener's TLS and SASL, as its own KafkaUser, with mounted credentials."""
    tls = listener.get("tls") is True
    mechanism = (listener.get("authentication") or {}).get("type")
    if mechanism not in (None, "scram-sha-512"):
        problems.append(f"Kafka/{cluster}: listener {listener.get('name')} authenticates with {mechanism}; the services speak scram-sha-512")
    if mechanism and (kafka["spec"]["kafka"].get("authorization") or {}).get("type") != "simple":
        problems.append(f"Kafka/{cluster}: authorization must be simple so the KafkaUsers' ACLs apply")
    seen = set()
    for where, pod, c, env in clients:
        if tls and not (env.get("MNEME_KAFKA_TLS_CA") or str(env.get("MNEME_KAFKA_TLS", "")).lower() in TRUE_WORDS):
            problems.append(f"{where}: the Kafka listener is TLS; set MNEME_KAFKA_TLS_CA (the cluster CA)")
        if env.get("MNEME_KAFKA_TLS_CA") and mounted_secret(pod, c, env["MNEME_KAFKA_TLS_CA"]) != f"{cluster}-cluster-ca-cert":
            problems.append(f"{where}: MNEME_KAFKA_TLS_CA must be in a read-only mount of Secret {cluster}-cluster-ca-cert")
        if mechanism is None:
            continue
        user = env.get("MNEME_KAFKA_SASL_USERNAME")
        if env.get("MNEME_KAFKA_SASL_MECHANISM") != mechanism:
            problems.append(f"{where}: MNEME_KAFKA_SASL_MECHANISM must be {mechanism}")
        if user not in users or ((users[user]["spec"].get("authentication") or {}).get("type") != mechanism):
            problems.append(f"{where}: MNEME_KAFKA_SASL_USERNAME={user!r} must name a rendered {mechanism} KafkaUser")
        elif user in seen:
            problems.append(f"{where}: KafkaUser {user} is shared; every service has its own")
        seen.add(user)
        password = env.get("MNEME_KAFKA_SASL_PASSWORD_FILE") or ""
        if user is not None and mounted_secret(pod, c, password) != user:
            problems.append(f"{where}: MNEME_KAFKA_SASL_PASSWORD_FILE={password!r} must be in a read-only mount of Secret {user} (the KafkaUser's)")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    topics = contract_topics(argv[1])
    failed = False
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        problems = []
        check(docs, topics, problems)
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
