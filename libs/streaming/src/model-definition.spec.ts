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

  it('bounds an MLP base before anything is allocated: widths, layers and weights, each named', () => {
    expect(() => defineModel('mlp:784-100000', {})).toThrow('layer widths must be whole numbers in 1..65536, got 100000');
    expect(() => defineModel('mlp:0-4', {})).toThrow('got 0');
    expect(() => defineModel(`mlp:4${'-4'.repeat(16)}`, {})).toThrow('at most 16 layers, got 17');
    expect(() => defineModel('mlp:60000-60000', {})).toThrow('the layers would hold 3600000000 weights; the limit is 100000000');
    expect(defineModel('mlp:784-400-400', {}).hidden).toEqual([400, 400]);
  });
});
