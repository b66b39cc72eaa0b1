import type { Scope } from './principal.js';

/**
 * The scope each RPC needs, by full method path. Every method of every served service must be
 * here: the server refuses to start otherwise, and a test checks the table against every service
 * definition in @mneme/contracts, so a new RPC cannot be served without a decision about who may
 * call it. `service` tokens pass every check (they act for the tenant named in the call).
 *
 * - ingest: send training data (samples, experience boundaries, held-out sets, memory writes).
 * - predict: ask for predictions or embeddings.
 * - read: read state (status, versions, memories, pools, sets, metrics).
 * - admin: create, promote, delete or overwrite resources.
 */
export const METHOD_SCOPES: Readonly<Record<string, Scope>> = Object.freeze({
  '/mneme.v1.TrainerService/CreateModel': 'admin',
  '/mneme.v1.TrainerService/Ingest': 'ingest',
  '/mneme.v1.TrainerService/CloseExperience': 'ingest',
  '/mneme.v1.TrainerService/GetTrainingStatus': 'read',
  '/mneme.v1.TrainerService/ListModelVersions': 'read',
  '/mneme.v1.TrainerService/PromoteModelVersion': 'admin',
  '/mneme.v1.TrainerService/ForgetSamples': 'admin',
  '/mneme.v1.EncoderService/Embed': 'predict',
  '/mneme.v1.EncoderService/Predict': 'predict',
  '/mneme.v1.EncoderService/DescribeServing': 'read',
  '/mneme.v1.EvaluatorService/RegisterHeldOut': 'ingest',
  '/mneme.v1.EvaluatorService/EvaluateVersion': 'read',
  '/mneme.v1.EvaluatorService/GetAccuracyMatrix': 'read',
  '/mneme.v1.PromptPoolService/CreatePool': 'admin',
  '/mneme.v1.PromptPoolService/GetPool': 'read',
  '/mneme.v1.PromptPoolService/SelectPrompts': 'predict',
  '/mneme.v1.PromptPoolService/ApplyUpdate': 'admin',
  '/mneme.v1.PromptPoolService/ListPoolVersions': 'read',
  '/mneme.v1.ReplayMemoryService/CreateMemory': 'admin',
  '/mneme.v1.ReplayMemoryService/AddSamples': 'ingest',
  '/mneme.v1.ReplayMemoryService/SampleMemory': 'read',
  '/mneme.v1.ReplayMemoryService/RetrieveInterfered': 'read',
  '/mneme.v1.ReplayMemoryService/DeleteSamples': 'admin',
  '/mneme.v1.ReplayMemoryService/DescribeMemory': 'read',
  '/mneme.v1.DistillerService/StartDistillation': 'admin',
  '/mneme.v1.DistillerService/GetDistillationJob': 'read',
  '/mneme.v1.DistillerService/GetSyntheticSet': 'read',
  '/mneme.v1.DistillerService/ListSyntheticSets': 'read',
  '/mneme.v1.DistillerService/ForgetSourceSamples': 'admin',
});

/** Methods whose calls count against a tenant's concurrency limit (the hot paths a tenant can flood). */
export const RATE_LIMITED_METHODS: ReadonlySet<string> = new Set(['/mneme.v1.TrainerService/Ingest', '/mneme.v1.EncoderService/Predict']);

/** The scope `path` needs, or undefined when the method is not in the table. */
export function scopeOf(path: string): Scope | undefined {
  return Object.hasOwn(METHOD_SCOPES, path) ? METHOD_SCOPES[path] : undefined;
}
