import { VersionState, type ModelVersion } from '@mneme/contracts';
import type { VersionRecord } from '@mneme/model-store';

const STATE: Readonly<Record<VersionRecord['state'], VersionState>> = Object.freeze({
  candidate: VersionState.VERSION_STATE_CANDIDATE,
  promoted: VersionState.VERSION_STATE_PROMOTED,
  retired: VersionState.VERSION_STATE_RETIRED,
});

/** A stored version as the wire shows it. */
export function versionToWire(v: VersionRecord): ModelVersion {
  return {
    model: { modelId: v.modelId, version: v.version },
    state: STATE[v.state],
    artifactUri: v.artifactUri,
    ...(v.trainedThrough >= 0 ? { trainedThrough: { modelId: v.modelId, experienceIndex: v.trainedThrough } } : {}),
    samplesSeen: v.samplesSeen,
    labels: [...v.labels],
    logThrough: v.logThrough ?? 0,
    createdAt: v.createdAt / 1000,
  };
}
