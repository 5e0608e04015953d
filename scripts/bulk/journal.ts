import { createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Row } from './rows';

/**
 * What a run has done, so a re-run skips it: one JSON line per row whose method is present (added by
 * a run, or found already there). A row is keyed by its line number, user and phone type; its number
 * is kept only as a keyed hash (HMAC-SHA-256 with a random key written at the top of the journal), and
 * so is the user: the journal holds no phone number and no user name in plain text.
 */

interface Entry {
  line: number;
  user: string;
  type: string;
  number: string;
  outcome: 'added' | 'present';
}

/** The digits of a number (with a leading +): two spellings of one number compare equal. */
export const digitsOf = (phoneNumber: string) => phoneNumber.replace(/[^\d+]/g, '');

/**
 * How a number read back from the service compares with the number a row sent. Graph shows an
 * Authentication Administrator other users' numbers masked (`+1 XXXXXXXX00`: country code and last two
 * digits kept, an extension dropped), so a masked number can prove a difference but never sameness:
 * one that agrees where it shows digits is `agreesWhereShown` (about one number in a hundred would).
 */
export function compareStoredNumber(stored: string, sent: string): 'same' | 'different' | 'agreesWhereShown' {
  if (!stored.includes('X')) return digitsOf(stored) === digitsOf(sent) ? 'same' : 'different';
  const shown = stored.replace(/[^\dX+]/g, '');
  const whole = digitsOf(sent.replace(/x\d*$/i, ''));
  const agrees =
    shown.length === whole.length && [...shown].every((char, index) => char === 'X' || char === whole[index]);
  return agrees ? 'agreesWhereShown' : 'different';
}

export class Journal {
  private readonly done = new Map<string, string>();
  private readonly key: Buffer;

  /** `create: false` (a dry run) reads an existing journal and never writes one. */
  constructor(
    readonly path: string,
    private readonly create = true,
  ) {
    if (existsSync(path)) {
      const [head, ...lines] = readFileSync(path, 'utf8').split('\n');
      const header = JSON.parse(head ?? '{}') as { journal?: number; key?: string };
      if (header.journal !== 1 || typeof header.key !== 'string')
        throw new Error(`${path} is not a bulk-phones journal (remove it or pass another --journal).`);
      this.key = Buffer.from(header.key, 'base64');
      for (const text of lines) {
        if (text.trim() === '') continue;
        let entry: Entry;
        try {
          entry = JSON.parse(text) as Entry;
        } catch {
          continue; // a line cut short by a kill: its row is simply done again (and found present)
        }
        this.done.set(`${entry.line}\t${entry.user}\t${entry.type}`, entry.number);
      }
    } else {
      this.key = randomBytes(32);
      if (create)
        writeFileSync(path, `${JSON.stringify({ journal: 1, key: this.key.toString('base64') })}\n`, { mode: 0o600 });
    }
  }

  private hash(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url').slice(0, 22);
  }

  private keyOf(row: Row): string {
    return `${row.line}\t${this.hash(row.user.toLowerCase())}\t${row.phoneType}`;
  }

  /** True when this row, with this number, was recorded as present. */
  isDone(row: Row): boolean {
    return this.done.get(this.keyOf(row)) === this.hash(digitsOf(row.phoneNumber));
  }

  record(rows: ReadonlyArray<{ row: Row; outcome: Entry['outcome'] }>): void {
    if (rows.length === 0 || !this.create) return;
    const lines = rows.map(({ row, outcome }) => {
      const entry: Entry = {
        line: row.line,
        user: this.hash(row.user.toLowerCase()),
        type: row.phoneType,
        number: this.hash(digitsOf(row.phoneNumber)),
        outcome,
      };
      this.done.set(this.keyOf(row), entry.number);
      return JSON.stringify(entry);
    });
    appendFileSync(this.path, `${lines.join('\n')}\n`);
  }
}
