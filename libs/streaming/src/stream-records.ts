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
}

/** The producer's word that an experience is over after `sampleCount` samples (0: after what has arrived). */
export interface CloseRecord {
  readonly kind: 'close';
  readonly position: number;
  readonly experience: number;
  readonly sampleCount: number;
}

/** What a model's log holds. */
export type StreamRecord = SampleRecord | CloseRecord;
