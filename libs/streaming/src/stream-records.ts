/** One labelled sample of a model's stream, in the order it was logged. */
export interface SampleRecord {
  readonly kind: 'sample';
  /** Position in the model's log (0, 1, ...): also the sample's integer id for strategies. */
  readonly position: number;
  readonly experience: number;
  readonly taskId?: number;
  /** Class index (the label's position in the model's labels). */
  readonly label: number;
  readonly features: Float32Array;
  /** A sample named by a forget request: it counts toward its experience but is never trained. */
  readonly forgotten?: boolean;
}

/** The producer's word that an experience is over after `sampleCount` samples (0: after what has arrived). */
export interface CloseRecord {
  readonly kind: 'close';
  readonly position: number;
  readonly experience: number;
  readonly sampleCount: number;
}

/** A data-deletion request: the strategy forgets the samples at these log positions. */
export interface ForgetRecord {
  readonly kind: 'forget';
  readonly position: number;
  /** Log positions (the strategies' sample ids) of the forgotten samples. */
  readonly positions: readonly number[];
}

/** What a model's log holds. */
export type StreamRecord = SampleRecord | CloseRecord | ForgetRecord;
