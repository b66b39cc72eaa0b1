import { describe, expect, it } from 'vitest';
import { DataType, EvaluationSample, PredictRequest, SamplesEvent, TOPICS, Tensor, TrainingSample } from './index.js';

describe('contracts', () => {
  it('round-trips a training sample with its task id through the wire format', () => {
    const sample: TrainingSample = {
      sample: {
        sampleId: 's-1',
        input: { kind: { $case: 'text', value: 'book a flight to oslo' } },
        label: 'book_flight',
        metadata: { source: 'test' },
      },
      experience: { modelId: 'm', experienceIndex: 3 },
      taskId: 2,
    };
    const decoded = TrainingSample.decode(TrainingSample.encode(sample).finish());
    expect(decoded).toEqual(sample);
  });

  it('keeps task identity out of evaluation messages', () => {
    // Evaluation samples and prediction requests have no task field except the explicit,
    // task-incremental-only PredictRequest.task_id.
    expect(Object.keys(EvaluationSample.fromPartial({}))).toEqual(['sample']);
    expect(Object.keys(PredictRequest.fromPartial({}))).not.toContain('experience');
    const wire = TrainingSample.encode({ sample: { sampleId: 'x', label: 'a', metadata: {} }, taskId: 7 }).finish();
    // Decoding a training payload as an evaluation sample drops the task id.
    expect(JSON.stringify(EvaluationSample.decode(wire))).not.toContain('7');
  });

  it('carries tensors as dtype, shape and little-endian bytes', () => {
    const data = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const t: Tensor = { dtype: DataType.DATA_TYPE_FLOAT32, shape: [1, 2], data };
    const back = Tensor.decode(Tensor.encode(t).finish());
    expect(back.shape).toEqual([1, 2]);
    expect(Array.from(new Float32Array(back.data.slice().buffer))).toEqual([1.5, -2]);
  });

  it('names one topic per event payload', () => {
    expect(Object.values(TOPICS)).toHaveLength(new Set(Object.values(TOPICS)).size);
    const event = SamplesEvent.fromPartial({ header: { eventId: 'e', schemaVersion: 1, modelId: 'm' } });
    expect(SamplesEvent.decode(SamplesEvent.encode(event).finish()).header?.eventId).toBe('e');
  });
});
