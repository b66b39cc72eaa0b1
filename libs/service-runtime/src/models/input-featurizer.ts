import { join } from 'node:path';
import type { Input } from '@mneme/contracts';
import { embedSentences, loadEncoderStore, type EncoderStore } from '@mneme/encoders';
import { InvalidArgumentError, NotFoundError } from '@mneme/errors';
import type { Executor } from '@mneme/execution';
import type { InputKind } from '@mneme/streaming';
import { fromWire } from '@mneme/wire';
import { existsSync } from 'node:fs';

/**
 * Turns wire inputs into the feature rows a strategy reads: feature tensors are checked (dtype
 * float32, width, finite) and copied; texts are embedded by the model's frozen encoder. Inputs of
 * the wrong kind for the model are rejected with the position of each.
 */
export class InputFeaturizer {
  private constructor(
    readonly kind: InputKind,
    /** Width of a feature row. */
    readonly width: number,
    private readonly executor: Executor,
    /** The frozen text encoder of text models (undefined for feature models). */
    readonly encoder: EncoderStore | undefined,
  ) {}

  /** Prepares a featurizer; text models load their encoder from `modelsDir/<encoder>`. */
  static async create(kind: InputKind, executor: Executor, modelsDir: string): Promise<InputFeaturizer> {
    if (kind.kind === 'features') return new InputFeaturizer(kind, kind.size, executor, undefined);
    const store = await sharedEncoder(join(modelsDir, kind.encoder), kind.encoder);
    return new InputFeaturizer(kind, store.manifest.dimension, executor, store);
  }

  /** `inputs.length × width` features, row-major. @throws InvalidArgumentError naming every bad input */
  async featurize(inputs: readonly (Input | undefined)[], what = 'input', options: { checked?: boolean } = {}): Promise<Float32Array> {
    const out = new Float32Array(inputs.length * this.width);
    const texts = this.read(inputs, what, options.checked === true, out);
    if (texts.length > 0) {
      const { vectors } = await embedSentences(
        this.executor,
        this.encoder!,
        texts.map((t) => t.text),
        { batchSize: 32 },
      );
      texts.forEach((t, i) => out.set(vectors[i]!, t.row * this.width));
    }
    return out;
  }

  /**
   * Checks inputs as {@link featurize} does (kind, dtype, width, finite values, non-empty texts)
   * without featurising them: no text is embedded. Inputs it accepted are featurised later with
   * `featurize(inputs, what, { checked: true })`, which trusts them.
   *
   * @throws InvalidArgumentError naming every bad input
   */
  check(inputs: readonly (Input | undefined)[], what = 'input'): void {
    this.read(inputs, what, false, undefined);
  }

  /**
   * Copies feature tensors into `out` (when given) and returns the texts to embed; checks every
   * input unless `checked` (then feature values are not scanned for finiteness again).
   */
  private read(
    inputs: readonly (Input | undefined)[],
    what: string,
    checked: boolean,
    out: Float32Array | undefined,
  ): { row: number; text: string }[] {
    const problems: string[] = [];
    const texts: { row: number; text: string }[] = [];
    inputs.forEach((input, row) => {
      const kind = input?.kind;
      if (this.kind.kind === 'features') {
        if (kind?.$case !== 'features') {
          problems.push(`${what} ${row}: this model takes feature tensors (float32, width ${this.width}), got ${kind?.$case ?? 'nothing'}`);
          return;
        }
        try {
          // By shape, not element count: [2, 2] is not a row of 4. Inputs checked before (the trainer's
          // own samples topic) are only sized, so events already published keep their meaning.
          const t = fromWire(kind.value, {
            expectDtype: 'float32',
            what: `${what} ${row}`,
            allowNonFinite: checked,
            ...(checked ? {} : { expectShape: [this.width] }),
          });
          if (t.data.length !== this.width)
            throw new InvalidArgumentError(`${what} ${row} has ${t.data.length} features, the model takes ${this.width}`);
          out?.set(t.data, row * this.width);
        } catch (err) {
          problems.push(err instanceof Error ? err.message : String(err));
        }
        return;
      }
      if (kind?.$case !== 'text') problems.push(`${what} ${row}: this model takes text, got ${kind?.$case ?? 'nothing'}`);
      else if (kind.value.trim() === '') problems.push(`${what} ${row}: text is empty`);
      else texts.push({ row, text: kind.value });
    });
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    return texts;
  }

  /**
   * Token ids (`[CLS] … [SEP]`, the encoder's length cap) of text inputs, as text benchmarks
   * tokenise them for token-level strategies. Call after {@link featurize} accepted the inputs.
   *
   * @throws InvalidArgumentError for a feature model or an input that is not a text
   */
  tokenize(inputs: readonly (Input | undefined)[]): number[][] {
    if (this.encoder === undefined) throw new InvalidArgumentError('this model takes feature tensors, which have no token ids');
    const problems: string[] = [];
    const ids = inputs.map((input, row) => {
      if (input?.kind?.$case === 'text') return this.encoder!.tokenizer.encodeIds(input.kind.value);
      problems.push(`input ${row}: this model takes text, got ${input?.kind?.$case ?? 'nothing'}`);
      return [];
    });
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    return ids;
  }
}

const encoders = new Map<string, Promise<EncoderStore>>();

/** Loads an encoder once per process (several models share one frozen encoder). */
function sharedEncoder(dir: string, name: string): Promise<EncoderStore> {
  let hit = encoders.get(dir);
  if (hit === undefined) {
    if (!existsSync(join(dir, 'mneme-model.json'))) {
      throw new NotFoundError(`encoder '${name}' is not in the model store: run \`npx mneme import-model\` first`);
    }
    hit = loadEncoderStore(dir);
    // A store that failed to load (damaged, re-imported since) is read again on the next use.
    hit.catch(() => encoders.delete(dir));
    encoders.set(dir, hit);
  }
  return hit;
}
