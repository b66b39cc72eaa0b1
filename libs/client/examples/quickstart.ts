/**
 * Quickstart of @mneme/client: creates a small model (`mlp:4-8`, naive fine-tuning, labels a/b),
 * ingests synthetic samples in two experiences, closes them, waits for the trainer's versions,
 * predicts with the served version and prints the versions.
 *
 * Start the services first (`npx mneme up --serve`: the trainer, encoder and evaluator on one
 * address), then, from the repository root:
 *
 *   node --conditions=@mneme/source --import tsx libs/client/examples/quickstart.ts --address 127.0.0.1:50051
 *
 * `--trainer`, `--encoder` and `--evaluator` give one address per service instead (all three, and
 * no --address). `--model <id>` picks another model id (default `quickstart-<time>`, so reruns do
 * not collide). libs/client/src/packed-client.spec.ts runs this file against the packed package.
 */
import { parseArgs } from 'node:util';
// Integrators import from '@mneme/client'; inside its own project the example imports the source.
import { connect, MnemeError, type SampleInput, type ServiceAddresses } from '../src/index.js';

const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    trainer: { type: 'string' },
    encoder: { type: 'string' },
    evaluator: { type: 'string' },
    model: { type: 'string' },
  },
});
const modelId = values.model ?? `quickstart-${Date.now().toString(36)}`;
const { address, trainer, encoder, evaluator } = values;
const perService = trainer !== undefined || encoder !== undefined || evaluator !== undefined;
// Passed on as given: connect() checks the combination and names what is missing or given twice.
const addresses = (perService
  ? { address, trainer, encoder, evaluator }
  : { address: address ?? '127.0.0.1:50051' }) as unknown as ServiceAddresses;

/** Two well-separated classes; experience 1 shifts the second feature (a mild domain drift). */
function syntheticSamples(experience: number, count: number): SampleInput[] {
  return Array.from({ length: count }, (_, i) => {
    const label = i % 2 === 0 ? 'a' : 'b';
    const sign = label === 'a' ? 1 : -1;
    return {
      id: `${modelId}-${experience}-${i}`,
      label,
      features: [sign * (1 + (i % 5) / 10), experience * 0.5, Math.sin(i), Math.cos(i)],
      experience,
    };
  });
}

const mneme = await connect(addresses);
try {
  const created = await mneme.createModel({ modelId, base: 'mlp:4-8', labels: ['a', 'b'], strategy: 'naive', seed: 1 });
  console.log(`created ${created.modelId} version ${created.version}`);
  for (const experience of [0, 1]) {
    const { accepted } = await mneme.ingest(modelId, syntheticSamples(experience, 40));
    const { sampleCount } = await mneme.closeExperience(modelId, experience);
    console.log(`experience ${experience}: ${accepted} samples accepted, closed with sample_count ${sampleCount}`);
  }
  // Training is asynchronous: the trainer saves one version per closed experience.
  const deadline = Date.now() + 30_000;
  while ((await mneme.listVersions(modelId)).every((v) => v.trainedThrough !== 1)) {
    if (Date.now() > deadline) throw new Error('the trainer did not save the version of experience 1 within 30 s; check its logs');
    await new Promise((r) => setTimeout(r, 200));
  }
  const { servedBy, predictions } = await mneme.predict(modelId, [
    [1.2, 0.5, 0, 1],
    [-1.2, 0.5, 0, 1],
  ]);
  console.log(`predictions by version ${servedBy.version}:`);
  predictions.forEach((scores, i) =>
    console.log(`  input ${i}: ${scores.map((s) => `${s.label} ${s.probability.toFixed(3)}`).join(', ')}`),
  );
  console.log('versions:');
  for (const v of await mneme.listVersions(modelId)) {
    console.log(`  v${v.version} ${v.state} trained through ${v.trainedThrough ?? '-'} on ${v.samplesSeen} samples`);
  }
} catch (err) {
  console.error(err instanceof MnemeError ? `${err.kind}: ${err.message}` : err);
  process.exitCode = 1;
} finally {
  mneme.close();
}
