/**
 * Accuracy against labels used for the `active` strategy: every acquisition function and random
 * selection at each labelling budget, over seeds, through `runBenchmark` (the same path as
 * `mneme run`). Writes one JSON with all curves and an SVG line plot (ACC vs labels) per memory size.
 *
 *   node --conditions=@mneme/source --import tsx tools/bench/active-curves.ts \
 *     --benchmark split-mnist --seeds 5 --budgets 0.1,0.2,0.5 --memory 0,200 --out results/active-split-mnist.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { benchmarkByName, runBenchmark } from '@mneme/benchmarks';
import { createExecutor, Engine } from '@mneme/engine';
import { ACQUISITION_NAMES, labelBudget } from '@mneme/methods';

const { values: args } = parseArgs({
  options: {
    benchmark: { type: 'string', default: 'split-mnist' },
    seeds: { type: 'string', default: '5' },
    budgets: { type: 'string', default: '0.1,0.2,0.5' },
    acquisitions: { type: 'string', default: ACQUISITION_NAMES.join(',') },
    memory: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '4' },
    out: { type: 'string', default: 'results/active-split-mnist.json' },
  },
});

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
const benchmark = benchmarkByName(args.benchmark);
const seeds = [...Array(Number(args.seeds)).keys()];
const budgets = list(args.budgets).map(Number);
const acquisitions = list(args.acquisitions);
const memories = list(args.memory).map(Number);
const executor = createExecutor(await Engine.create({ device: 'cpu', intraOpNumThreads: 1, allowSpinning: false }));

// Labels used are fixed by the budget and the experience sizes (round(budget·n) per experience).
const built = await benchmark.build({ seed: 0, settings: benchmark.defaults, executor });
const experienceSizes = built.plan.map((e) => [...e.batches()].reduce((n, b) => n + b.labels.length, 0));

const meanStd = (xs: number[]) => {
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  const std = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
  return { mean, std };
};

interface Point {
  budget: number;
  labels: number;
  acc: { mean: number; std: number };
  /** Mean over experiences of a[i][i]: how well each experience was learned from its labels. */
  learning_acc: { mean: number; std: number };
  acc_per_seed: number[];
  wall_s: number;
}
const curves: { memory: number; acquisition: string; points: Point[] }[] = memories.flatMap((memory) =>
  acquisitions.map((acquisition) => ({ memory, acquisition, points: [] as Point[] })),
);
const started = performance.now();
const command = `node --conditions=@mneme/source --import tsx tools/bench/active-curves.ts ${process.argv.slice(2).join(' ')}`.trim();
mkdirSync(dirname(args.out), { recursive: true });
// Budget-major order, written after every point: an interrupted run still compares every acquisition at the budgets done.
for (const memory of memories) {
  for (const budget of budgets) {
    for (const acquisition of acquisitions) {
      const options: Record<string, string> = { budget: String(budget), acquisition, rounds: args.rounds };
      if (memory > 0) options['memory'] = String(memory);
      const t0 = performance.now();
      const report = await runBenchmark({ benchmark, strategy: 'active', seeds, executor, options });
      const learning = report.matrix.map((m) => m.reduce((a, row, i) => a + row[i]!, 0) / m.length);
      const point: Point = {
        budget,
        labels: experienceSizes.reduce((n, size) => n + labelBudget(budget, size), 0),
        acc: { mean: report.acc.mean, std: report.acc.std },
        learning_acc: meanStd(learning),
        acc_per_seed: report.matrix.map((m) => m[m.length - 1]!.reduce((a, x) => a + x, 0) / m.length),
        wall_s: (performance.now() - t0) / 1000,
      };
      curves.find((c) => c.memory === memory && c.acquisition === acquisition)!.points.push(point);
      console.log(
        `memory ${memory} · ${acquisition.padEnd(16)} budget ${budget} (${point.labels} labels): ACC ${(100 * point.acc.mean).toFixed(2)} ± ${(100 * point.acc.std).toFixed(2)} %, learning acc ${(100 * point.learning_acc.mean).toFixed(2)} ± ${(100 * point.learning_acc.std).toFixed(2)} %`,
      );
      writeResults();
    }
  }
}

