import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EncoderServiceClient, EvaluatorServiceClient, ScenarioKind, TrainerServiceClient, type TrainingSample } from '@mneme/contracts';
import { InProcessBus, silentEventLogger } from '@mneme/events';
import { createClient, unary } from '@mneme/rpc';
import { ServiceMetrics } from '@mneme/service-runtime';
import { removeDir, quietLogger, tempDataDir, testExecutor } from '@mneme/testing';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type RunningStack } from './start-stack.js';

const REPO = resolve(import.meta.dirname, '../../..');
const MONITORING = join(REPO, 'deploy/kustomize/components/monitoring');

const input = (features: number[]) => ({
  kind: { $case: 'features' as const, value: toWire(tensor('float32', [features.length], Float32Array.from(features))) },
});
const sample = (id: string, label: string, features: number[], experienceIndex = 0): TrainingSample => ({
  sample: { sampleId: id, label, input: input(features), metadata: {} },
  experience: { modelId: 'm', experienceIndex },
});

/** The value of one series in a Prometheus text scrape, or undefined when it is absent. */
function valueOf(scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Metric names (`mneme_*`) a PromQL text refers to, histogram and summary suffixes folded into their family. */
function metricNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\bmneme_[a-z0-9_]+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, '')))];
}

describe('the metrics the monitoring component needs, scraped from running services', () => {
  let dir: string;
  let bus: InProcessBus;
  let stack: RunningStack;
  let scrape = '';
  const scrapeNow = async () => (await fetch(`http://127.0.0.1:${stack.metricsEndpoint!.port}/metrics`)).text();

  beforeAll(async () => {
    dir = await tempDataDir();
    bus = new InProcessBus({ logger: silentEventLogger });
    stack = await startStack({
      services: ['trainer', 'evaluator', 'encoder'],
      dataDir: dir,
      bus,
      executor: await testExecutor(),
      logger: quietLogger,
      metrics: new ServiceMetrics(),
      metricsPort: 0,
    });
    const trainer = createClient(TrainerServiceClient, stack.address);
    const evaluator = createClient(EvaluatorServiceClient, stack.address);
    const encoder = createClient(EncoderServiceClient, stack.address);
    try {
      await unary(trainer.createModel.bind(trainer), {
        modelId: 'm',
        spec: {
          base: 'mlp:2-4',
          scenario: ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
          strategy: { name: 'naive', options: {} },
          labels: ['a', 'b'],
          seed: 0,
        },
      });
      for (const experienceIndex of [0, 1]) {
        const heldOut = [sample(`h${experienceIndex}a`, 'a', [1, 0]), sample(`h${experienceIndex}b`, 'b', [0, 1])];
        await unary(evaluator.registerHeldOut.bind(evaluator), {
          experience: { modelId: 'm', experienceIndex },
          samples: heldOut.map((s) => ({ sample: s.sample })),
        });
      }
      const samples = [sample('s1', 'a', [1, 0]), sample('s2', 'b', [0, 1]), sample('s3', 'a', [0.9, 0.1]), sample('s4', 'b', [0.1, 0.9])];
      await unary(trainer.ingest.bind(trainer), { modelId: 'm', samples });
      // A repeat is not ingested again.
      await unary(trainer.ingest.bind(trainer), { modelId: 'm', samples: samples.slice(0, 1) });
      await unary(trainer.closeExperience.bind(trainer), { experience: { modelId: 'm', experienceIndex: 0 }, sampleCount: 4 });
      // The experience's version is evaluated asynchronously (model-updated), as deployed.
      const deadline = Date.now() + 60_000;
      do {
        await new Promise((r) => setTimeout(r, 50));
        scrape = await scrapeNow();
      } while (valueOf(scrape, 'mneme_model_accuracy{model="m",metric="acc"}') === undefined && Date.now() < deadline);
      await unary(encoder.predict.bind(encoder), { model: { modelId: 'm', version: 0 }, inputs: [input([1, 0])], topK: 1 });
      await bus.whenIdle();
      scrape = await scrapeNow();
    } finally {
      trainer.close();
      evaluator.close();
      encoder.close();
    }
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await bus?.close();
    await removeDir(dir);
  });

  it('samples ingested and trained, the sample log, published, evaluated and served versions, ACC, and the consumer lag', () => {
    expect(valueOf(scrape, 'mneme_samples_ingested_total{model="m"}')).toBe(4);
    expect(valueOf(scrape, 'mneme_samples_trained_total{model="m"}')).toBe(4);
    // Four samples and the experience's close.
    expect(valueOf(scrape, 'mneme_sample_log_samples{model="m"}')).toBe(5);
    // Version 1 is the untrained one of CreateModel; experience 0 made version 2.
    expect(valueOf(scrape, 'mneme_model_version{service="trainer",model="m"}')).toBe(2);
    expect(valueOf(scrape, 'mneme_model_version{service="evaluator",model="m"}')).toBe(2);
    expect(valueOf(scrape, 'mneme_model_version{service="encoder",model="m"}')).toBe(2);
    const acc = valueOf(scrape, 'mneme_model_accuracy{model="m",metric="acc"}');
    expect(acc).toBeGreaterThanOrEqual(0);
    expect(acc).toBeLessThanOrEqual(1);
    // Every event was handled: no group is behind.
    expect(valueOf(scrape, 'mneme_consumer_lag{group="trainer",topic="mneme.samples.v1"}')).toBe(0);
    expect(valueOf(scrape, 'mneme_consumer_lag{group="evaluator",topic="mneme.model-updated.v1"}')).toBe(0);
    // naive reports the cross-entropy of its last step.
    const loss = valueOf(scrape, 'mneme_training_loss{model="m"}');
    expect(loss).toBeGreaterThan(0);
    expect(Number.isFinite(loss)).toBe(true);
  });

  it('follows a new version: published by the trainer, swapped in by the encoder, evaluated, with BWT and forgetting once there are two experiences', async () => {
    const trainer = createClient(TrainerServiceClient, stack.address);
    try {
      await unary(trainer.ingest.bind(trainer), { modelId: 'm', samples: [sample('t1', 'a', [1, 0], 1), sample('t2', 'b', [0, 1], 1)] });
      await unary(trainer.closeExperience.bind(trainer), { experience: { modelId: 'm', experienceIndex: 1 }, sampleCount: 2 });
    } finally {
      trainer.close();
    }
    const versions = (text: string) =>
      ['trainer', 'encoder', 'evaluator'].map((service) => valueOf(text, `mneme_model_version{service="${service}",model="m"}`));
    let now = await scrapeNow();
    for (const deadline = Date.now() + 60_000; versions(now).some((v) => v !== 3) && Date.now() < deadline; now = await scrapeNow())
      await new Promise((r) => setTimeout(r, 50));
    expect(versions(now)).toEqual([3, 3, 3]);
    expect(valueOf(now, 'mneme_samples_ingested_total{model="m"}')).toBe(6);
    expect(valueOf(now, 'mneme_model_accuracy{model="m",metric="forgetting"}')).toBeGreaterThanOrEqual(0);
    expect(valueOf(now, 'mneme_model_accuracy{model="m",metric="bwt"}')).toBeDefined();
  });

  it('every metric the Grafana dashboard and the alert rules use is one the services export', () => {
    const exported = new Set([...scrape.matchAll(/^# TYPE (\S+) /gm)].map(([, name]) => name!));
    const dashboard = JSON.parse(readFileSync(join(REPO, 'deploy/grafana/mneme-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const sources: [string, string][] = dashboard.panels.flatMap((p) =>
      (p.targets ?? []).map((t): [string, string] => [`dashboard panel "${p.title}"`, t.expr]),
    );
    const rules = readdirSync(MONITORING).filter((f) => f.endsWith('prometheusrule.yaml'));
    expect(rules.length).toBeGreaterThan(0);
    for (const file of rules)
      for (const [, expr] of readFileSync(join(MONITORING, file), 'utf8').matchAll(
        /^\s+expr: *\|?\n?([\s\S]*?)(?=^\s+(?:for|labels|annotations|- alert|- record):)/gm,
      ))
        sources.push([file, expr!]);
    expect(sources.length).toBeGreaterThan(10);
    const missing = sources.flatMap(([where, expr]) =>
      metricNames(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
  });
});
