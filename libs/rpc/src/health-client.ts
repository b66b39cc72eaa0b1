import { makeGenericClientConstructor, type Client, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { channelCredentials, serverNameOptions, type ClientTls } from './tls.js';

const HealthClient = makeGenericClientConstructor(healthService, 'grpc.health.v1.Health');

/**
 * A minimal grpc.health.v1 client: `check(service)` resolves with the serving status name.
 * @param tls TLS settings of the channel; plaintext when absent
 */
export function healthClient(
  address: string,
  tls?: ClientTls,
): { check(service?: string, timeoutMs?: number): Promise<string>; close(): void } {
  const client = new HealthClient(address, channelCredentials(tls), serverNameOptions(tls)) as unknown as Client & {
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
