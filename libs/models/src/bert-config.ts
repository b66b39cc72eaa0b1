/** The subset of a Hugging Face BERT `config.json` that shapes the graph. */
export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  /** Only 'gelu' (exact, erf-based) is supported, as in BERT and MiniLM. */
  hiddenAct: 'gelu';
}

/** The all-MiniLM-L6-v2 shape: hidden 384, 6 layers, 12 heads, FFN 1536. */
export const MINILM_L6_SHAPE: BertConfig = Object.freeze({
  vocabSize: 30522,
  hiddenSize: 384,
  numHiddenLayers: 6,
  numAttentionHeads: 12,
  intermediateSize: 1536,
  maxPositionEmbeddings: 512,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  hiddenAct: 'gelu',
});

/** Checks a config and returns every problem found. */
export function validateBertConfig(c: BertConfig): string[] {
  const problems: string[] = [];
  for (const key of [
    'vocabSize',
    'hiddenSize',
    'numHiddenLayers',
    'numAttentionHeads',
    'intermediateSize',
    'maxPositionEmbeddings',
    'typeVocabSize',
  ] as const) {
    if (!Number.isInteger(c[key]) || c[key] <= 0) problems.push(`${key} must be a positive integer, got ${c[key]}`);
  }
  if (c.hiddenSize % c.numAttentionHeads !== 0)
    problems.push(`hiddenSize ${c.hiddenSize} is not divisible by numAttentionHeads ${c.numAttentionHeads}`);
  if (!(c.layerNormEps > 0)) problems.push(`layerNormEps must be positive, got ${c.layerNormEps}`);
  if (c.hiddenAct !== 'gelu') problems.push(`hiddenAct '${String(c.hiddenAct)}' is not supported (only 'gelu')`);
  return problems;
}
