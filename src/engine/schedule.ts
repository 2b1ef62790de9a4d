import { Cron } from 'croner';
import type { ExportCommand } from '../domain/command.js';
import type { IsoDate } from '../domain/dates.js';
import { OFFICE_CODES, type OfficeCode } from '../domain/offices.js';
import type { FileType } from '../domain/records.js';
import type { Clock } from './clock.js';

/** ESR's runs are UK times: 14:00 and 15:00 in London, BST in summer, GMT in winter. */
export const DEFAULT_TIME_ZONE = 'Europe/London';

/** One daily run: its file type and the local time of day it fires (minute and second default to 0). */
export interface DailyRun {
  type: FileType;
  hour: number;
  minute?: number;
  second?: number;
}

/** The daily runs as the real cron fires them: APP at 14:00, DNC at 15:00, local time of the schedule's zone. */
export const DAILY_RUNS: readonly DailyRun[] = [
  { type: 'APP', hour: 14 },
  { type: 'DNC', hour: 15 },
];

const twoDigits = (n: number) => String(n).padStart(2, '0');

/** `APP 14:00, DNC 15:00` (seconds shown only when set). */
export function describeRuns(runs: readonly DailyRun[]): string {
  return runs.map(({ type, hour, minute = 0, second = 0 }) => `${type} ${twoDigits(hour)}:${twoDigits(minute)}${second ? `:${twoDigits(second)}` : ''}`).join(', ');
}

/** A clock stepped forward or back is noticed within this long: no single long timer is trusted. */
const MAX_SLEEP_MS = 60_000;
/** Backoff of a burst's publishes that failed (broker down): doubling up to a minute, until they go through. */
const PUBLISH_RETRY_MS = { initial: 1_000, max: 60_000 };

/** One command per office, all at once: exactly the burst that collided on the Counter in 2021. */
export function burstCommands(
  type: FileType,
  runDate: IsoDate,
  newId: () => string,
  offices: readonly OfficeCode[] = OFFICE_CODES,
): ExportCommand[] {
  return offices.map((localOffice) => ({ commandId: newId(), type, localOffice, runDate, correlationId: newId() }));
}

/** An IANA zone name the scheduler accepts, or a one-line reason it does not. */
export function timeZoneError(timeZone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return null;
  } catch {
    return `unknown time zone '${timeZone}' (expected an IANA name such as Europe/London or UTC)`;
  }
}

/** The calendar date of an instant in a zone: the run date of a firing. */
export function localDate(epochMs: number, timeZone: string): IsoDate {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(epochMs));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}` as IsoDate;
}

export interface Firing {
  type: FileType;
  atMs: number;
  runDate: IsoDate;
}

/** The next scheduled firing strictly after `afterMs` (croner computes the zone's wall clock, DST included). */
export function nextRun(afterMs: number, timeZone: string = DEFAULT_TIME_ZONE, runs: readonly DailyRun[] = DAILY_RUNS): Firing {
  const from = new Date(afterMs);
  const firings = runs.map(({ type, hour, minute = 0, second = 0 }) => {
    // No function given: croner only computes, it starts no timer.
    const next = new Cron(`${second} ${minute} ${hour} * * *`, { timezone: timeZone }).nextRun(from);
    if (!next) throw new Error(`no next run for ${type} after ${from.toISOString()}`);
    return { type, atMs: next.getTime(), runDate: localDate(next.getTime(), timeZone) };
  });
  return firings.reduce((first, firing) => (firing.atMs < first.atMs ? firing : first));
}

export interface DailyScheduleOptions {
  clock: Clock;
  publish: (command: ExportCommand) => Promise<void>;
  newId: () => string;
  offices?: readonly OfficeCode[];
  /** Default `Europe/London`. */
  timeZone?: string;
  /** Default `DAILY_RUNS` (APP 14:00, DNC 15:00). */
  runs?: readonly DailyRun[];
  signal?: AbortSignal;
  onFire?: (firing: Firing, commands: number) => void;
  /** A publish of the burst failed; it is retried after `retryInMs`. */
  onPublishError?: (firing: Firing, error: unknown, retryInMs: number) => void;
  /** Stop after this many firings (tests); default: until aborted. */
  maxFirings?: number;
}

/**
 * The cron, as the real system ran it: at each daily run time, the whole burst at once. Each
 * firing is computed from the previous one (not from "now"), so a clock stepped back never fires a
 * run twice and a clock stepped forward fires every run it jumped over, once, late. Sleeps are at
 * most a minute, so a step is noticed. Returns the number of firings.
 */
export async function runDailySchedule(options: DailyScheduleOptions): Promise<number> {
  const { clock, signal } = options;
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  let firings = 0;
  let after = clock.now();
  while (!signal?.aborted && firings < (options.maxFirings ?? Infinity)) {
    const next = nextRun(after, timeZone, options.runs);
    while (!signal?.aborted && clock.now() < next.atMs) await clock.sleep(Math.min(next.atMs - clock.now(), MAX_SLEEP_MS));
    if (signal?.aborted) break;
    const commands = burstCommands(next.type, next.runDate, options.newId, options.offices);
    await publishAll(commands, options, next);
    if (signal?.aborted) break;
    options.onFire?.(next, commands.length);
    after = next.atMs;
    firings++;
  }
  return firings;
}

/**
 * Publishes every command of a burst; those that fail (a broker restart, a dropped connection)
 * are published again with backoff until they go through: a daemon outlives a broker outage. A
 * command published twice is harmless: the handler exports a batch once.
 */
async function publishAll(commands: ExportCommand[], options: DailyScheduleOptions, firing: Firing): Promise<void> {
  let pending = commands;
  let delayMs = PUBLISH_RETRY_MS.initial;
  while (pending.length > 0 && !options.signal?.aborted) {
    const results = await Promise.allSettled(pending.map((command) => options.publish(command)));
    const failed = results.flatMap((result, i) => (result.status === 'rejected' ? [{ command: pending[i]!, error: result.reason as unknown }] : []));
    pending = failed.map((f) => f.command);
    if (pending.length === 0) break;
    options.onPublishError?.(firing, failed[0]!.error, delayMs);
    await options.clock.sleep(delayMs);
    delayMs = Math.min(PUBLISH_RETRY_MS.max, delayMs * 2);
  }
}
