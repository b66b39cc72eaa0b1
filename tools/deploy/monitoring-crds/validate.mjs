// Validates the monitoring objects of the renders: PodMonitors, ServiceMonitors and PrometheusRules
// against the Prometheus Operator's CRD schemas, as @kubernetes-models/prometheus-operator ships
// them (validators generated from the CRDs: field types, enums, required fields; like the API
// server they accept unknown fields, so tools/deploy/check-rendered.py checks the fields mneme
// relies on), and every PromQL expression (alert rules, Grafana dashboard panels) with Prometheus's
// own grammar (@prometheus-io/lezer-promql).
//
// Usage: node validate.mjs NODE_MODULES OBJECTS.json   (OBJECTS.json: [{ "file": ..., "doc": {...} }])
// Exits 1 listing every problem; 2 on bad usage.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, objectsFile] = process.argv.slice(2);
if (modules === undefined || objectsFile === undefined) {
  console.error('usage: node validate.mjs NODE_MODULES OBJECTS.json');
  process.exit(2);
}
const load = (path) => import(pathToFileURL(join(modules, path)).href);
const KINDS = ['PodMonitor', 'PrometheusRule', 'ServiceMonitor'];
const models = {};
for (const kind of KINDS)
  models[`monitoring.coreos.com/v1/${kind}`] = (await load(`@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}.js`))[
    kind
  ];
const { parser } = await load('@prometheus-io/lezer-promql/dist/index.es.js');

/** Offsets where the PromQL grammar found an error in `expr`. */
function promqlErrors(expr) {
  const at = [];
  parser.parse(expr).iterate({ enter: (node) => void (node.type.isError && at.push(node.from)) });
  return at;
}

// Grafana's variables are not PromQL: stand-ins of the right kind before parsing.
const GRAFANA_VARIABLES = [
  [/\$__rate_interval|\$__interval|\$__range/g, '5m'],
  [/\$\{?model\}?/g, '.*'],
];

const problems = [];
const counts = {};
const checkExpr = (where, expr) => {
  counts.PromQL = (counts.PromQL ?? 0) + 1;
  const errors = promqlErrors(expr);
  if (errors.length > 0) problems.push(`${where}: PromQL does not parse at offset ${errors[0]}: ${JSON.stringify(expr.trim())}`);
};
for (const { file, doc } of JSON.parse(readFileSync(objectsFile, 'utf8'))) {
  const where = `${file}: ${doc.kind}/${doc.metadata?.name}`;
  if (doc.kind === 'ConfigMap') {
    for (const [name, text] of Object.entries(doc.data ?? {})) {
      for (const panel of JSON.parse(text).panels ?? []) {
        for (const target of panel.targets ?? []) {
          checkExpr(
            `${where} ${name} panel "${panel.title}"`,
            GRAFANA_VARIABLES.reduce((e, [re, to]) => e.replace(re, to), String(target.expr ?? '')),
          );
        }
      }
    }
    continue;
  }
  const key = `${doc.apiVersion}/${doc.kind}`;
  const Model = models[key];
  if (Model === undefined) {
    problems.push(`${where}: no schema for ${key} (known: ${Object.keys(models).join(', ')})`);
    continue;
  }
  counts[doc.kind] = (counts[doc.kind] ?? 0) + 1;
  try {
    new Model(doc).validate();
  } catch (err) {
    problems.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (doc.kind === 'PrometheusRule') {
    for (const group of doc.spec?.groups ?? [])
      for (const rule of group.rules ?? []) checkExpr(`${where} ${rule.alert ?? rule.record}`, String(rule.expr ?? ''));
  }
}
for (const p of problems) console.error(p);
console.log(
  `    ${
    Object.entries(counts)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ') || 'nothing'
  } checked, ${problems.length} problems`,
);
process.exit(problems.length > 0 ? 1 : 0);
