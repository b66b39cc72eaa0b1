/** Experiment logs behind one logger interface: CSV, JSON lines and TensorBoard event files, one folder per run. */
export { meanSeenAccuracy, runFolderName } from './experiment-logger.js';
export type { EvaluationRecord, ExperimentLogger, RunEnd, RunStart, StepRecord } from './experiment-logger.js';
export { CsvLogger, csvField, STEPS_CSV_HEADER, SUMMARY_CSV_HEADER } from './csv-logger.js';
export { JsonLinesLogger } from './jsonl-logger.js';
export type { JsonLinesEventType } from './jsonl-logger.js';
export { EVENT_FILE_PREFIX, readEventFile, scalarsByTag, TENSORBOARD_TAGS, TensorBoardLogger } from './tensorboard-logger.js';
export { decodeEvent, encodeEvent, EVENT_FILE_VERSION } from './tensorboard-event.js';
export type { ScalarValue, TensorBoardEvent } from './tensorboard-event.js';
export { maskedCrc32c, readTfRecords, tfRecord } from './tfrecord.js';
export { createExperimentLogger, FanOutLogger, LOGGERS, parseLoggerNames } from './loggers.js';
