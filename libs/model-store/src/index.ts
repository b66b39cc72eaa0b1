/** Versioned model artefacts on a file store: strategy checkpoints, versions, promotion. */
export { syncDir, writeFileAtomic } from './atomic-file.js';
export { FileModelStore, modelIdProblem, modelNotFound } from './file-model-store.js';
export type { ModelRecord, ScenarioKind, VersionRecord, VersionState } from './model-records.js';
export { loadStrategyState, saveStrategyState } from './strategy-state-files.js';
export { DamagedStateError, SampleLog } from './sample-log.js';
export type { LogEntry, LoggedClose, LoggedForget, LoggedRecord, LoggedSample, SampleLogOpenOptions } from './sample-log.js';
export { SegmentedLog, segmentPath } from './segmented-log.js';
export { writeFully } from './write-fully.js';
export type { SealedSegment } from './segmented-log.js';
