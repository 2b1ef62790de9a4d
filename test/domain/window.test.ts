import { describe, expect, it } from 'vitest';
import { exportWindow, hasMissedExport, isInWindow, WINDOW_END_DAYS, WINDOW_START_DAYS } from '../../src/domain/window.js';

describe('export window', () => {
  it('runs from 2 days to 13 weeks after the run date, both inclusive', () => {
    expect(WINDOW_START_DAYS).toBe(2);
    expect(WINDOW_END_DAYS).toBe(91);
    expect(exportWindow('2021-07-31')).toEqual({ from: '2021-08-02', to: '2021-10-30' });
  });

  it('includes its boundaries and nothing beyond them', () => {
    const run = '2021-07-31';
    expect(isInWindow('2021-08-01', run)).toBe(false); // +1 day: too late to export
    expect(isInWindow('2021-08-02', run)).toBe(true); // +2 days
    expect(isInWindow('2021-08-04', run)).toBe(true); // the 2021 trainees
    expect(isInWindow('2021-10-30', run)).toBe(true); // +13 weeks
    expect(isInWindow('2021-10-31', run)).toBe(false); // +13 weeks + 1 day: a later run takes it
    expect(isInWindow(run, run)).toBe(false);
  });

  it('says an export is missed once the start is less than 2 days away', () => {
    // The incident: trainees starting Wed 04/08 still TO_EXPORT.
    expect(hasMissedExport('2021-08-04', '2021-08-02')).toBe(false); // Monday's run can still send them
    expect(hasMissedExport('2021-08-04', '2021-08-03')).toBe(true); // from Tuesday they are lost
    expect(hasMissedExport('2021-08-01', '2021-08-02')).toBe(true); // already started
    expect(hasMissedExport('2021-10-30', '2021-07-31')).toBe(false);
  });

  it('agrees with the window: a start is missed exactly when no run from that day on can include it', () => {
    const start = '2021-08-04';
    for (const asOf of ['2021-07-01', '2021-08-01', '2021-08-02', '2021-08-03', '2021-08-04', '2021-08-10']) {
      expect(hasMissedExport(start, asOf)).toBe(!isInWindow(start, asOf) && start < exportWindow(asOf).to);
    }
  });
});
