import { credentials, makeGenericClientConstructor, type Client, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

const HealthClient = makeGenericClientConstructor(
  healthService as Parameters<typeof makeGenericClientConstructor>[0],
  'grpc.health.v1.Health',
);

/** A minimal grpc.health.v1 client: `check(service)` resolves with the serving status name. */
export function healthClient(address: string): { check(service?: string, timeoutMs?: number): Promise<string>; close(): void } {
  const client = new HealthClient(address, credentials.createInsecure()) as unknown as Client & {
    check(req: { service: string }, options: { deadline: number }, cb: (err: ServiceError | null, res: { status: string }) => void): void;
  };
  return {
    check: (service = '', timeoutMs = 5_000) =>
      new Promise((resolve, reject) =>
        client.check({ service }, { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res.status))),
      ),
    close: () => client.close(),
  };
}
