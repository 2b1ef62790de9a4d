import { compactDate, digitsAt, expandDate, isIsoDate, type IsoDate } from './dates.js';

/**
 * One codec per ESR format key (`X(n)`, `F(n)`, `N(n,m)`, `L(n)`): how a value becomes the text of
 * one field and back. Codecs are built once per layout field, so the per-record work is a few
 * length checks; they never truncate or round: a value that does not fit is a FieldProblem.
 * Escaping is not theirs: it is applied to whole lines (see escapeCell), because only text can
 * need it and one check per line is much cheaper than one per field.
 */
export interface Codec<T> {
  /** The ESR format key, as documented: `X(150)`, `L(8)`, `N(3,1)`. */
  readonly key: string;
  /** The field's text before escaping. */
  encode(value: T): string;
  /** From the field's text after unescaping. */
  decode(cell: string): T;
  /** Text codecs: a string this short encodes to itself, so the hot path need not call encode. */
  readonly passesUpTo?: number;
}

/** Why one field cannot be encoded or decoded; the file module adds file, line and column. */
export class FieldProblem extends Error {
  override readonly name = 'FieldProblem';
  /** Offset inside the raw field text where the problem is, when it is not the field's start. */
  constructor(
    message: string,
    readonly offset = 0,
  ) {
    super(message);
  }
}

export const DELIMITER = '|';
export const ESCAPE = '\\';

/**
 * Inside text fields the delimiter, the escape character and line breaks are written as two-character
 * escapes, so an escaped field never contains a raw `|` or newline: lines and fields split with plain
 * `split`, no quoting state machine.
 */
export const ESCAPES: Readonly<Record<string, string>> = { '|': '\\p', '\\': '\\\\', '\n': '\\n', '\r': '\\r' };
const UNESCAPES: Readonly<Record<string, string>> = { p: '|', '\\': '\\', n: '\n', r: '\r' };

/**
 * What sends a rendered line to the slow path: a character to escape, or a surrogate (which must be
 * paired). The delimiter is not in it: a line's delimiters are counted instead.
 */
const NEEDS_CARE = /[\\\n\r\ud800-\udfff]/;

/** True when a line joined from `fieldCount` unescaped cells needs no escaping at all. */
export function isPlainLine(line: string, fieldCount: number): boolean {
  return !NEEDS_CARE.test(line) && countDelimiters(line) === fieldCount - 1;
}

/** Raw delimiters in a line: one fewer than its fields, since an escaped cell holds none. */
export function countDelimiters(line: string): number {
  let count = 0;
  for (let at = line.indexOf(DELIMITER); at !== -1; at = line.indexOf(DELIMITER, at + 1)) count++;
  return count;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Widths count Unicode code points (what a person calls characters), not UTF-16 units. */
export function codePointLength(value: string): number {
  let length = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    if (isHighSurrogate(value.charCodeAt(i)) && isLowSurrogate(value.charCodeAt(i + 1))) {
      length--;
      i++;
    }
  }
  return length;
}

/** One cell's text as written: escapes applied, lone surrogates refused. */
export function escapeCell(value: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (isHighSurrogate(code) && isLowSurrogate(value.charCodeAt(i + 1))) {
      i++;
      continue;
    }
    if (isHighSurrogate(code) || isLowSurrogate(code)) {
      // A lone surrogate cannot be written as UTF-8: the writer would silently replace it.
      throw new FieldProblem(`contains a lone surrogate (U+${code.toString(16).toUpperCase()}) at position ${i + 1}`);
    }
    const escaped = ESCAPES[value[i]!];
    if (escaped !== undefined) {
      out += value.slice(start, i) + escaped;
      start = i + 1;
    }
  }
  return out + value.slice(start);
}

/** The inverse of escapeCell; an unknown escape is a FieldProblem at its offset. */
export function unescapeCell(cell: string): string {
  let out = '';
  let start = 0;
  for (let i = cell.indexOf(ESCAPE); i !== -1; i = cell.indexOf(ESCAPE, start)) {
    const replacement = UNESCAPES[cell[i + 1] ?? ''];
    if (replacement === undefined) {
      const found = i + 1 < cell.length ? `'\\${cell[i + 1]}'` : 'a lone \\ at the end of the field';
      throw new FieldProblem(`expected an escape (\\p, \\\\, \\n or \\r), found ${found}`, i);
    }
    out += cell.slice(start, i) + replacement;
    start = i + 2;
  }
  return out + cell.slice(start);
}

