import { MnemeError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { connect } from './mneme-client.js';
import { resolveAddresses, type ServiceAddresses } from './service-addresses.js';

/** What a JavaScript caller may pass, beyond the types. */
const untyped = (value: unknown) => value as ServiceAddresses;

describe('resolveAddresses', () => {
  it('sends every service to one address, given as a string or as { address }', () => {
    const all = { trainer: '127.0.0.1:50051', encoder: '127.0.0.1:50051', evaluator: '127.0.0.1:50051' };
    expect(resolveAddresses('127.0.0.1:50051')).toEqual(all);
    expect(resolveAddresses({ address: '127.0.0.1:50051' })).toEqual(all);
  });

  it('takes one address per service', () => {
    const at = { trainer: 'trainer:50051', encoder: 'encoder:50052', evaluator: 'dns:///evaluator:50053' };
    expect(resolveAddresses(at)).toEqual(at);
  });

  it.each([
    [
      { address: 'a:1', trainer: 'b:2' },
      'connect takes either { address } or { trainer, encoder, evaluator }, not both: got address and trainer',
    ],
    [
      {},
      'connect needs { address } (one address for every service: the embedded stack or a gateway) or { trainer, encoder, evaluator }, got an object without addresses',
    ],
    [
      { trainer: 'a:1', encoder: 'b:2' },
      'connect: per-service addresses need trainer, encoder and evaluator; evaluator missing (or give one { address } for all)',
    ],
    [{ trainer: 'a:1', encoder: 'b:2', evaluater: 'c:3' }, 'connect: unknown address key evaluater; it takes { address }'],
    [{ address: '' }, 'connect: address must be a "host:port" string, got ""'],
    [{ trainer: 'a:1', encoder: 42, evaluator: 'c:3' }, 'connect: encoder must be a "host:port" string, got number 42'],
    ['127.0.0.1: 50051', 'connect: address must be a "host:port" string, got "127.0.0.1: 50051"'],
    [
      undefined,
      'connect needs { address } (one address for every service: the embedded stack or a gateway) or { trainer, encoder, evaluator }, got undefined',
    ],
    [['a:1'], 'got an array'],
  ])('refuses %j, naming what is wrong', (addresses, message) => {
    expect(() => resolveAddresses(untyped(addresses))).toThrow(message);
    try {
      resolveAddresses(untyped(addresses));
    } catch (err) {
      expect(err).toBeInstanceOf(MnemeError);
      expect((err as MnemeError).kind).toBe('invalid-argument');
    }
  });

  it('makes connect reject before it dials anything', async () => {
    await expect(connect(untyped({ trainer: 'a:1' }), { readyTimeoutMs: 0 })).rejects.toThrow('encoder, evaluator missing');
  });
});
