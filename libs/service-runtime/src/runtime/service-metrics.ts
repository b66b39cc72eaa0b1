import type { ConsumerLag } from '@mneme/events';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Where consumer lag comes from: a bus that can report it (`EventBus.consumerLag`). */
export interface ConsumerLagSource {
  consumerLag?(): Promise<readonly ConsumerLag[]>;
}

/** Longest wait of a scrape for the consumer lag (the brokers' answer); past it the lag is left out. */
const CONSUMER_LAG_TIMEOUT_MS = 3_000;

/** The continual-learning metrics the evaluator reports per model (see `mneme_model_accuracy`). */
export type ContinualMetricName = 'acc' | 'bwt' | 'fwt' | 'forgetting';

/**
 * The Prometheus metrics every mneme service exports, on one registry per process (the embedded
 * stack shares one: series carry a `service` label). Names follow Prometheus conventions: base
 * units, `_total` for counters, `_seconds` for durations.
 */
export class ServiceMetrics {
  readonly registry: Registry;
  /** gRPC calls by service, method and status code name. */
  readonly requests: Counter<'service' | 'method' | 'code'>;
  /** gRPC call latency by service and method. */
  readonly latency: Histogram<'service' | 'method'>;
  /** Unary gRPC calls being handled now, by service (what the encoder's autoscaler scales on). */
  readonly inFlight: Gauge<'service'>;
  /** Items waiting to be processed (batcher queue, consumer backlog, ...). */
  readonly queueDepth: Gauge<'service' | 'queue'>;
  /** Optimizer steps (strategy `learn` calls) by model. */
  readonly trainingSteps: Counter<'model'>;
  /** Training samples applied by model. */
  readonly samplesTrained: Counter<'model'>;
  /** Events handled by topic and outcome (`applied`, `duplicate`, `dead-lettered`). */
  readonly events: Counter<'service' | 'topic' | 'outcome'>;
  /** Events dead-lettered, by consuming service, topic key and reason (`malformed`, `rejected`, `exhausted`). */
  readonly deadLetters: Counter<'service' | 'topic' | 'reason'>;
  /**
   * The evaluator's latest continual-learning metrics of a model: `metric` is `acc` (average
   * accuracy), `bwt` (backward transfer), `fwt` (forward transfer) or `forgetting` (average forgetting).
   */
  readonly modelAccuracy: Gauge<'model' | 'metric'>;
  /**
   * The version of a model this process stands behind: the newest the trainer published
   * (`service="trainer"`), the one the encoder serves as version 0 (`encoder`), the newest the
   * evaluator evaluated (`evaluator`).
   */
  readonly modelVersion: Gauge<'service' | 'model'>;
  /** Samples the trainer accepted over Ingest (published to the samples topic), by model. */
  readonly samplesIngested: Counter<'model'>;
  /** Records in a model's durable sample log on the trainer replica that owns the model. */
  readonly sampleLogSamples: Gauge<'model'>;
  /** Loss of a model's last training step, when its strategy reports one (see {@link recordTrainingLoss}). */
  readonly trainingLoss: Gauge<'model'>;
  /**
   * Messages of a topic its consumer group has not handled yet (the brokers' high watermark minus
   * the group's committed offset, summed over partitions; in-process: the bus's queue). Every
   * member of a group reports the whole group's lag: aggregate with `max by (group, topic)`.
   */
  readonly consumerLag: Gauge<'group' | 'topic'>;
  readonly #lagSources = new Set<ConsumerLagSource>();

