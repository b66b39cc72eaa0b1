import { InvalidArgumentError } from '@mneme/errors';
import { tensorsEqual } from '@mneme/graph';
import { Rng } from '@mneme/random';
import { describe, expect, it } from 'vitest';
import { bertParameterShapes, type BertWeights } from './bert-encoder.js';
import { type BertConfig } from './bert-config.js';
import { bertWeightsToSafetensors } from './hf-export.js';
import {
  bertConfigFromHf,
  buildBertGraphs,
  importHfBert,
  mnemeParameterName,
  tokenizerSettingsFromHf,
  vocabFromHf,
  type HfModelFiles,
} from './hf-import.js';
import { filled } from './init.js';
import { encodeSafetensors } from './safetensors.js';

const TINY: BertConfig = {
  vocabSize: 12,
  hiddenSize: 8,
  numHiddenLayers: 2,
  numAttentionHeads: 2,
  intermediateSize: 16,
  maxPositionEmbeddings: 16,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  hiddenAct: 'gelu',
};
const HF_CONFIG = {
  model_type: 'bert',
  vocab_size: 12,
  hidden_size: 8,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 16,
  max_position_embeddings: 16,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  hidden_act: 'gelu',
};
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b', 'c', '##a', '##b', '.', ','];

/** Every parameter random (biases and LayerNorm too), so a mis-mapped name cannot go unnoticed. */
function randomWeights(seed: number): BertWeights {
  const rng = Rng.seeded(seed);
  return new Map([...bertParameterShapes(TINY)].map(([name, shape]) => [name, filled(shape, () => rng.normal(0, 0.5))]));
}

const files = (over: Partial<HfModelFiles> = {}): HfModelFiles => ({
  config: HF_CONFIG,
  safetensors: bertWeightsToSafetensors(randomWeights(1)),
  vocabText: VOCAB.join('\n'),
  ...over,
});

