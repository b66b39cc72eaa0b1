/**
 * What a strategy needs from the code around it, declared beside its registration, so that
 * benchmarks, services and the CLI ask "does it train offline?" or "does it read token ids?"
 * instead of testing strategy names.
 */

/** The prompt pools the prompt-pool service holds (its `PoolSpec.method`). */
export type PromptPoolMethod = 'l2p' | 'dual-prompt' | 'coda-prompt';

/** How a kind of prompt pool behaves, so that the services read a table instead of testing method names. */
export interface PromptPoolKind {
  /**
   * Prefix prompts inserted in the encoder's layers (DualPrompt, CODA-Prompt): the pool starts
   * empty, grows with the experiences and may carry shared tensors (DualPrompt's G-prompt, CODA's
   * attention vectors). Otherwise (L2P) a fixed pool of prompts prepended to the input, no shared tensors.
   */
  readonly prefix: boolean;
  /** Whether a query chooses prompts by key similarity; CODA-Prompt weights every component instead. */
  readonly selects: boolean;
  /** Prompts used per input from a pool of `size` when `requested` are asked for. */
  topN(size: number, requested: number): number;
}

/** Every prompt-pool kind, by method. */
export const PROMPT_POOL_KINDS: Readonly<Record<PromptPoolMethod, PromptPoolKind>> = Object.freeze({
  l2p: { prefix: false, selects: true, topN: (_size: number, requested: number) => requested },
  // One expert (E-)prompt per input, chosen by its key.
  'dual-prompt': { prefix: true, selects: true, topN: (size: number) => Math.min(1, size) },
  // Every component, weighted by the query's attention.
  'coda-prompt': { prefix: true, selects: false, topN: (size: number) => size },
});

/** A strategy's capabilities (see {@link strategyCapabilities}). */
export interface StrategyCapabilities {
  /**
   * What it learns from on a text model: `features` (the encoder's pooled rows, like every other
   * model), or `tokens` (it runs the frozen encoder on the samples' token ids itself, so it is
   * given `StrategyContext.text` and the services keep the token ids the loop read).
   */
  readonly inputs: 'features' | 'tokens';
  /**
   * `online`: it learns the batches as they arrive; the loop passes over an experience `epochs`
   * times. `offline`: it keeps what it sees and retrains at each experience's end for its own
   * epochs (a benchmark's `jointEpochs`), so the loop feeds each experience once.
   */
  readonly training: 'online' | 'offline';
  /** The prompt pool its state holds, which the trainer publishes to the prompt-pool service; absent: none. */
  readonly promptPool?: PromptPoolMethod;
  /**
   * Whether its whole predictor is one MLP classifier over the features, saved as the state's
   * parameters: its class probabilities are then the softmax of that classifier's logits (what
   * `predict` takes the arg-max of). Others (task heads, adapters, prompts, kNN votes) only name a class.
   */
  readonly softmaxHead: boolean;
  /**
   * Whether it asks the distiller for its distilled sets itself (through its `DistillPort`, with its
   * own network and settings), so the distiller's experience-closed job leaves its models alone.
   */
  readonly distillsItself: boolean;
}
