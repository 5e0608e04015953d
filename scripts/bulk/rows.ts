import { createReadStream } from 'node:fs';
import { parse, type CsvError, type Info } from 'csv-parse';

/** The rows of a bulk file: `user, phone type, phone number` (a header row allowed), one method per row. */

export const PHONE_TYPES = ['mobile', 'alternateMobile', 'office'] as const;
export type PhoneType = (typeof PHONE_TYPES)[number];

export interface Row {
  /** The file's line number (1-based) where the row starts: how reports and the journal name it. */
  line: number;
  /** A user principal name or object id, as the file gives it. */
  user: string;
  phoneType: PhoneType;
  phoneNumber: string;
}

export interface Malformed {
  line: number;
  reason: string;
}

const typeOf = (value: string) => PHONE_TYPES.find((type) => type.toLowerCase() === value.toLowerCase());

/** Every row of the file, and every line that is not a row (with why); never a field's value in a reason. */
export async function readRows(file: string): Promise<{ rows: Row[]; malformed: Malformed[] }> {
  const rows: Row[] = [];
  const malformed: Malformed[] = [];
  const parser = createReadStream(file).pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      info: true,
    }),
  );
  parser.on('skip', (error: CsvError) => {
    malformed.push({
      line: Number((error as CsvError & { lines?: number }).lines ?? 0),
      reason: `not valid CSV (${error.code})`,
    });
  });
  let first = true;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
    const line = info.lines - (record.join('').includes('\n') ? record.join('').split('\n').length - 1 : 0);
    const isFirst = first;
    first = false;
    const [user = '', type = '', phoneNumber = ''] = record;
    const phoneType = typeOf(type);
    // A first line whose type column is not a phone type is the header.
    if (isFirst && !phoneType && record.length === 3) continue;
    if (record.length !== 3)
      malformed.push({ line, reason: `expected 3 columns (user, phone type, phone number), found ${record.length}` });
    else if (user === '') malformed.push({ line, reason: 'no user' });
    else if (!phoneType) malformed.push({ line, reason: 'the phone type is not mobile, alternateMobile or office' });
    else if (phoneNumber === '') malformed.push({ line, reason: 'no phone number' });
    else rows.push({ line, user, phoneType, phoneNumber });
  }
  return { rows, malformed };
}