describe('importHfBert', () => {
  it('maps names and transposes linear weights back to the original [in, out] tensors', () => {
    const original = randomWeights(1);
    const imported = importHfBert(files());
    expect(imported.config).toEqual(TINY);
    expect([...imported.weights.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [name, w] of original) expect(tensorsEqual(imported.weights.get(name)!, w), name).toBe(true);
    expect(imported.weights.get('encoder.layer.0.intermediate.dense.weight')!.shape).toEqual([8, 16]);
    expect(imported.vocab).toEqual(VOCAB);
    expect(imported.pooling).toBe('mean');
    expect(imported.normalize).toBe(false);
  });

  it('accepts a bert. prefix, TF-era gamma/beta names, and ignores pooler, MLM head and buffers', () => {
    const original = randomWeights(2);
    const renamed = new Map(
      [...original].map(([n, w]) => [n.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), w]),
    );
    const extra = new Map([
      ['bert.pooler.dense.weight', { shape: [8, 8], data: new Float32Array(64) }],
      ['cls.predictions.bias', { shape: [12], data: new Float32Array(12) }],
    ]);
    const imported = importHfBert(files({ safetensors: bertWeightsToSafetensors(renamed, { prefix: 'bert.', extra }) }));
    for (const [name, w] of original) expect(tensorsEqual(imported.weights.get(name)!, w), name).toBe(true);
    expect(imported.ignoredTensors).toEqual(['bert.pooler.dense.weight', 'cls.predictions.bias']);
    expect(mnemeParameterName('bert.embeddings.LayerNorm.gamma')).toBe('embeddings.LayerNorm.weight');
  });

  it('widens BF16 checkpoints to float32', () => {
    const imported = importHfBert(files({ safetensors: bertWeightsToSafetensors(randomWeights(1), { dtype: 'BF16' }) }));
    const a = imported.weights.get('embeddings.word_embeddings.weight')!;
    const b = randomWeights(1).get('embeddings.word_embeddings.weight')!;
    expect(a.dtype).toBe('float32');
    for (let i = 0; i < a.data.length; i++)
      expect(Math.abs(Number(a.data[i]) - Number(b.data[i]))).toBeLessThanOrEqual(Math.abs(Number(b.data[i])) / 128);
  });

  it('reports every missing or mis-shaped tensor at once', () => {
    const w = new Map(randomWeights(1));
    w.delete('encoder.layer.1.output.dense.bias');
    w.set(
      'embeddings.LayerNorm.weight',
      filled([7], () => 1),
    );
    let error: unknown;
    try {
      importHfBert(files({ safetensors: bertWeightsToSafetensors(w) }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).problems).toEqual([
      "tensor 'embeddings.LayerNorm.weight' has shape [7], expected [8] for this config",
      "checkpoint has no tensor 'encoder.layer.1.output.dense.bias' (nor 'bert.encoder.layer.1.output.dense.bias')",
    ]);
  });

  it('rejects unsupported or invalid configs with every reason', () => {
    expect(() =>
      bertConfigFromHf({ ...HF_CONFIG, model_type: 'roberta', hidden_act: 'gelu_new', position_embedding_type: 'relative_key' }),
    ).toThrow(
      /model_type 'roberta' is not supported.*position_embedding_type 'relative_key' is not supported.*hidden_act 'gelu_new' is not supported/,
    );
    expect(() => bertConfigFromHf({ ...HF_CONFIG, hidden_size: 9 })).toThrow(/hiddenSize 9 is not divisible by numAttentionHeads 2/);
    expect(() => bertConfigFromHf({ hidden_size: 8 })).toThrow(/'vocab_size' must be an integer/);
    expect(() => bertConfigFromHf([])).toThrow(/config.json must be a JSON object/);
    expect(bertConfigFromHf({ ...HF_CONFIG, type_vocab_size: undefined, layer_norm_eps: undefined }).layerNormEps).toBe(1e-12);
  });

  it('rejects a vocabulary larger than the embedding table, or one without special tokens', () => {
    expect(() => importHfBert(files({ vocabText: [...VOCAB, 'x'].join('\n') }))).toThrow(/13 tokens but the embedding table only 12 rows/);
    expect(() => importHfBert(files({ vocabText: 'a\nb\n' }))).toThrow(/CLS token '\[CLS\]' is not in the vocabulary/);
    expect(() => importHfBert(files({ vocabText: undefined }))).toThrow(/no vocabulary/);
  });

  it('reads sentence-transformers pooling and normalisation', () => {
    const st = importHfBert(
      files({
        poolingConfig: { pooling_mode_cls_token: true, pooling_mode_mean_tokens: false },
        modules: [{ type: 'sentence_transformers.models.Normalize' }],
      }),
    );
    expect(st.pooling).toBe('cls');
    expect(st.normalize).toBe(true);
    expect(() => importHfBert(files({ poolingConfig: { pooling_mode_max_tokens: true } }))).toThrow(/only mean or CLS pooling/);
  });

  it('builds both entry points with the documented inputs and outputs', () => {
    const imported = importHfBert(files());
    const { embeddings, encoder } = buildBertGraphs(imported.config, imported.weights);
    expect(embeddings.graph.inputs.map((i) => i.name)).toEqual(['input_ids', 'token_type_ids']);
    expect(embeddings.graph.outputs.map((o) => o.name)).toEqual(['inputs_embeds']);
    expect(encoder.graph.inputs.map((i) => i.name)).toEqual(['inputs_embeds', 'attention_mask']);
    expect(encoder.graph.outputs.map((o) => o.name)).toEqual(['last_hidden_state', 'cls', 'mean_pooled']);
  });
});

describe('tokenizer files', () => {
  it('takes tokenizer_config over tokenizer.json, and sentence-transformers max_seq_length over model_max_length', () => {
    const s = tokenizerSettingsFromHf(
      {
        tokenizerJson: {
          normalizer: { type: 'BertNormalizer', lowercase: true, strip_accents: null, handle_chinese_chars: false },
          model: { type: 'WordPiece', max_input_chars_per_word: 50, continuing_subword_prefix: '##' },
        },
        tokenizerConfig: { do_lower_case: false, strip_accents: null, model_max_length: 512, unk_token: { content: '[UNK]' } },
        specialTokensMap: { cls_token: '[CLS]' },
        sentenceBertConfig: { max_seq_length: 10 },
      },
      TINY,
    );
    expect(s).toMatchObject({
      lowercase: false,
      stripAccents: false,
      tokenizeChineseChars: false,
      maxInputCharsPerWord: 50,
      maxLength: 10,
      unkToken: '[UNK]',
      clsToken: '[CLS]',
    });
    // model_max_length beyond the position table is capped; the 1e30 "no limit" sentinel is ignored.
    expect(tokenizerSettingsFromHf({ tokenizerConfig: { model_max_length: 512 } }, TINY).maxLength).toBe(16);
    expect(tokenizerSettingsFromHf({ tokenizerConfig: { model_max_length: 1e30 } }, TINY).maxLength).toBe(16);
    expect(tokenizerSettingsFromHf({}, TINY)).toMatchObject({ lowercase: true, stripAccents: true, maxLength: 16 });
  });

  it('reads the vocabulary from tokenizer.json when there is no vocab.txt', () => {
    expect(vocabFromHf({ tokenizerJson: { model: { type: 'WordPiece', vocab: { b: 1, a: 0 } } } })).toEqual(['a', 'b']);
    expect(() => vocabFromHf({ tokenizerJson: { model: { type: 'WordPiece', vocab: { a: 0, c: 2 } } } })).toThrow(
      /not contiguous \(1 missing/,
    );
    expect(() => vocabFromHf({ tokenizerJson: { model: { type: 'BPE', vocab: {} } } })).toThrow(/no vocabulary/);
  });

  it('exports what it imports (safetensors bytes equal after a round trip)', () => {
    const bytes = bertWeightsToSafetensors(randomWeights(3));
    const again = bertWeightsToSafetensors(importHfBert(files({ safetensors: bytes })).weights);
    expect(again).toEqual(bytes);
    expect(encodeSafetensors({}).byteLength).toBe(16);
  });
});
