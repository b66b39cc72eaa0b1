import { ScenarioKind, VersionState, type Input, type ModelVersion, type TrainingSample } from '@mneme/contracts';
import { InvalidArgumentError } from '@mneme/errors';
import { tensor } from '@mneme/tensor';
import { toWire } from '@mneme/wire';
import type { CreateModelOptions, ModelInput, SampleInput, VersionInfo, VersionStateName } from './client-types.js';

const STATES: Readonly<Record<VersionState, VersionStateName>> = {
  [VersionState.VERSION_STATE_UNSPECIFIED]: 'unspecified',
  [VersionState.VERSION_STATE_CANDIDATE]: 'candidate',
  [VersionState.VERSION_STATE_PROMOTED]: 'promoted',
  [VersionState.VERSION_STATE_RETIRED]: 'retired',
};

/** The scenario names the client accepts, as wire enum values. */
export const SCENARIOS: Readonly<Record<NonNullable<CreateModelOptions['scenario']>, ScenarioKind>> = {
  'class-incremental': ScenarioKind.SCENARIO_KIND_CLASS_INCREMENTAL,
  'task-incremental': ScenarioKind.SCENARIO_KIND_TASK_INCREMENTAL,
  'domain-incremental': ScenarioKind.SCENARIO_KIND_DOMAIN_INCREMENTAL,
};

/** A wire input: a float32 feature tensor, or a text. */
export function toInput(input: ModelInput, what: string): Input {
  if (typeof input === 'string') return { kind: { $case: 'text', value: input } };
  const values = input instanceof Float32Array ? input : Float32Array.from(input);
  if (values.length === 0) throw new InvalidArgumentError(`${what}: features are empty`);
  return { kind: { $case: 'features', value: toWire(tensor('float32', [values.length], values)) } };
}

/** A training sample on the wire. @throws InvalidArgumentError unless exactly one of features and text is given */
export function toTrainingSample(modelId: string, s: SampleInput, index: number): TrainingSample {
  const what = `samples[${index}] ('${s.id}')`;
  if ((s.features === undefined) === (s.text === undefined))
    throw new InvalidArgumentError(`${what}: give exactly one of features and text`);
  if (!(Number.isInteger(s.experience) && s.experience >= 0))
    throw new InvalidArgumentError(`${what}: experience must be an integer ≥ 0, got ${s.experience}`);
  return {
    sample: { sampleId: s.id, label: s.label, input: toInput(s.text ?? s.features!, what), metadata: {} },
    experience: { modelId, experienceIndex: s.experience },
    // The wire type admits undefined for an unset field, so no conditional spread is needed.
    taskId: s.taskId,
  };
}

/** A wire version as the client reports it. */
export function versionInfo(v: ModelVersion): VersionInfo {
  return {
    modelId: v.model?.modelId ?? '',
    version: Number(v.model?.version ?? 0),
    state: STATES[v.state] ?? 'unspecified',
    trainedThrough: v.trainedThrough?.experienceIndex,
    samplesSeen: Number(v.samplesSeen),
    labels: [...v.labels],
    createdAt: new Date(v.createdAt * 1000),
  };
}
