import { describe, expect, it } from 'vitest';
import { incrementalAccuracy } from './index.js';

describe('incrementalAccuracy', () => {
  // 4 classes, task 0 = {0, 1}, task 1 = {2, 3}.
  const samples = {
    numClasses: 4,
    scores: [
      0.1,
      0.2,
      0.9,
      0.0, // label 0, task 0: class-IL → 2 ✗; task-IL over {0,1} → 1 ✗
      0.1,
      0.5,
      0.7,
      0.2, // label 1, task 0: class-IL → 2 ✗; task-IL → 1 ✓
      0.0,
      0.1,
      0.6,
      0.3, // label 2, task 1: class-IL → 2 ✓; task-IL over {2,3} → 2 ✓
      0.9,
      0.0,
      0.2,
      0.4, // label 3, task 1: class-IL → 0 ✗; task-IL → 3 ✓
    ],
    labels: [0, 1, 2, 3],
    tasks: [0, 0, 1, 1],
    taskClasses: [
      [0, 1],
      [3, 2],
    ],
  };

  it('scores the same predictions single-head and masked to the task', () => {
    // class-IL: 1 of 4 = 0.25; task-IL: 3 of 4 = 0.75
    expect(incrementalAccuracy(samples)).toEqual({
      classIncremental: { value: 0.25, definition: 'class-il-accuracy' },
      taskIncremental: { value: 0.75, definition: 'task-il-accuracy' },
    });
  });

  it('breaks ties towards the lowest class index', () => {
    const tie = { numClasses: 2, scores: [0.5, 0.5, 0.5, 0.5], labels: [0, 1], tasks: [0, 0], taskClasses: [[1, 0]] };
    // both samples predict 0 → 1 of 2 right in both settings
    const result = incrementalAccuracy(tie);
    expect([result.classIncremental.value, result.taskIncremental.value]).toEqual([0.5, 0.5]);
  });

  it('rejects inconsistent input', () => {
    expect(() => incrementalAccuracy({ ...samples, labels: [0, 2, 2, 3] })).toThrow('sample 1 has label 2, not a class of its task 0');
    expect(() => incrementalAccuracy({ ...samples, scores: [0.1] })).toThrow('scores has 1 values; 4 samples × 4 classes need 16');
  });
});
