import { encoderTextModel, type EncoderStore } from '@mneme/encoders';
import { InvalidArgumentError, MnemeError } from '@mneme/errors';
import type { TextInputs } from '@mneme/methods';

/**
 * Token ids of the samples a trainer's loop has read, by log position (the strategies' sample ids).
 * The trainer logs each sample's token ids beside its features and remembers them here as the loop
 * reads the log (also on a replay or after a takeover), so a token-level strategy can look up the
 * samples of the batch it learns. Only the most recent `capacity` positions are kept: a loop learns
 * a batch right after reading it, and token-level strategies keep no samples to replay.
 */
export class LoggedTokens {
  private readonly byPosition = new Map<number, readonly number[]>();

  /** @param capacity positions kept (at least a batch; the default fits any batch size the models allow). */
  constructor(readonly capacity = 8192) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new InvalidArgumentError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** Remembers the tokens of the sample at `position` (undefined: the log holds none for it). */
  remember(position: number, tokens: readonly number[] | undefined): void {
    if (tokens === undefined) return;
    this.byPosition.delete(position);
    this.byPosition.set(position, tokens);
    // Oldest first: a Map iterates in insertion order.
    for (const old of this.byPosition.keys()) {
      if (this.byPosition.size <= this.capacity) break;
      this.byPosition.delete(old);
    }
  }

  /**
   * Token ids of the samples at `positions`.
   *
   * @throws MnemeError (internal) naming the positions the loop has not read, or whose record holds no tokens
   */
  tokensOf(positions: Int32Array): number[][] {
    const missing = [...positions].filter((p) => !this.byPosition.has(p));
    if (missing.length > 0) {
      throw new MnemeError(
        'internal',
        `no token ids for log position${missing.length === 1 ? '' : 's'} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}: the sample was not read from the log, was read too long ago, or was logged without tokens`,
      );
    }
    return [...positions].map((p) => [...this.byPosition.get(p)!]);
  }
}

/**
 * The {@link TextInputs} of a text model in the services: the model's frozen encoder, with batch ids
 * resolved by `tokensOfIds`. Prediction rows cannot be matched back to texts here (the services
 * never see a data set), so callers pass `PredictOptions.tokens`.
 */
export function serviceTextInputs(store: EncoderStore, tokensOfIds: (ids: Int32Array) => number[][]): TextInputs {
  return {
    ...encoderTextModel(store),
    tokensOfIds,
    tokensOfFeatures: () => {
      throw new InvalidArgumentError('this model predicts from token ids: pass the texts (PredictOptions.tokens), not only their features');
    },
  };
}
