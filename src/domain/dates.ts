/**
 * Calendar dates are ISO strings (`YYYY-MM-DD`) everywhere: they sort, compare and serialise
 * as themselves, and carry no time zone to get wrong. Instants are epoch milliseconds.
 */
export type IsoDate = string;

const DAY_MS = 86_400_000;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number the ASCII digits value[from, to) write, or -1 when one of them is not a digit. */
export function digitsAt(value: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/** A real calendar date in `YYYY-MM-DD`. Character arithmetic, not `Date` or a regex: it runs for every date of every record validated, rendered and parsed. */
export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string' || value.length !== 10 || value[4] !== '-' || value[7] !== '-') return false;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 7);
  const day = digitsAt(value, 8, 10);
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The calendar date (UTC) of an instant. */
export function dateOf(epochMs: number): IsoDate {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** `2021-07-31` → `20210731`, as in ESR file names and records. */
export function compactDate(date: IsoDate): string {
  // Slices for the usual shape (every file name has one): replaceAll cost more than the rest of fileNameOf.
  if (date.length === 10 && date[4] === '-' && date[7] === '-') return date.slice(0, 4) + date.slice(5, 7) + date.slice(8, 10);
  return date.replaceAll('-', '');
}

/** `20210731` → `2021-07-31`; null when it is not a real date. */
export function expandDate(compact: string): IsoDate | null {
  if (!/^\d{8}$/.test(compact)) return null;
  const date = `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}`;
  return isIsoDate(date) ? date : null;
}
