import { NotFoundError } from '@mneme/errors';
import { describe, expect, it } from 'vitest';
import { classIncremental, loadClinc150, loadSnips, locateDataSet, textDataset, type SplitName } from './index.js';
import { tempFiles } from './synthetic.test-util.js';

const clinc = locateDataSet('clinc150');
const snips = locateDataSet('snips');
const counts = (splits: readonly SplitName[]): number[] => ['train', 'validation', 'test'].map((s) => splits.filter((x) => x === s).length);

describe('prepared data sets', () => {
  it('say where they looked and how to point at them when the data directory lacks them', async () => {
    const empty = await tempFiles({});
    const err: unknown = await loadClinc150({ dataDir: empty }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(/clinc150 not found .*set MNEME_DATA_DIR.*or unset it to use the copy bundled with mneme/);
    await expect(loadSnips({ dataDir: empty })).rejects.toThrow(/snips not found/);
  });

  it.skipIf(!clinc.exists)(
    `CLINC150 loads with its domains and splits by domain${clinc.exists ? '' : ` (skipped: ${clinc.missingMessage})`}`,
    async () => {
      const { set, domains } = await loadClinc150();
      expect(counts(set.splits)).toEqual([15_000, 3_000, 4_500]);
      expect(Object.keys(domains)).toHaveLength(10);
      expect(Object.values(domains).every((intents) => intents.length === 15)).toBe(true);
      const dataset = textDataset('clinc150', set);
      expect(dataset.classes).toHaveLength(150);

      const byDomain = classIncremental(dataset, { seed: 0, groups: Object.values(domains) });
      expect(byDomain.experiences.map((e) => [e.train.size, e.validation.size, e.test.size])).toEqual(new Array(10).fill([1500, 300, 450]));
      const tens = classIncremental(dataset, { seed: 0, experiences: 15, classOrder: Object.values(domains).flat() });
      expect(tens.experiences.map((e) => e.classes.length)).toEqual(new Array<number>(15).fill(10));
      expect(tens.experiences.map((e) => e.train.size)).toEqual(new Array<number>(15).fill(1000));
      expect(tens.experiences[0]!.test.batch([0]).inputs[0]).toEqual(expect.any(String));

      const withOos = await loadClinc150({ includeOutOfScope: true });
      expect(counts(withOos.set.splits)).toEqual([15_100, 3_100, 5_500]);
    },
  );

  it('CLINC150 ships with mneme: with no data directory holding it, the bundled copy loads, the same rows as the prepared one', async () => {
    const nowhere = { env: {}, cwd: await tempFiles({}) }; // no MNEME_DATA_DIR, no ../shared/data above
    const bundled = await loadClinc150({ ...nowhere, includeOutOfScope: true });
    expect(counts(bundled.set.splits)).toEqual([15_100, 3_100, 5_500]);
    expect(textDataset('clinc150', bundled.set).classes).toHaveLength(151);
    expect(Object.values(bundled.domains).flat()).toHaveLength(150);
    if (clinc.exists) {
      const prepared = await loadClinc150({ includeOutOfScope: true });
      expect(bundled.set.texts).toEqual(prepared.set.texts);
      expect(bundled.set.labels).toEqual(prepared.set.labels);
      expect(bundled.domains).toEqual(prepared.domains);
    }
  });

  it.skipIf(!snips.exists)(`SNIPS loads its standard split${snips.exists ? '' : ` (skipped: ${snips.missingMessage})`}`, async () => {
    const set = await loadSnips();
    expect(counts(set.splits)).toEqual([13_084, 700, 700]);
    const dataset = textDataset('snips', set);
    expect(dataset.classes).toEqual([
      'AddToPlaylist',
      'BookRestaurant',
      'GetWeather',
      'PlayMusic',
      'RateBook',
      'SearchCreativeWork',
      'SearchScreeningEvent',
    ]);
    const scenario = classIncremental(dataset, { seed: 0, experiences: 4 });
    expect(scenario.experiences.map((e) => e.classes.length)).toEqual([2, 2, 2, 1]);
  });
});
