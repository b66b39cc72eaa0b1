import { inlineGraph } from '@mneme/autodiff';
import { GraphBuilder, type Model } from '@mneme/graph';
import { ENCODER_IO, PREFIX_IO } from '@mneme/models';
import { MnemeError } from '@mneme/errors';
import { appendClassHead, appendMaskedCrossEntropy, appendPairContrastive, L2P_IO, type L2pHead } from './l2p-graphs.js';
import { l2Normalize } from '../heads/block-head.js';

/** Names of the prefix-prompt graphs' own inputs (labels, weights, logit bias and head are L2P_IO's). */
export const PREFIX_GRAPH_IO = Object.freeze({
  /**
   * float32 [batch, tokens, hidden]: the states entering the encoder slice (token mode: token
   * embeddings, or the cached output of the frozen layers below it), or [batch, hidden] features.
   */
  states: 'prefix/states',
  /** int64 [batch, tokens]: 1 for real tokens (token mode). */
  mask: 'prefix/mask',
  /** float32 [batch, hidden]: the pooled (and optionally normalised) prompted representation. */
  pooled: 'prefix/pooled',
  loss: 'prefix/loss',
});

/** Options of {@link buildPrefixGraph}. */
export interface PrefixGraphSpec {
  readonly hidden: number;
  /**
   * The encoder slice with its prefix layers (from `buildBertEncoder(…, { layers, prefix })`) and
   * its sentence output; absent in feature mode, where a prefix layer's values shift the feature
   * row by their mean (the documented degenerate case: no attention without tokens).
   */
  readonly encoder?: { readonly model: Model; readonly pooledOutput: string };
  /** Prefixed layers and their prefix length (each takes `prefix_key.<i>` and `prefix_value.<i>`). */
  readonly prefixes: readonly { readonly layer: number; readonly length: number }[];
  /**
   * Forms the prefixes in the graph (each prefix name → a [batch, length, hidden] value) from
   * inputs of its own, e.g. CODA-Prompt's weighted components; by default each prefix is an input.
   */
  readonly appendPrefixes?: (b: GraphBuilder) => ReadonlyMap<string, string>;
  /** L2-normalise the pooled representation (sentence-transformers models do). */
  readonly normalize: boolean;
  /**
   * `predict`: pooled and logits; `classify`: + the masked cross-entropy `prefix/loss`;
   * `contrastive`: + the in-batch-negatives loss on pairs (rows 0..pairs−1 queries, then their
   * positives; see {@link appendPairContrastive}), no head.
   */
  readonly objective: 'predict' | 'classify' | 'contrastive';
  /** Temperature of the contrastive loss. @default 0.05 */
  readonly temperature?: number;
  /** Classes of the head; 0 = no head (predict only: the pooled representation). */
  readonly classes: number;
  readonly headKind: L2pHead;
  readonly scale: number;
  readonly head?: { readonly weight: Float32Array; readonly bias: Float32Array };
}

/**
 * One graph of a prefix-prompt strategy (DualPrompt, CODA-Prompt): the frozen encoder slice runs on
 * the given states with each prefixed layer's keys and values as graph inputs, is pooled and
 * scored by a class head; `classify` adds the masked cross-entropy. Prefixes are inputs, so their
 * gradients are input gradients; encoder weights stay constants with no backward work.
 */
export function buildPrefixGraph(spec: PrefixGraphSpec): Model {
  const h = spec.hidden;
  const b = new GraphBuilder({ name: `prefix-${spec.objective}` });
  const prefixInputs = new Map<string, string>(spec.appendPrefixes?.(b) ?? []);
  if (spec.appendPrefixes === undefined) {
    for (const { layer, length } of spec.prefixes) {
      for (const name of [PREFIX_IO.key(layer), PREFIX_IO.value(layer)])
        prefixInputs.set(name, b.input(name, 'float32', ['batch', length, h]));
    }
  }
  let pooled: string;
  if (spec.encoder !== undefined) {
    const states = b.input(PREFIX_GRAPH_IO.states, 'float32', ['batch', 'tokens', h]);
    const mask = b.input(PREFIX_GRAPH_IO.mask, 'int64', ['batch', 'tokens']);
    const entry = spec.encoder.model.graph.inputs.some((i) => i.name === ENCODER_IO.inputsEmbeds)
      ? ENCODER_IO.inputsEmbeds
      : ENCODER_IO.hiddenStates;
    const enc = inlineGraph(
      b,
      spec.encoder.model.graph,
      new Map([[entry, states], [ENCODER_IO.attentionMask, mask], ...prefixInputs]),
      'enc/',
    );
    pooled = enc.get(spec.encoder.pooledOutput)!;
  } else {
    const states = b.input(PREFIX_GRAPH_IO.states, 'float32', ['batch', h]);
    const values = spec.prefixes.map(({ layer }) => b.reduceMean(prefixInputs.get(PREFIX_IO.value(layer))!, [1], false));
    pooled = values.reduce((sum, v) => b.add(sum, v), states);
    // Keys act through attention only; in feature mode they get a zero gradient, not none.
    for (const { layer } of spec.prefixes)
      pooled = b.add(pooled, b.mul(b.reduceMean(prefixInputs.get(PREFIX_IO.key(layer))!, [1], false), b.scalar(0, 'float32')));
  }
  if (spec.normalize) pooled = l2Normalize(b, pooled, -1);
  pooled = b.op('Identity', [pooled], {}, { outputs: [PREFIX_GRAPH_IO.pooled] })[0]!;
  b.output(pooled, 'float32', ['batch', h]);
  const logits =
    spec.classes > 0
      ? appendClassHead(b, pooled, {
          hidden: h,
          classes: spec.classes,
          kind: spec.headKind,
          scale: spec.scale,
          ...(spec.head === undefined ? {} : { init: spec.head }),
        })
      : undefined;
  if (spec.objective === 'predict') return b.build();
  let loss: string;
  if (spec.objective === 'contrastive') {
    loss = appendPairContrastive(b, pooled, h, spec.temperature ?? 0.05, b.input(L2P_IO.weights, 'float32', ['pairs']));
  } else {
    if (logits === undefined) throw new MnemeError('internal', 'the classify objective needs a head (classes > 0)');
    loss = appendMaskedCrossEntropy(b, logits, spec.classes, b.input(L2P_IO.weights, 'float32', ['batch']));
  }
  b.op('Identity', [loss], {}, { outputs: [PREFIX_GRAPH_IO.loss] });
  b.output(PREFIX_GRAPH_IO.loss, 'float32', []);
  return b.build();
}
