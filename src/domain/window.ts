import { addDays, type IsoDate } from './dates.js';

/** An applicant goes out when the placement starts between 2 days and 13 weeks after the run date. */
export const WINDOW_START_DAYS = 2;
export const WINDOW_END_DAYS = 13 * 7;

export interface DateRange {
  /** Inclusive. */
  from: IsoDate;
  /** Inclusive. */
  to: IsoDate;
}

/** Windows by run date: every command computes one, and a sweep runs the same few run dates by the hundred thousand. */
const windows = new Map<IsoDate, Readonly<DateRange>>();
const WINDOWS_CACHED_MAX = 10_000;

export function exportWindow(runDate: IsoDate): Readonly<DateRange> {
  let window = windows.get(runDate);
  if (!window) {
    if (windows.size >= WINDOWS_CACHED_MAX) windows.clear();
    window = Object.freeze({ from: addDays(runDate, WINDOW_START_DAYS), to: addDays(runDate, WINDOW_END_DAYS) });
    windows.set(runDate, window);
  }
  return window;
}

export function isInWindow(startDate: IsoDate, runDate: IsoDate): boolean {
  const { from, to } = exportWindow(runDate);
  return startDate >= from && startDate <= to;
}

/**
 * A record still waiting for export whose start is before this date (less than 2 days away from
 * `asOf`, or already past) can no longer make it: no later run's window includes it. That is the
 * harm of 2021.
 */
export function missedIfStartsBefore(asOf: IsoDate): IsoDate {
  return addDays(asOf, WINDOW_START_DAYS);
}

export function hasMissedExport(startDate: IsoDate, asOf: IsoDate): boolean {
  return startDate < missedIfStartsBefore(asOf);
}
