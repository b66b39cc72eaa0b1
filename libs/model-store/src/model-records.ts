/** Scenario kinds a model is trained in (what task ids and heads mean). */
export type ScenarioKind = 'class-incremental' | 'task-incremental' | 'domain-incremental';

/** What a model is built from, as created: fixed for the model's life. */
export interface ModelRecord {
  readonly modelId: string;
  /** Base: an encoder in the model store (`all-MiniLM-L6-v2`) or a builder (`mlp:784-400-400`). */
  readonly base: string;
  readonly scenario: ScenarioKind;
  readonly strategy: { readonly name: string; readonly options: Readonly<Record<string, string>> };
  /** Label names declared at creation (often none); a label's class index is its position. Labels that arrive later follow, in order of first arrival. */
  readonly labels: readonly string[];
  readonly seed: number;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** The tenant that created the model and alone may see it; absent means the default tenant (open mode, or created before owners were recorded). */
  readonly tenant?: string;
}

/** Lifecycle of a version: trained (candidate), served (promoted), replaced (retired). */
export type VersionState = 'candidate' | 'promoted' | 'retired';

/** What is known about one saved version of a model. */
export interface VersionRecord {
  readonly modelId: string;
  /** 1, 2, ...: version 1 is the untrained model. */
  readonly version: number;
  readonly state: VersionState;
  /** Where the artefact lives, as `store://models/<id>/<version>`. */
  readonly artifactUri: string;
  /** Last experience trained on; -1 for the untrained version. */
  readonly trainedThrough: number;
  readonly samplesSeen: number;
  /** Label names by class index: the classes this version has learned (its head's width). */
  readonly labels: readonly string[];
  /** Sample-log records this version was trained through (it saw every sample logged before); 0 for the untrained version. */
  readonly logThrough?: number;
  readonly createdAt: number;
}
