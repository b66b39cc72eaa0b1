/**
 * The small, fixed runs that compare paths through mneme: the equality tests stream every strategy
 * through the services and compare with `mneme run`, and `npm run check:matrices` runs them before
 * and after a change to show the accuracy matrices did not move.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The benchmark every strategy is streamed through to compare the services with `mneme run`. */
export const EQUALITY_BENCHMARK = 'split-mnist-mini';

/** Options that keep the slowest strategies to seconds here; the same options go to both runs. */
export const EQUALITY_OPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  distill: { 'outer-steps': '3', k: '2', method: 'first-order', 'real-batch': '32' },
  l2p: { size: '4', length: '2', select: '2' },
  // Short prefixes in one or two nominal layers; with a fitted head, its statistics go through the services' state too.
  'dual-prompt': { gEnd: '1', eStart: '1', eEnd: '2', gLength: '2', eLength: '2', head: 'class-mean' },
  'coda-prompt': { end: '1', length: '2', components: '2' },
  // With replay memories, so their memories go through the memory port (and the replay-memory service) too.
  curriculum: { memory: '100' },
  active: { memory: '100' },
  // A smaller projection keeps each closed-form solve short; the kNN mixture puts its memory through the port.
  ranpac: { projection: '128', inputs: 'false', 'knn-weight': '0.25' },
};

/** Settings of the text cases: one pass (a stream is online), small batches so each experience takes several steps. */
export const TEXT_EQUALITY_SETTINGS = Object.freeze({ epochs: 1, batchSize: 4 });

/**
 * Options of the token strategies on the tiny text set through MiniLM: few short prompts, prefixes
 * in the encoder's last layers, and 128 random features to keep the ridge heads' solves short (the
 * text benchmark's l2p and dual-prompt default to a ridge head).
 */
export const TEXT_EQUALITY_OPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  l2p: { size: '4', length: '2', select: '2', maxTokens: '16', projection: '128' },
  'dual-prompt': { gStart: '4', gEnd: '5', eStart: '5', eEnd: '6', projection: '128' },
  'coda-prompt': { start: '4', end: '6', components: '2' },
};

const TOPICS: Readonly<Record<string, readonly string[]>> = {
  weather: ['rain', 'snow', 'sunshine', 'wind', 'fog', 'a storm', 'thunder', 'frost', 'heat'],
  food: ['pizza', 'pasta', 'soup', 'bread', 'a salad', 'curry', 'rice', 'cheese', 'noodles'],
  sport: ['football', 'tennis', 'hockey', 'a marathon', 'rugby', 'golf', 'cycling', 'boxing', 'rowing'],
  music: ['a guitar', 'the piano', 'a violin', 'jazz', 'a symphony', 'drums', 'opera', 'a choir', 'the cello'],
};

/**
 * A tiny labelled text set for the generic `text` benchmark: 4 topics × (6 training + 3 test)
 * short sentences, as JSONL in `dir` (two experiences of two classes with `experiences: 2`).
 */
export async function writeTinyTextSet(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const lines = Object.entries(TOPICS).flatMap(([label, words]) =>
    words.map((w, i) =>
      JSON.stringify({
        text: i % 2 === 0 ? `tell me about ${w} today` : `what do you think of ${w}`,
        label,
        split: i < 6 ? 'train' : 'test',
      }),
    ),
  );
  await writeFile(join(dir, 'tiny.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}
