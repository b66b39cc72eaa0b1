/**
 * Dense retrieval on CLINC150 with a prefix prompt trained continually (PromptedRetriever), against
 * the frozen encoder.
 *
 * Protocol: the 15 class-incremental experiences of 10 intents (domain order). In experience t the
 * prompt trains on pairs from *all* training utterances of its intents (each intent's utterances
 * shuffled and paired in turn; same-intent pairs are not each other's negatives). After every
 * experience, every query of the gallery split is ranked against the rest of that split: query = an
 * utterance, relevant = the other utterances of its intent. Recall@10 is trec_eval's recall_k (share
 * of the query's relevant utterances in the top 10), MRR@10 the reciprocal rank of the first
 * relevant one. Per experience j, the queries of j's intents give a recall matrix R[t][j]; an
 * earlier experience's loss is max over t ≥ j of R[t][j] − R[14][j] (and, against the frozen
 * encoder, frozen[j] − R[14][j]).
 *
 * Settings are chosen with `--split val` (the validation utterances as gallery and queries); the
 * reported run uses `--split test`.
 *
 *   node --conditions=@mneme/source --import tsx tools/bench/prompt-retrieval.ts --split test --seed 0 \
 *     --out results/step5/retrieval/test-seed0.json
 *
 * Flags: --split (val|test, val), --seed (0), --epochs (1), --start/--end (prompted layers),
 * --length, --lr, --temperature, --pairs (per batch), --anchor, --average (0|1), --init, --out.
 * Env: MNEME_BENCH_THREADS (ORT intra-op threads, default 2).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { mrrAtK, recallAtK, type RankedQuery } from '@mneme/metrics';
import { PromptedRetriever, type PromptedRetrieverOptions, type RetrievalPair } from '@mneme/methods';
import { Rng } from '@mneme/random';
import { VectorIndex } from '@mneme/vector-index';
import { gatherRows } from '@mneme/tensor';
import { clinc150Text } from './clinc150-text.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const split = flag('split', 'val');
if (split !== 'val' && split !== 'test') throw new Error(`--split must be val or test, got '${split}'`);
const seed = Number(flag('seed', '0'));
const epochs = Number(flag('epochs', '1'));
const out = flag('out', `results/step5/retrieval/${split}-seed${seed}.json`);
const threads = Number(process.env['MNEME_BENCH_THREADS'] ?? 2);
const log = (line: string) => process.stderr.write(`prompt-retrieval: ${line}\n`);
const num = (name: string): number | undefined => (args.includes(`--${name}`) ? Number(flag(name, '')) : undefined);

const started = performance.now();
const { executor, set, D, features, text, intents, labelOf } = await clinc150Text(threads, log);
const EXPERIENCES = 15;
const PER_EXPERIENCE = intents.length / EXPERIENCES;
const experienceOf = (label: number) => Math.floor(label / PER_EXPERIENCE);

const start = num('start');
const end = num('end');
const options: PromptedRetrieverOptions = {
  seed,
  ...(start !== undefined && end !== undefined ? { layers: [start, end] as const } : {}),
  ...(num('length') !== undefined ? { length: num('length')! } : {}),
  ...(num('lr') !== undefined ? { learningRate: num('lr')! } : {}),
  ...(num('temperature') !== undefined ? { temperature: num('temperature')! } : {}),
  ...(num('pairs') !== undefined ? { pairsPerBatch: num('pairs')! } : {}),
  ...(num('anchor') !== undefined ? { anchor: num('anchor')! } : {}),
  ...(num('init') !== undefined ? { initScale: num('init')! } : {}),
  ...(args.includes('--average') ? { average: flag('average', '1') === '1' } : {}),
};
const retriever = new PromptedRetriever(executor, text, options);

const galleryIds = set.texts.map((_, i) => i).filter((i) => set.splits[i] === (split === 'val' ? 'validation' : 'test'));
if (galleryIds.length === 0) throw new Error(`CLINC150 has no '${split}' utterances: nothing to rank`);
const galleryTokens = text.tokensOfIds(Int32Array.from(galleryIds));

/** recall@10 and MRR@10 over all queries and per experience, each query ranked against the rest of the gallery. */
function evaluate(vectors: Float32Array): { all: Record<string, number>; perExperience: { recall_at_10: number[]; mrr_at_10: number[] } } {
  const index = new VectorIndex({ dimensions: D, exactBelow: galleryIds.length + 1 });
  index.add(
    Int32Array.from(galleryIds.keys()),
    vectors,
    Int32Array.from(galleryIds, (id) => labelOf[id]!),
  );
  const hits = index.searchBatch(vectors, 11);
  const byExperience: RankedQuery[][] = Array.from({ length: EXPERIENCES }, () => []);
  const all: RankedQuery[] = [];
  const relevantOf = new Map<number, string[]>();
  galleryIds.forEach((id, g) => relevantOf.set(labelOf[id]!, [...(relevantOf.get(labelOf[id]!) ?? []), String(g)]));
  hits.forEach((h, q) => {
    const label = labelOf[galleryIds[q]!]!;
    const ranked = [...h.ids]
      .filter((g) => g !== q)
      .slice(0, 10)
      .map(String);
    const relevance = Object.fromEntries(
      relevantOf
        .get(label)!
        .filter((g) => g !== String(q))
        .map((g) => [g, 1]),
    );
    const query = { ranked, relevance };
    all.push(query);
    byExperience[experienceOf(label)]!.push(query);
  });
  return {
    all: { recall_at_10: recallAtK(all, 10).value, mrr_at_10: mrrAtK(all, 10).value },
    perExperience: {
      recall_at_10: byExperience.map((qs) => recallAtK(qs, 10).value),
      mrr_at_10: byExperience.map((qs) => mrrAtK(qs, 10).value),
    },
  };
}

