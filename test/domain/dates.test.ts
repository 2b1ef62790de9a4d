import { describe, expect, it } from 'vitest';
import { addDays, compactDate, dateOf, daysBetween, expandDate, isIsoDate } from '../../src/domain/dates.js';

describe('dates', () => {
  it('accepts only real calendar dates written YYYY-MM-DD', () => {
    expect(isIsoDate('2021-07-31')).toBe(true);
    expect(isIsoDate('2024-02-29')).toBe(true);
    for (const bad of ['2021-02-29', '2021-13-01', '2021-7-31', '20210731', '2021-07-31T00:00:00Z', '', null, 20210731]) {
      expect(isIsoDate(bad)).toBe(false);
    }
  });

  it('adds days across months, years and leap days', () => {
    expect(addDays('2021-07-31', 2)).toBe('2021-08-02');
    expect(addDays('2021-12-31', 1)).toBe('2022-01-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2021-08-02', -2)).toBe('2021-07-31');
  });

  it('counts days between dates, negative when backwards', () => {
    expect(daysBetween('2021-07-31', '2021-08-04')).toBe(4);
    expect(daysBetween('2021-08-04', '2021-07-31')).toBe(-4);
    expect(daysBetween('2021-01-01', '2022-01-01')).toBe(365);
  });

  it('takes the UTC calendar date of an instant', () => {
    expect(dateOf(Date.UTC(2021, 6, 31, 23, 59, 59, 999))).toBe('2021-07-31');
    expect(dateOf(Date.UTC(2021, 7, 1))).toBe('2021-08-01');
  });

  it('compacts and expands dates for file names and records', () => {
    expect(compactDate('2021-07-31')).toBe('20210731');
    expect(expandDate('20210731')).toBe('2021-07-31');
    expect(expandDate('20210230')).toBeNull();
    expect(expandDate('2021073')).toBeNull();
    expect(expandDate('2021-07-31')).toBeNull();
  });
});
