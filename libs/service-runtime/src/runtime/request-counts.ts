import type { ServiceMetrics } from './service-metrics.js';

/** gRPC calls one service answered, in total and by method and status. */
export interface ServiceRequestCounts {
  readonly total: number;
  /** Calls by method name, e.g. `Ingest`. */
  readonly methods: Readonly<Record<string, number>>;
  /** Calls by outcome (`ok` or an error kind). */
  readonly outcomes: Readonly<Record<string, number>>;
}

/**
 * The gRPC calls each service answered (keyed by its gRPC name, e.g. `mneme.v1.TrainerService`), read from the metrics registry the services report to
 * (`mneme_grpc_requests_total`): a service that took part in a run shows non-zero counts.
 */
export async function requestCounts(metrics: ServiceMetrics): Promise<Record<string, ServiceRequestCounts>> {
  const out: Record<string, { total: number; methods: Record<string, number>; outcomes: Record<string, number> }> = {};
  for (const { labels, value } of (await metrics.requests.get()).values) {
    const service = String(labels.service ?? 'unknown');
    const entry = (out[service] ??= { total: 0, methods: {}, outcomes: {} });
    entry.total += value;
    const method = String(labels.method ?? 'unknown');
    entry.methods[method] = (entry.methods[method] ?? 0) + value;
    const code = String(labels.code ?? 'unknown');
    entry.outcomes[code] = (entry.outcomes[code] ?? 0) + value;
  }
  return out;
}
