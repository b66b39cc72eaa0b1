import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
  /** Latest average accuracy (ACC) of a model, from the evaluator. */
  readonly latestAcc: Gauge<'model'>;
  /** Latest average forgetting of a model, from the evaluator. */
  readonly latestForgetting: Gauge<'model'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.registry = new Registry();
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'mneme_' });
    const registers = [this.registry];
    this.requests = new Counter({ name: 'mneme_grpc_requests_total', help: 'gRPC calls served, by status code.', labelNames: ['service', 'method', 'code'], registers });
    this.latency = new Histogram({
      name: 'mneme_grpc_request_duration_seconds',
      help: 'gRPC call latency.',
      labelNames: ['service', 'method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.inFlight = new Gauge({ name: 'mneme_grpc_requests_in_flight', help: 'Unary gRPC calls being handled now.', labelNames: ['service'], registers });
    this.queueDepth = new Gauge({ name: 'mneme_queue_depth', help: 'Items waiting to be processed.', labelNames: ['service', 'queue'], registers });
    this.trainingSteps = new Counter({ name: 'mneme_training_steps_total', help: 'Strategy learn steps.', labelNames: ['model'], registers });
    this.samplesTrained = new Counter({ name: 'mneme_samples_trained_total', help: 'Training samples applied.', labelNames: ['model'], registers });
    this.events = new Counter({ name: 'mneme_events_total', help: 'Events handled, by outcome.', labelNames: ['service', 'topic', 'outcome'], registers });
    this.deadLetters = new Counter({ name: 'mneme_dead_letters_total', help: 'Events sent to the dead-letter topic, by reason.', labelNames: ['service', 'topic', 'reason'], registers });
    this.latestAcc = new Gauge({ name: 'mneme_latest_acc', help: 'Average accuracy (ACC) of the latest evaluated version.', labelNames: ['model'], registers });
    this.latestForgetting = new Gauge({ name: 'mneme_latest_forgetting', help: 'Average forgetting of the latest evaluated version.', labelNames: ['model'], registers });
  }
}

/** A consumer's `onDeadLetter` that counts its dead letters in `metrics` under `service`. */
export function deadLetterCounter(metrics: ServiceMetrics, service: string): (topic: string, reason: string) => void {
  return (topic, reason) => metrics.deadLetters.inc({ service, topic, reason });
}
