import { DistillationMethod, DistillerServiceClient, JobState, type DistillationSpec } from '@mneme/contracts';
import { MnemeError } from '@mneme/errors';
import type { DistillMethod, DistillPort, DistillRequest } from '@mneme/methods';
import { createClient, unary, type ClientTls, type Logger, type PeerIdentity } from '@mneme/rpc';
import { tensor } from '@mneme/tensor';
import { fromWire, toWire } from '@mneme/wire';

/** What the trainer shows while a model waits for its synthetic set (GetTrainingStatus). */
export interface DistillationWaitState {
  readonly experience: number;
  readonly jobId: string;
  /** Milliseconds since the epoch. */
  readonly since: number;
  readonly timeoutMs: number;
}

/** Options of {@link remoteDistillPort}. */
export interface RemoteDistillOptions {
  /** `host:port` of the distiller service (resolved when the first distillation starts). */
  readonly address: () => string;
  /** TLS of the connection to the distiller; plaintext when absent. */
  readonly tls?: ClientTls | undefined;
  readonly modelId: string;
  /** The model's label names by class index. */
  readonly labels: () => readonly string[];
  /** Longest wait for a set before the experience closes without one. */
  readonly timeoutMs: number;
  /** Told when a wait begins and ends (undefined). */
  readonly onWait: (wait: DistillationWaitState | undefined) => void;
  readonly logger: Logger;
  /** First delay between job polls; it doubles up to 1 s. @default 20 */
  readonly pollMs?: number;
  /** Who the calls act for: the model's owner, with the trainer's service token. */
  readonly peer?: PeerIdentity;
}

const METHODS: Readonly<Record<DistillMethod, DistillationMethod>> = {
  'second-order': DistillationMethod.DISTILLATION_METHOD_BILEVEL,
  'first-order': DistillationMethod.DISTILLATION_METHOD_FIRST_ORDER,
  'gradient-matching': DistillationMethod.DISTILLATION_METHOD_GRADIENT_MATCHING,
};

/**
 * The trainer's distillation port: a `distill` model's closed experience is condensed by the
 * distiller service. The trainer sends the experience's rows (in training order, labels by name),
 * its network's layer widths and the strategy's settings, waits for the job with a bounded timeout
 * (visible in GetTrainingStatus), and fetches the synthetic set the strategy then replays. A job
 * that fails or outlasts the timeout throws, and the strategy closes the experience without a set.
 */
export function remoteDistillPort(options: RemoteDistillOptions): DistillPort {
  let client: DistillerServiceClient | undefined;
  return {
    async distil(request: DistillRequest, onStep) {
      client ??= createClient(DistillerServiceClient, options.address(), { ...(options.peer ?? {}), tls: options.tls });
      const started = performance.now();
      const names = options.labels();
      const classes = request.sizes.at(-1)!;
      const n = request.labels.length;
      const width = request.sizes[0]!;
      const o = request.options;
      const spec: DistillationSpec = {
        samplesPerLabel: o.perClass,
        method: METHODS[o.method],
        innerSteps: o.innerSteps,
        outerSteps: o.outerSteps,
        innerLearningRate: o.innerLr,
        initFromReal: o.init === 'real',
        // Seeds are 32-bit: the unsigned form draws the same stream.
        seed: o.seed >>> 0,
        realBatch: o.realBatch,
        outerLearningRate: o.outerLr,
        initsPerStep: o.initsPerStep,
      };
      const experience = { modelId: options.modelId, experienceIndex: request.experience };
      const { job } = await unary(client.startDistillation.bind(client), {
        experience,
        model: { modelId: options.modelId, version: 0 },
        spec,
        real: { rows: toWire(tensor('float32', [n, width], request.inputs)), labels: Array.from(request.labels, (c) => names[c]!) },
        network: { sizes: [...request.sizes], labels: names.slice(0, classes) },
      });
      const jobId = job!.jobId;
      const since = Date.now();
      options.onWait({ experience: request.experience, jobId, since, timeoutMs: options.timeoutMs });
      try {
        let delay = options.pollMs ?? 20;
        let reported = 0;
        for (;;) {
          const { job: now } = await unary(client.getDistillationJob.bind(client), { jobId });
          for (; reported < (now?.stepsDone ?? 0); reported++) onStep?.(reported, now!.outerLoss);
          if (now?.state === JobState.JOB_STATE_SUCCEEDED) {
            const { set } = await unary(client.getSyntheticSet.bind(client), { set: now.result! });
            const samples = set?.samples ?? [];
            const inputs = new Float32Array(samples.length * width);
            const classOf = new Map(names.map((l, c) => [l, c]));
            samples.forEach((s, i) => {
              if (s.input?.kind?.$case !== 'features')
                throw new MnemeError(
                  'internal',
                  `the distiller's set for experience ${request.experience} holds a sample without features`,
                );
              inputs.set(fromWire(s.input.kind.value, { expectDtype: 'float32', what: 'synthetic sample' }).data, i * width);
            });
            const labels = Int32Array.from(samples, (s) => classOf.get(s.label) ?? -1);
            if (labels.some((c) => c < 0 || c >= classes))
              throw new MnemeError(
                'internal',
                `the distiller's set for experience ${request.experience} names a label the model does not have`,
              );
            return {
              inputs,
              labels,
              sampleShape: [width],
              lr: set!.learnedLearningRate,
              trace: [],
              seconds: (performance.now() - started) / 1000,
            };
          }
          if (now?.state === JobState.JOB_STATE_FAILED)
            throw new MnemeError('unavailable', `distiller job ${jobId} for experience ${request.experience} failed: ${now.error}`);
          if (Date.now() - since > options.timeoutMs) {
            throw new MnemeError(
              'deadline-exceeded',
              `distiller job ${jobId} for experience ${request.experience} did not finish within ${options.timeoutMs / 1000} s (MNEME_DISTILL_TIMEOUT)`,
            );
          }
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(1000, delay * 2);
        }
      } catch (err) {
        const reason = MnemeError.from(err).message;
        options.logger.warn('experience closes without a synthetic set', {
          model: options.modelId,
          experience: request.experience,
          jobId,
          reason,
        });
        // Whatever went wrong remotely, the strategy closes the experience without a set.
        throw err instanceof MnemeError && err.kind === 'deadline-exceeded' ? err : new MnemeError('unavailable', reason, { cause: err });
      } finally {
        options.onWait(undefined);
      }
    },
  };
}
