import { TrainerServiceService } from '@mneme/contracts';
import { describe, expect, it } from 'vitest';
import { jsonLogger } from './logger.js';
import { tolerantDefinition, UndecodableRequest } from './undecodable.js';

describe('tolerantDefinition', () => {
  it('turns undecodable request bytes into an UndecodableRequest instead of throwing', () => {
    const method = tolerantDefinition(
      TrainerServiceService,
      jsonLogger('test', 'error', () => undefined),
    ).getTrainingStatus;
    expect(method.requestDeserialize(Buffer.from([0x0a, 0xff]))).toBeInstanceOf(UndecodableRequest);
    expect(method.requestDeserialize(Buffer.from(TrainerServiceService.getTrainingStatus.requestSerialize({ modelId: 'm' })))).toEqual({
      modelId: 'm',
    });
  });

  it('logs the method and cause of a response that cannot be encoded (the caller only sees INTERNAL)', () => {
    const lines: string[] = [];
    const method = tolerantDefinition(
      TrainerServiceService,
      jsonLogger('test', 'info', (l) => void lines.push(l)),
    ).getTrainingStatus;
    // A negative count cannot be a uint64: the state a checkpoint ahead of its log once produced.
    expect(() =>
      method.responseSerialize({ modelId: 'm', samplesTrained: 1, optimizerSteps: 0, backlog: -1, distillationFailures: [] }),
    ).toThrow();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'error',
      method: '/mneme.v1.TrainerService/GetTrainingStatus',
      error: expect.any(String),
    });
  });
});
