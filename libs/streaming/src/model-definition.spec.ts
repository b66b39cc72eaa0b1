import { describe, expect, it } from 'vitest';
import { classifierOf, defineModel } from './model-definition.js';

describe('defineModel', () => {
  it('reads an MLP base with the Split-MNIST defaults and passes strategy options on', () => {
    const d = defineModel('mlp:784-400-400', { memory: '500' });
    expect(d.input).toEqual({ kind: 'features', size: 784 });
    expect(d.hidden).toEqual([400, 400]);
    expect(d.settings).toEqual({ batchSize: 10, learningRate: 0.1, optimizer: { kind: 'sgd' }, epochs: 1 });
    expect(d.strategyOptions).toEqual({ memory: '500' });
    expect(classifierOf(d, 784, 10)).toEqual({ inputSize: 784, hidden: [400, 400], classes: 10 });
  });

  it('reads an encoder base as text with a linear head and the CLINC150 defaults, overridable', () => {
    const d = defineModel('all-MiniLM-L6-v2', { lr: '0.01', 'batch-size': '16', epochs: '3' });
    expect(d.input).toEqual({ kind: 'text', encoder: 'all-MiniLM-L6-v2' });
    expect(d.hidden).toEqual([]);
    expect(d.settings).toEqual({ batchSize: 16, learningRate: 0.01, optimizer: { kind: 'adam' }, epochs: 3 });
    expect(d.strategyOptions).toEqual({});
  });

  it('reports every bad base and option at once', () => {
    expect(() => defineModel('../etc', { lr: 'fast', 'batch-size': '0', optimizer: 'lbfgs' })).toThrow(
      /base '\.\.\/etc'[\s\S]*batch-size[\s\S]*lr[\s\S]*optimizer/,
    );
  });
});
