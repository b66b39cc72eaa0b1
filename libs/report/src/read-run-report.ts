import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '@mneme/errors';
// ajv is CommonJS: Node's ESM loader (the production bundle) sees only its default export.
import ajvModule from 'ajv';
import { upgradeLegacyRun, upgradeLegacyUp } from './legacy-reports.js';
import { RUN_REPORT_JSON_SCHEMA } from './run-report-schema.js';
import { RUN_REPORT_SCHEMA, type RunReport } from './run-report.js';

const { Ajv } = ajvModule;
const validate = new Ajv({ allErrors: false, strict: false }).compile<RunReport>(RUN_REPORT_JSON_SCHEMA);

/**
 * A run report from parsed JSON: version 1 as it is, older reports upgraded. `source` names the
 * input in errors.
 * @throws InvalidArgumentError naming the source and the first field that does not fit
 */
export function parseRunReport(json: unknown, source: string): RunReport {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new InvalidArgumentError(`${source}: a run report is a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`);
  const x = json as Record<string, unknown>;
  const schema = x['schema'];
  let report: unknown;
  if (schema === RUN_REPORT_SCHEMA) report = json;
  else if (schema !== undefined)
    throw new InvalidArgumentError(
      `${source}: unknown report schema '${String(schema)}' (this mneme reads '${RUN_REPORT_SCHEMA}' and older unversioned reports; a newer mneme wrote it?)`,
    );
  else if (x['command'] === 'mneme up') report = upgradeLegacyUp(x, source);
  else if ('seeds' in x && 'matrix' in x) report = upgradeLegacyRun(x, source);
  else
    throw new InvalidArgumentError(
      `${source}: not a run report (no 'schema' field, and not an older mneme run or mneme up report); write one with mneme run --out or mneme up --out`,
    );
  if (!validate(report)) {
    const [e] = validate.errors ?? [];
    throw new InvalidArgumentError(
      `${source}: ${e === undefined ? 'invalid run report' : `${e.instancePath === '' ? 'the report' : e.instancePath} ${e.message ?? 'is invalid'}`}`,
    );
  }
  checkConsistent(report, source);
  return report;
}

/** Reads and parses one report file. @throws InvalidArgumentError naming the file */
export function readRunReport(file: string): RunReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`${file}: not JSON (${(e as Error).message})`);
  }
  return parseRunReport(json, file);
}

/** What the schema cannot say: every seed's matrix is experiences × experiences, class ids exist. */
function checkConsistent(report: RunReport, source: string): void {
  const experiences = report.seeds[0]!.matrix[0]!.length;
  for (const s of report.seeds) {
    const where = `${source}: seed ${s.seed}`;
    if (s.matrix.some((row) => row.length !== experiences))
      throw new InvalidArgumentError(`${where}: every matrix row must have ${experiences} columns (one per experience)`);
    if (s.matrix.length > experiences)
      throw new InvalidArgumentError(`${where}: the matrix has ${s.matrix.length} rows but ${experiences} experiences`);
    if (s.random_init.length !== 0 && s.random_init.length !== experiences)
      throw new InvalidArgumentError(`${where}: random_init has ${s.random_init.length} values for ${experiences} experiences`);
    if (s.experience_classes.length !== 0 && s.experience_classes.length !== experiences)
      throw new InvalidArgumentError(
        `${where}: experience_classes lists ${s.experience_classes.length} experiences, the matrix ${experiences}`,
      );
    const unknown = s.experience_classes.flat().find((k) => k >= report.class_names.length);
    if (unknown !== undefined)
      throw new InvalidArgumentError(`${where}: class id ${unknown} has no name (class_names has ${report.class_names.length})`);
    if (s.class_accuracy !== undefined && s.class_accuracy.length !== s.matrix.length)
      throw new InvalidArgumentError(`${where}: class_accuracy has ${s.class_accuracy.length} rows, the matrix ${s.matrix.length}`);
  }
}
