import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '@mneme/errors';
import { htmlReport, readRunReport } from '@mneme/report';

/** Options of `mneme report`, as commander parses them. */
export interface ReportCommandOptions {
  out?: string;
  title?: string;
}

/** Where the HTML goes: `--out`, else beside a single input (`x.json` → `x.html`), else `mneme-report.html`. */
export function reportOutPath(files: readonly string[], out: string | undefined): string {
  if (out !== undefined) {
    if (!/\.html?$/i.test(out)) throw new InvalidArgumentError(`--out must name an .html file, got '${out}'`);
    return out;
  }
  return files.length === 1 ? files[0]!.replace(/(\.json)?$/i, '.html') : 'mneme-report.html';
}

/**
 * `mneme report <files...>`: one self-contained HTML page (charts as inline SVG, no script, no
 * network) from run reports of `mneme run` / `mneme up`. Every input is read and checked before
 * anything is written, so a bad input changes nothing.
 */
export async function reportCommand(files: string[], o: ReportCommandOptions): Promise<void> {
  if (files.length === 0) throw new InvalidArgumentError('name at least one run report (the JSON of mneme run --out or mneme up --out)');
  const out = reportOutPath(files, o.out);
  const inputs = files.map((file) => ({ file, report: readRunReport(file) }));
  const html = await htmlReport(inputs, {
    ...(o.title === undefined ? {} : { title: o.title }),
    // Progress on a terminal only; logs and pipes get the result line alone.
    onChart: (done, total) => {
      if (process.stderr.isTTY) process.stderr.write(`\rdrawing charts ${done}/${total}${done === total ? '\n' : ''}`);
    },
  });
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, html);
  console.log(
    `wrote ${out} (${inputs.length} report${inputs.length === 1 ? '' : 's'}); open it in a browser: ${pathToFileURL(resolve(out)).href}`,
  );
}
