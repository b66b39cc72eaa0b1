import { MnemeError } from '@mneme/errors';
import type { ServiceBinding } from '@mneme/rpc';
import type { ServiceMetrics } from './service-metrics.js';

/**
 * Wraps every unary handler of `binding` so each call is counted (by outcome: `ok` or the domain
 * error kind), timed and, while it runs, counted in flight in `metrics`. Streaming handlers pass
 * through untouched.
 */
export function instrumentService(binding: ServiceBinding, metrics: ServiceMetrics): ServiceBinding {
  const handlers: Record<string, (...args: never[]) => unknown> = {};
  for (const [key, method] of Object.entries(binding.definition)) {
    const handler = binding.handlers[key] as (...args: unknown[]) => Promise<unknown>;
    if (method.requestStream || method.responseStream) {
      handlers[key] = handler;
      continue;
    }
    // The wire method name (`CreateModel`), as gRPC tooling and dashboards show it.
    const labels = { service: binding.name, method: method.path.slice(method.path.lastIndexOf('/') + 1) };
    handlers[key] = async (...args: unknown[]) => {
      const stop = metrics.latency.startTimer(labels);
      metrics.inFlight.inc({ service: binding.name });
      try {
        const response = await handler(...args);
        metrics.requests.inc({ ...labels, code: 'ok' });
        return response;
      } catch (err) {
        metrics.requests.inc({ ...labels, code: MnemeError.from(err).kind });
        throw err;
      } finally {
        metrics.inFlight.dec({ service: binding.name });
        stop();
      }
    };
  }
  return { ...binding, handlers };
}
