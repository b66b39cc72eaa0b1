import { IngestRequest, ReplayMemoryServiceService, TrainerServiceService } from '@mneme/contracts';
import { describe, expect, it } from 'vitest';
import { malformedRequests } from './malformed-requests.test-util.js';
import { inferShape, type MessageShape } from './proto-shape.test-util.js';

const field = (shape: MessageShape | undefined, n: number) => shape?.fields.find((f) => f.number === n);

describe('inferShape', () => {
  it('reads an Ingest request’s layout off its decoder, nested messages and oneofs included', () => {
    const shape = inferShape(TrainerServiceService.ingest.requestDeserialize);
    expect(field(shape, 1)).toMatchObject({ name: 'modelId', kind: 'string', repeated: false });
    const samples = field(shape, 2);
    expect(samples).toMatchObject({ name: 'samples', kind: 'message', repeated: true });
    const sample = field(samples?.message, 1)?.message;
    expect(field(sample, 3)).toMatchObject({ name: 'label', kind: 'string' });
    expect(field(sample, 4)).toMatchObject({ name: 'metadata', kind: 'map', mapValue: 'string' });
    const input = field(sample, 2)?.message;
    expect(field(input, 1)).toMatchObject({ name: 'kind.text', kind: 'string' });
    const tensor = field(input, 2)?.message;
    expect(tensor?.fields.map((f) => [f.name, f.kind, f.repeated])).toEqual([
      ['dtype', 'varint', false],
      ['shape', 'varint', true],
      ['data', 'bytes', false],
    ]);
    expect(field(field(samples?.message, 2)?.message, 2)).toMatchObject({ name: 'experienceIndex', kind: 'varint' });
  });

  it('finds doubles and maps of messages', () => {
    const shape = inferShape(ReplayMemoryServiceService.retrieveInterfered.requestDeserialize);
    expect(field(shape, 4)).toMatchObject({ name: 'learningRate', kind: 'double' });
    const parameters = field(shape, 2);
    expect(parameters).toMatchObject({ name: 'parameters', kind: 'map', mapValue: 'message' });
    expect(field(parameters?.message, 3)).toMatchObject({ name: 'data', kind: 'bytes' });
  });
});

describe('malformedRequests', () => {
  const shape = inferShape(TrainerServiceService.ingest.requestDeserialize);

  it('is the same for the same seed and differs for another', () => {
    const a = [...malformedRequests(shape, 20, 7)].map((r) => r.bytes.toString('hex'));
    expect([...malformedRequests(shape, 20, 7)].map((r) => r.bytes.toString('hex'))).toEqual(a);
    expect([...malformedRequests(shape, 20, 8)].map((r) => r.bytes.toString('hex'))).not.toEqual(a);
  });

  it('mixes undecodable and decodable requests of every kind', () => {
    const requests = [...malformedRequests(shape, 40, 1, { knownIds: ['m'] })];
    expect(requests).toHaveLength(40);
    expect(new Set(requests.map((r) => r.kind))).toEqual(new Set(['empty', 'random-bytes', 'truncated', 'wrong-wire-types', 'structured']));
    const decodes = requests.map((r) => {
      try {
        IngestRequest.decode(r.bytes);
        return true;
      } catch {
        return false;
      }
    });
    expect(decodes).toContain(true);
    expect(decodes).toContain(false);
  });
});
