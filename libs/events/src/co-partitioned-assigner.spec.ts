import { describe, expect, it } from 'vitest';
import { coPartitionedAssignment } from './co-partitioned-assigner.js';

describe('coPartitionedAssignment', () => {
  it('gives partition p of every topic to the same member, spread evenly over the sorted members', () => {
    const assignment = coPartitionedAssignment(['m-b', 'm-a', 'm-c'], { samples: [3, 0, 1, 2], closes: [0, 1, 2, 3] });
    expect(assignment).toEqual({
      'm-a': { samples: [0, 3], closes: [0, 3] },
      'm-b': { samples: [1], closes: [1] },
      'm-c': { samples: [2], closes: [2] },
    });
  });

  it('leaves members beyond the partition count idle and copes with no members', () => {
    expect(coPartitionedAssignment(['a', 'b', 'c'], { t: [0, 1] })).toEqual({ a: { t: [0] }, b: { t: [1] }, c: {} });
    expect(coPartitionedAssignment([], { t: [0, 1] })).toEqual({});
  });
});
