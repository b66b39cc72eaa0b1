import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { l2Normalize, loadEncoderStore, MANIFEST_FILE, type EncoderStore } from '@mneme/encoders';
import { NotFoundError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import { ENCODER_IO, padBatch } from '@mneme/models';
import { tensor } from '@mneme/tensor';

/** How one text is turned into a vector. */
export interface TextEmbedding {
  readonly text: string;
  readonly pooling: 'mean' | 'cls';
  readonly normalize: boolean;
}

/**
 * A frozen text encoder of the encoder model store, embedding texts with per-text pooling and
 * normalisation. Both pooled outputs come from the same forward pass, so texts that ask for
 * different pooling still share one batch.
 */
export class SentenceEncoder {
  private constructor(
    readonly name: string,
    private readonly store: EncoderStore,
    private readonly executor: Executor,
    /** Rows per forward pass. */
    private readonly chunkRows: number,
  ) {}

  /** Loads `modelsDir/<name>`. @throws NotFoundError when the encoder was never imported */
  static async load(name: string, modelsDir: string, executor: Executor, chunkRows: number): Promise<SentenceEncoder> {
    const dir = join(modelsDir, name);
    if (!existsSync(join(dir, MANIFEST_FILE))) {
      throw new NotFoundError(`encoder '${name}' is not in the model store at ${modelsDir}: run \`npx mneme import-model\` first`);
    }
    const encoder = new SentenceEncoder(name, await loadEncoderStore(dir), executor, chunkRows);
    // ONNX Runtime builds a session synchronously on the event loop (0.3–0.5 s for MiniLM): one
    // short text here pays that at load time, not in the middle of a request.
    await encoder.embed([{ text: 'warm-up', pooling: 'mean', normalize: false }]);
    return encoder;
  }

  /** Width of an embedding. */
  get dimension(): number {
    return this.store.manifest.dimension;
  }

  /** The pooling the encoder was trained with (what models built on it are fed). */
  get modelPooling(): 'mean' | 'cls' {
    return this.store.manifest.pooling === 'cls' ? 'cls' : 'mean';
  }

  /** Whether models built on the encoder are fed L2-normalised embeddings. */
  get modelNormalizes(): boolean {
    return this.store.manifest.normalize;
  }

  /** `texts.length × dimension` embeddings, row-major, in input order. */
  async embed(texts: readonly TextEmbedding[]): Promise<Float32Array> {
    const dim = this.dimension;
    const out = new Float32Array(texts.length * dim);
    const maxLength = this.store.tokenizer.settings.maxLength;
    const ids = texts.map((t) => this.store.tokenizer.encodeIds(t.text, maxLength));
    // Sorted by length so each forward pass pads only to its own longest row.
    const order = ids.map((_, i) => i).sort((a, b) => ids[a]!.length - ids[b]!.length);
    for (let start = 0; start < order.length; start += this.chunkRows) {
      const rows = order.slice(start, start + this.chunkRows);
      // The engine runs every batch and sequence size on one session, so each pass pads only to its own longest row.
      const batch = padBatch(
        rows.map((r) => ids[r]!),
        this.store.tokenizer.specialIds.pad,
      );
      const { [ENCODER_IO.inputsEmbeds]: embeds } = await this.executor.forward(this.store.embeddings, {
        [ENCODER_IO.inputIds]: tensor('int64', batch.shape, batch.inputIds),
        [ENCODER_IO.tokenTypeIds]: tensor('int64', batch.shape, batch.tokenTypeIds),
      });
      const fetches = [ENCODER_IO.meanPooled, ENCODER_IO.cls];
      const result = await this.executor.forward(
        this.store.inferenceEncoder,
        { [ENCODER_IO.inputsEmbeds]: embeds!, [ENCODER_IO.attentionMask]: tensor('int64', batch.shape, batch.attentionMask) },
        { fetches },
      );
      const mean = result[ENCODER_IO.meanPooled]!.data as Float32Array;
      const cls = result[ENCODER_IO.cls]!.data as Float32Array;
      rows.forEach((r, b) => {
        const spec = texts[r]!;
        const pooled = (spec.pooling === 'cls' ? cls : mean).subarray(b * dim, (b + 1) * dim);
        out.set(spec.normalize ? l2Normalize(pooled) : pooled, r * dim);
      });
    }
    return out;
  }
}

/** Loads each encoder once per service (several models share one frozen encoder). */
export class SentenceEncoders {
  private readonly loaded = new Map<string, Promise<SentenceEncoder>>();

  constructor(
    private readonly modelsDir: string,
    private readonly executor: Executor,
    private readonly chunkRows: number,
  ) {}

  /** The encoder named `name`. @throws NotFoundError when it was never imported */
  get(name: string): Promise<SentenceEncoder> {
    let hit = this.loaded.get(name);
    if (hit === undefined) {
      hit = SentenceEncoder.load(name, this.modelsDir, this.executor, this.chunkRows);
      // A failed load (not imported yet) is retried on the next request.
      hit.catch(() => this.loaded.delete(name));
      this.loaded.set(name, hit);
    }
    return hit;
  }
}
