/** One CSV record and the 1-based line it starts on. */
export interface CsvRecord {
  readonly fields: string[];
  readonly line: number;
}

/** The records of a CSV text, or the first syntax error and its line. */
export type CsvParse = { readonly records: CsvRecord[] } | { readonly error: string; readonly line: number };

/**
 * Parses RFC 4180 CSV: comma-separated fields, fields in double quotes may hold commas, line
 * breaks and doubled quotes (`""`); CRLF or LF line ends; a leading byte-order mark is dropped;
 * blank lines are skipped. Each record keeps the line it starts on, so problems found in a field
 * can be reported at the right place even after a quoted multi-line field.
 * Written here rather than taken from a package: the grammar is small and the line bookkeeping
 * is exactly what error messages need.
 */
export function parseCsv(content: string): CsvParse {
  const text = content.replace(/^\uFEFF/, '');
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let atFieldStart = true;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = (): void => {
    fields.push(field);
    // A blank line is one empty, unquoted field: skip it.
    const blank = fields.length === 1 && field === '' && text[i - 1] !== '"';
    if (!blank) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    atFieldStart = true;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && atFieldStart) {
      const openLine = line;
      atFieldStart = false;
      i++;
      for (;;) {
        if (i >= text.length) return { error: 'unterminated quoted field', line: openLine };
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        return { error: 'unexpected character after a closing quote (quotes inside a field must be doubled)', line };
      }
    } else if (c === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i++;
    } else if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else if (c === '"') {
      return { error: 'a quote inside an unquoted field (quote the whole field and double the quote)', line };
    } else {
      field += c;
      atFieldStart = false;
      i++;
    }
  }
  if (!atFieldStart || fields.length > 0) endRecord();
  return { records };
}