  /**
   * @param options.defaultMetrics also export Node's process metrics (`mneme_process_*`, `mneme_nodejs_*`). @default true
   * @param options.consumerLagTimeoutMs longest wait of a scrape for the consumer lag; past it the lag is left out. @default 3000
   */
  constructor(options: { defaultMetrics?: boolean; consumerLagTimeoutMs?: number } = {}) {
    this.registry = new Registry();
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'mneme_' });
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'mneme_grpc_requests_total',
      help: 'gRPC calls served, by status code.',
      labelNames: ['service', 'method', 'code'],
      registers,
    });
    this.latency = new Histogram({
      name: 'mneme_grpc_request_duration_seconds',
      help: 'gRPC call latency.',
      labelNames: ['service', 'method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'mneme_grpc_requests_in_flight',
      help: 'Unary gRPC calls being handled now.',
      labelNames: ['service'],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'mneme_queue_depth',
      help: 'Items waiting to be processed.',
      labelNames: ['service', 'queue'],
      registers,
    });
    this.trainingSteps = new Counter({
      name: 'mneme_training_steps_total',
      help: 'Strategy learn steps.',
      labelNames: ['model'],
      registers,
    });
    this.samplesTrained = new Counter({
      name: 'mneme_samples_trained_total',
      help: 'Training samples applied.',
      labelNames: ['model'],
      registers,
    });
    this.events = new Counter({
      name: 'mneme_events_total',
      help: 'Events handled, by outcome.',
      labelNames: ['service', 'topic', 'outcome'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'mneme_dead_letters_total',
      help: 'Events sent to the dead-letter topic, by reason.',
      labelNames: ['service', 'topic', 'reason'],
      registers,
    });
    this.modelAccuracy = new Gauge({
      name: 'mneme_model_accuracy',
      help: 'Continual-learning metrics of the latest evaluated version (acc, bwt, fwt, forgetting).',
      labelNames: ['model', 'metric'],
      registers,
    });
    this.modelVersion = new Gauge({
      name: 'mneme_model_version',
      help: 'Model version published (trainer), served (encoder) or evaluated (evaluator).',
      labelNames: ['service', 'model'],
      registers,
    });
    this.samplesIngested = new Counter({
      name: 'mneme_samples_ingested_total',
      help: 'Samples accepted over Ingest.',
      labelNames: ['model'],
      registers,
    });
    this.sampleLogSamples = new Gauge({
      name: 'mneme_sample_log_samples',
      help: "Records in the model's durable sample log (owning trainer replica).",
      labelNames: ['model'],
      registers,
    });
    this.trainingLoss = new Gauge({
      name: 'mneme_training_loss',
      help: "Loss of the model's last training step, when its strategy reports one.",
      labelNames: ['model'],
      registers,
    });
    const sources = this.#lagSources;
    const lagTimeoutMs = options.consumerLagTimeoutMs ?? CONSUMER_LAG_TIMEOUT_MS;
    this.consumerLag = new Gauge({
      name: 'mneme_consumer_lag',
      help: 'Messages not yet handled by the consumer group, per topic.',
      labelNames: ['group', 'topic'],
      registers,
      // Read at scrape time: the brokers hold the truth, and a stuck consumer cannot update a gauge.
      async collect() {
        const reports = await Promise.all([...sources].map((source) => lagWithin(source, lagTimeoutMs)));
        this.reset();
        for (const lag of reports.flat()) this.inc({ group: lag.group, topic: lag.topic }, lag.lag);
      },
    });
  }

  /**
   * Reports the consumer lag of `bus`'s subscriptions in `mneme_consumer_lag` (read at every
   * scrape) until the returned function is called. A bus that cannot report lag adds nothing.
   */
  observeConsumerLag(bus: ConsumerLagSource): () => void {
    this.#lagSources.add(bus);
    return () => void this.#lagSources.delete(bus);
  }

  /**
   * Records the loss of a model's training step from what its strategy's `learn` resolved to: an
   * object with a finite numeric `loss` sets `mneme_training_loss{model}`; anything else (today's
   * strategies resolve nothing) leaves the gauge as it was.
   */
  recordTrainingLoss(model: string, outcome: unknown): void {
    const loss = stepLoss(outcome);
    if (loss !== undefined) this.trainingLoss.set({ model }, loss);
  }
}

/** The finite numeric `loss` of a step outcome, if it has one. */
export function stepLoss(outcome: unknown): number | undefined {
  if (typeof outcome !== 'object' || outcome === null || !('loss' in outcome)) return undefined;
  const loss = outcome.loss;
  return typeof loss === 'number' && Number.isFinite(loss) ? loss : undefined;
}

/** A source's lag, or nothing when it cannot tell within `timeoutMs` (brokers unreachable): an absent series means unknown. */
async function lagWithin(source: ConsumerLagSource, timeoutMs: number): Promise<readonly ConsumerLag[]> {
  if (source.consumerLag === undefined) return [];
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<readonly ConsumerLag[]>((resolve) => (timer = setTimeout(() => resolve([]), timeoutMs)));
  try {
    return await Promise.race([source.consumerLag().catch(() => [] as readonly ConsumerLag[]), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** A consumer's `onDeadLetter` that counts its dead letters in `metrics` under `service`. */
export function deadLetterCounter(metrics: ServiceMetrics, service: string): (topic: string, reason: string) => void {
  return (topic, reason) => metrics.deadLetters.inc({ service, topic, reason });
}
