import type { ExportCommand } from '../domain/command.js';
import type { Clock } from './clock.js';
import { dateOf, type IsoDate } from '../domain/dates.js';
import { OFFICE_CODES, type OfficeCode } from '../domain/offices.js';
import type { FileType } from '../domain/records.js';

/** The daily runs as the real cron fires them: APP at 14:00, DNC at 15:00 (UK time; UTC here). */
export const DAILY_RUNS: readonly { type: FileType; hourUtc: number }[] = [
  { type: 'APP', hourUtc: 14 },
  { type: 'DNC', hourUtc: 15 },
];

/** One command per office, all at once: exactly the burst that collided on the Counter in 2021. */
export function burstCommands(
  type: FileType,
  runDate: IsoDate,
  newId: () => string,
  offices: readonly OfficeCode[] = OFFICE_CODES,
): ExportCommand[] {
  return offices.map((localOffice) => ({ commandId: newId(), type, localOffice, runDate, correlationId: newId() }));
}

/** The next scheduled firing strictly after `nowMs`. */
export function nextRun(nowMs: number): { type: FileType; atMs: number; runDate: IsoDate } {
  const today = Date.parse(`${dateOf(nowMs)}T00:00:00Z`);
  for (const dayOffset of [0, 1]) {
    for (const run of DAILY_RUNS) {
      const atMs = today + dayOffset * 86_400_000 + run.hourUtc * 3_600_000;
      if (atMs > nowMs) return { type: run.type, atMs, runDate: dateOf(atMs) };
    }
  }
  throw new Error('unreachable: a daily run is always within a day');
}

export interface DailyScheduleOptions {
  clock: Clock;
  publish: (command: ExportCommand) => Promise<void>;
  newId: () => string;
  offices?: readonly OfficeCode[];
  signal?: AbortSignal;
  onFire?: (type: FileType, runDate: IsoDate, commands: number) => void;
  /** Stop after this many firings (tests); default: until aborted. */
  maxFirings?: number;
}

/** The cron, as the real system ran it: at each daily run time, the whole burst at once. Returns the number of firings. */
export async function runDailySchedule(options: DailyScheduleOptions): Promise<number> {
  let firings = 0;
  while (!options.signal?.aborted && firings < (options.maxFirings ?? Infinity)) {
    const next = nextRun(options.clock.now());
    await options.clock.sleep(next.atMs - options.clock.now());
    if (options.signal?.aborted) break;
    const commands = burstCommands(next.type, next.runDate, options.newId, options.offices);
    await Promise.all(commands.map((command) => options.publish(command)));
    options.onFire?.(next.type, next.runDate, commands.length);
    firings++;
  }
  return firings;
}
