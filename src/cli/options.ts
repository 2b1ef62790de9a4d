import { isIsoDate, type IsoDate } from '../domain/dates.js';
import { CliError } from './errors.js';

/** Option values are checked once, here: a bad one is a one-line error and exit 2, never a NaN let through. */
export function integerIn(value: string, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const unbounded = max === Number.MAX_SAFE_INTEGER;
    const range = unbounded ? (min === 1 ? 'a positive integer' : `an integer of at least ${min}`) : `an integer from ${min} to ${max}`;
    throw new CliError(`${name} must be ${range}, got '${value}'`);
  }
  return n;
}

export const positiveInt = (value: string, name: string): number => integerIn(value, name, 1);
export const nonNegativeInt = (value: string, name: string): number => integerIn(value, name, 0);

export function isoDate(value: string, name: string): IsoDate {
  if (!isIsoDate(value)) throw new CliError(`${name} must be a date YYYY-MM-DD, got '${value}'`);
  return value;
}

/** A commander argParser: the option is checked (and typed) while parsing, before any action runs. */
export function parsedBy<T>(check: (value: string, name: string) => T, name: string): (value: string) => T {
  return (value) => check(value, name);
}