function checkWidth(value: string, width: number, key: string): void {
  if (value.length > width) {
    const length = codePointLength(value);
    if (length > width) throw new FieldProblem(`${key} allows at most ${width} characters, got ${length}`);
  }
}

/** `X(n)`: variable text of at most n characters. */
export function text(width: number): Codec<string> {
  const key = `X(${width})`;
  return {
    key,
    // A string of at most `width` UTF-16 units has at most `width` code points.
    passesUpTo: width,
    encode(value) {
      if (typeof value !== 'string') throw new FieldProblem(`${key} expects text, got ${describe(value)}`);
      checkWidth(value, width, key);
      return value;
    },
    decode(cell) {
      checkWidth(cell, width, key);
      return cell;
    },
  };
}

/** `F(n)`: fixed text of exactly n characters, one of a closed set (codes need no escaping). */
export function code<T extends string>(width: number, allowed: readonly T[]): Codec<T> {
  const key = `F(${width})`;
  for (const value of allowed) {
    if (value.length !== width || !isPlainLine(value, 1)) throw new Error(`code ${value} does not fit ${key}`);
  }
  const set = new Set<string>(allowed);
  const expected = allowed.length <= 13 ? `one of ${allowed.join(', ')}` : `a ${width}-character code`;
  const check = (value: unknown): T => {
    if (typeof value === 'string' && set.has(value)) return value as T;
    throw new FieldProblem(`${key} expects ${expected}, got ${describe(value)}`);
  };
  return { key, encode: check, decode: check };
}

/** Dates repeat a lot in a file (a few hundred distinct values), so each is validated once. */
const CACHE_LIMIT = 100_000;
const compactCache = new Map<string, string>();
const expandCache = new Map<string, IsoDate>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** `20210731` → `2021-07-31`, null when it is no real date; each distinct text checked once. */
function expandCached(compact: string): IsoDate | null {
  const cached = expandCache.get(compact);
  if (cached !== undefined) return cached;
  const value = expandDate(compact);
  return value === null ? null : remember(expandCache, compact, value);
}

/** `L(8)`: a calendar date as YYYYMMDD. */
export function date(): Codec<IsoDate> {
  return {
    key: 'L(8)',
    encode(value) {
      const cached = compactCache.get(value);
      if (cached !== undefined) return cached;
      if (!isIsoDate(value)) throw new FieldProblem(`L(8) expects a date (YYYY-MM-DD), got ${describe(value)}`);
      return remember(compactCache, value, compactDate(value));
    },
    decode(cell) {
      const value = expandCached(cell);
      if (value === null) throw new FieldProblem(`L(8) expects a date as YYYYMMDD, got ${describe(cell)}`);
      return value;
    },
  };
}

/** `L(8)` or empty: a date that may be absent. */
export function optionalDate(): Codec<IsoDate | null> {
  const inner = date();
  return {
    key: inner.key,
    encode: (value) => (value === null ? '' : inner.encode(value)),
    decode: (cell) => (cell === '' ? null : inner.decode(cell)),
  };
}

/** `L(n)`: a whole number in [min, max], zero-padded to exactly n digits. */
export function fixedNumber(width: number, min: number, max: number): Codec<number> {
  const key = `L(${width})`;
  if (min < 0 || String(max).length > width) throw new Error(`range ${min}..${max} does not fit ${key}`);
  const digits = new RegExp(`^\\d{${width}}$`);
  const checkRange = (value: number, shown: string): number => {
    if (value < min || value > max) throw new FieldProblem(`${key} expects a number in ${min}..${max}, got ${shown}`);
    return value;
  };
  return {
    key,
    encode(value) {
      if (!Number.isSafeInteger(value)) throw new FieldProblem(`${key} expects a whole number, got ${describe(value)}`);
      return String(checkRange(value, String(value))).padStart(width, '0');
    },
    decode(cell) {
      if (!digits.test(cell)) throw new FieldProblem(`${key} expects exactly ${width} digits, got ${describe(cell)}`);
      return checkRange(Number(cell), cell);
    },
  };
}

