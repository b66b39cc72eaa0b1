import { type Field } from './field.js';

/** Output of `describe()`: a Markdown table for READMEs, or indented plain text for `--help`. */
export type DescribeFormat = 'markdown' | 'text';

const UNSET = '(unset)';

// A '|' inside a cell would end the cell early; newlines would end the row.
const markdownCell = (value: string): string => value.replaceAll('|', '\\|').replaceAll('\n', ' ');

function markdown(fields: readonly Field<unknown>[]): string {
  const rows = fields.map((f) => {
    const fallback = f.defaultText === undefined ? UNSET : `\`${f.defaultText}\``;
    return `| \`${f.env}\` | ${markdownCell(fallback)} | ${markdownCell(f.accepts)} | ${markdownCell(f.doc)} |`;
  });
  return ['| Variable | Default | Accepts | Description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function text(fields: readonly Field<unknown>[]): string {
  return fields
    .map((f) => {
      const fallback = f.defaultText ?? UNSET;
      return `${f.env} (default: ${fallback})\n    ${f.doc}\n    Accepts ${f.accepts}.`;
    })
    .join('\n');
}

/** Renders the variables of a schema, in schema order, with their defaults, accepted values and docs. */
export function describeFields(fields: readonly Field<unknown>[], format: DescribeFormat): string {
  return format === 'markdown' ? markdown(fields) : text(fields);
}