/** Each intent's training utterances, shuffled and paired in turn (an odd one out pairs with the first). */
function experiencePairs(e: number, rng: Rng): RetrievalPair[] {
  const pairs: RetrievalPair[] = [];
  for (let c = e * PER_EXPERIENCE; c < (e + 1) * PER_EXPERIENCE; c++) {
    const ids = rng.shuffle(set.texts.map((_, i) => i).filter((i) => set.splits[i] === 'train' && labelOf[i] === c));
    for (let k = 0; k < ids.length; k += 2) {
      const [a, b] = [ids[k]!, ids[k + 1] ?? ids[0]!];
      const [query, positive] = text.tokensOfIds(Int32Array.of(a, b));
      pairs.push({ query: query!, positive: positive!, group: c });
    }
  }
  return pairs;
}

const frozen = evaluate(gatherRows(features, D, galleryIds));
log(
  `frozen: recall@10 ${frozen.all['recall_at_10']!.toFixed(4)}, MRR@10 ${frozen.all['mrr_at_10']!.toFixed(4)} (${galleryIds.length} ${split} utterances)`,
);
const untrained = evaluate(await retriever.embed(galleryTokens));
log(`untrained prompt: recall@10 ${untrained.all['recall_at_10']!.toFixed(4)}, MRR@10 ${untrained.all['mrr_at_10']!.toFixed(4)}`);

const rng = Rng.seeded(seed);
const recallMatrix: number[][] = [];
const mrrMatrix: number[][] = [];
const training: { experience: number; pairs: number; steps: number; mean_loss: number; seconds: number }[] = [];
let last = untrained;
for (let e = 0; e < EXPERIENCES; e++) {
  const t0 = performance.now();
  const pairs = experiencePairs(e, rng);
  retriever.beginExperience();
  const { steps, meanLoss } = await retriever.train(pairs, { epochs, seed: seed * 100 + e });
  retriever.endExperience();
  last = evaluate(await retriever.embed(galleryTokens));
  recallMatrix.push(last.perExperience.recall_at_10);
  mrrMatrix.push(last.perExperience.mrr_at_10);
  training.push({ experience: e, pairs: pairs.length, steps, mean_loss: meanLoss, seconds: (performance.now() - t0) / 1000 });
  log(
    `experience ${e + 1}/${EXPERIENCES}: ${steps} steps, loss ${meanLoss.toFixed(3)}; recall@10 ${last.all['recall_at_10']!.toFixed(4)} (frozen ${frozen.all['recall_at_10']!.toFixed(4)}), MRR@10 ${last.all['mrr_at_10']!.toFixed(4)} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
}

const final = recallMatrix.at(-1)!;
/** Per earlier experience j: the most recall it lost since it was trained, and its gap to the frozen encoder. */
const forgetting = final.map((r, j) => Math.max(...recallMatrix.slice(j).map((row) => row[j]!)) - r);
const belowFrozen = final.map((r, j) => frozen.perExperience.recall_at_10[j]! - r);
const earlier = [...Array(EXPERIENCES - 1).keys()];
const report = {
  benchmark: `CLINC150 dense retrieval, ${split} split: query = an utterance, relevant = the other utterances of its intent, gallery = the ${split} utterances minus the query; prompt trained continually over 15 experiences of 10 intents`,
  split,
  gallery: galleryIds.length,
  settings: { ...retriever.options, epochs, threads, pairs: 'every training utterance of the experience’s intents, paired in turn' },
  command: `node --conditions=@mneme/source --import tsx tools/bench/prompt-retrieval.ts ${args.join(' ')}`,
  frozen: frozen.all,
  untrained: untrained.all,
  continual: last.all,
  gain: {
    recall_at_10: last.all['recall_at_10']! - frozen.all['recall_at_10']!,
    mrr_at_10: last.all['mrr_at_10']! - frozen.all['mrr_at_10']!,
  },
  earlier_experiences: {
    max_recall_lost_since_trained: Math.max(...earlier.map((j) => forgetting[j]!)),
    max_recall_below_frozen: Math.max(...earlier.map((j) => belowFrozen[j]!)),
    recall_lost_since_trained: forgetting,
    recall_below_frozen: belowFrozen,
  },
  frozen_per_experience: frozen.perExperience,
  recall_at_10_matrix: recallMatrix,
  mrr_at_10_matrix: mrrMatrix,
  training,
  wall_s: (performance.now() - started) / 1000,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
log(
  `recall@10 ${last.all['recall_at_10']!.toFixed(4)} vs frozen ${frozen.all['recall_at_10']!.toFixed(4)}; MRR@10 ${last.all['mrr_at_10']!.toFixed(4)} vs ${frozen.all['mrr_at_10']!.toFixed(4)}; earlier experiences lost at most ${(100 * report.earlier_experiences.max_recall_lost_since_trained).toFixed(2)} pt since trained, ${(100 * report.earlier_experiences.max_recall_below_frozen).toFixed(2)} pt below frozen`,
);
log(`wrote ${out} (${report.wall_s.toFixed(0)} s)`);
await retriever.dispose();