/** `N(n,m)`: a non-negative number of at most n digits, m of them decimals, written with exactly m decimals. */
export function decimal(width: number, scale: number): Codec<number> {
  const key = `N(${width},${scale})`;
  const integerDigits = width - scale;
  const pattern = new RegExp(`^\\d{1,${integerDigits}}${scale > 0 ? `(?:\\.\\d{1,${scale}})?` : ''}$`);
  return {
    key,
    encode(value) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new FieldProblem(`${key} expects a non-negative number, got ${describe(value)}`);
      }
      const written = value.toFixed(scale);
      if (Number(written) !== value) throw new FieldProblem(`${key} allows ${scale} decimal(s), got ${value}`);
      if (written.length - (scale > 0 ? scale + 1 : 0) > integerDigits) {
        throw new FieldProblem(`${key} allows ${integerDigits} digit(s) before the point, got ${value}`);
      }
      return written;
    },
    decode(cell) {
      if (!pattern.test(cell)) {
        throw new FieldProblem(`${key} expects up to ${integerDigits} digit(s) and ${scale} decimal(s), got ${describe(cell)}`);
      }
      return Number(cell);
    },
  };
}

/** The largest instant with a 4-digit year: 9999-12-31T23:59:59.999Z. */
const TIMESTAMP_MAX = 253_402_300_799_999;

const DAY_MS = 86_400_000;
const dayDigits = new Map<number, string>();

/** `L(17)`: an instant (epoch ms) as UTC YYYYMMDDHHMMSSmmm. Arithmetic, not `Date` formatting: every file's header has one. */
export function timestamp(): Codec<number> {
  const two = (n: number) => (n < 10 ? '0' : '') + n;
  const toDigits = (epochMs: number) => {
    const day = Math.floor(epochMs / DAY_MS);
    let date = dayDigits.get(day);
    if (date === undefined) {
      const iso = new Date(day * DAY_MS).toISOString(); // in range: checked by encode, or a decoded (so valid) date
      if (dayDigits.size >= CACHE_LIMIT) dayDigits.clear();
      dayDigits.set(day, (date = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10)));
    }
    const ms = epochMs - day * DAY_MS;
    const milli = ms % 1000;
    return date + two(Math.floor(ms / 3_600_000)) + two(Math.floor(ms / 60_000) % 60) + two(Math.floor(ms / 1000) % 60) + (milli < 100 ? (milli < 10 ? '00' : '0') : '') + milli;
  };
  return {
    key: 'L(17)',
    encode(value) {
      if (!Number.isSafeInteger(value) || value < 0 || value > TIMESTAMP_MAX) {
        throw new FieldProblem(`L(17) expects an instant between 1970 and 9999 in epoch ms, got ${describe(value)}`);
      }
      return toDigits(value);
    },
    decode(cell) {
      const part = (from: number, to: number) => digitsAt(cell, from, to);
      const year = part(0, 4);
      const hour = part(8, 10);
      const minute = part(10, 12);
      const second = part(12, 14);
      const milli = part(14, 17);
      // The date's own checks (a real day) first; Date.UTC then reads it without rolling over (and 1970+ is no two-digit year).
      const valid = cell.length === 17 && year >= 1970 && expandCached(cell.slice(0, 8)) !== null;
      const epochMs = valid ? Date.UTC(year, part(4, 6) - 1, part(6, 8), hour, minute, second, milli) : -1;
      if (epochMs < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || milli < 0) {
        throw new FieldProblem(`L(17) expects a UTC timestamp YYYYMMDDHHMMSSmmm, got ${describe(cell)}`);
      }
      return epochMs;
    },
  };
}

/** A field that always holds the same text: the record type at the start of every line. */
export function literal(value: string): Codec<string> {
  return code(value.length, [value]);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `'${value.slice(0, 40)}…'` : `'${value}'`;
  return value === null ? 'null' : typeof value === 'number' ? String(value) : typeof value;
}