function writeResults(): void {
  writeFileSync(
    args.out,
    `${JSON.stringify(
      {
        benchmark: benchmark.name,
        strategy: 'active',
        settings: benchmark.defaults,
        seeds,
        rounds: Number(args.rounds),
        experience_sizes: experienceSizes,
        acc_definition:
          'ACC = (1/T) Σ_i R_{T,i} (Lopez-Paz & Ranzato 2017); learning_acc = (1/T) Σ_i R_{i,i}; mean ± sample std over seeds',
        command,
        wall_s: (performance.now() - started) / 1000,
        curves,
      },
      null,
      2,
    )}\n`,
  );
}
for (const memory of memories) {
  const svg = args.out.replace(/\.json$/i, '') + `.memory-${memory}.svg`;
  writeFileSync(
    svg,
    linePlot(
      curves.filter((c) => c.memory === memory),
      `${benchmark.name} · active · memory ${memory}: ACC vs labels used (mean ± std, ${seeds.length} seeds)`,
    ),
  );
  console.log(`wrote ${svg}`);
}
console.log(`wrote ${args.out}`);

/** A small SVG line plot of ACC (%) against labels used, one line per acquisition, with ±std bars. */
function linePlot(series: { acquisition: string; points: Point[] }[], title: string): string {
  const W = 640;
  const H = 400;
  const m = { left: 60, right: 170, top: 40, bottom: 50 };
  const xs = series.flatMap((s) => s.points.map((p) => p.labels));
  const ys = series.flatMap((s) => s.points.flatMap((p) => [p.acc.mean - p.acc.std, p.acc.mean + p.acc.std]));
  const [x0, x1] = [0, Math.max(...xs) * 1.05];
  const [y0, y1] = [Math.floor(Math.min(...ys) * 20) / 20, Math.min(1, Math.ceil(Math.max(...ys) * 20) / 20)];
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * (W - m.left - m.right);
  const py = (y: number) => H - m.bottom - ((y - y0) / (y1 - y0 || 1)) * (H - m.top - m.bottom);
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#7f7f7f', '#9467bd', '#ff7f0e'];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - 60}" y="20" text-anchor="middle" font-size="13">${title}</text>`,
    `<line x1="${m.left}" y1="${H - m.bottom}" x2="${W - m.right}" y2="${H - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${H - m.bottom}" stroke="black"/>`,
    `<text x="${(m.left + W - m.right) / 2}" y="${H - 12}" text-anchor="middle">labels used (whole stream)</text>`,
    `<text x="16" y="${(m.top + H - m.bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(m.top + H - m.bottom) / 2})">ACC (%)</text>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const y = y0 + ((y1 - y0) * k) / 5;
    parts.push(`<text x="${m.left - 6}" y="${py(y) + 4}" text-anchor="end">${(100 * y).toFixed(0)}</text>`);
    parts.push(`<line x1="${m.left}" y1="${py(y)}" x2="${W - m.right}" y2="${py(y)}" stroke="#eee"/>`);
  }
  for (const x of [...new Set(xs)]) parts.push(`<text x="${px(x)}" y="${H - m.bottom + 16}" text-anchor="middle">${x}</text>`);
  series.forEach((s, i) => {
    const c = colours[i % colours.length]!;
    const pts = s.points.map((p) => `${px(p.labels).toFixed(1)},${py(p.acc.mean).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const p of s.points) {
      parts.push(
        `<line x1="${px(p.labels)}" y1="${py(p.acc.mean - p.acc.std)}" x2="${px(p.labels)}" y2="${py(p.acc.mean + p.acc.std)}" stroke="${c}"/>`,
      );
      parts.push(`<circle cx="${px(p.labels)}" cy="${py(p.acc.mean)}" r="3" fill="${c}"/>`);
    }
    parts.push(
      `<line x1="${W - m.right + 15}" y1="${m.top + 20 * i}" x2="${W - m.right + 35}" y2="${m.top + 20 * i}" stroke="${c}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${W - m.right + 40}" y="${m.top + 20 * i + 4}">${s.acquisition}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
