/**
 * The daily schedule in virtual time: the clock is injected, `sleep` advances it. ESR's 14:00 and
 * 15:00 are London times, so the UTC instants move by an hour on the DST days of 2021.
 */
import { describe, expect, it } from 'vitest';
import type { ExportCommand } from '../../src/domain/command.js';
import { OFFICE_CODES } from '../../src/domain/offices.js';
import type { Clock } from '../../src/engine/clock.js';
import { burstCommands, localDate, nextRun, runDailySchedule, timeZoneError, type DailyScheduleOptions } from '../../src/engine/schedule.js';

const HOUR = 3_600_000;

/** A virtual clock; `step(fromMs, byMs)` jumps it once when it first reaches `fromMs` (an NTP step, a VM resumed). */
function virtualClock(startIso: string, step?: { atIso: string; byMs: number }): Clock & { sleeps: number[] } {
  let now = Date.parse(startIso);
  let stepped = false;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
      if (step && !stepped && now >= Date.parse(step.atIso)) {
        stepped = true;
        now += step.byMs;
      }
    },
  };
}

async function fire(clock: Clock, maxFirings: number, extra: Partial<DailyScheduleOptions> = {}) {
  const published: { command: ExportCommand; at: number }[] = [];
  let id = 0;
  const firings = await runDailySchedule({
    clock,
    publish: async (command) => void published.push({ command, at: clock.now() }),
    newId: () => `id-${++id}`,
    maxFirings,
    ...extra,
  });
  const fired = [...new Set(published.map((p) => `${new Date(p.at).toISOString()} ${p.command.type} ${p.command.runDate}`))];
  return { firings, fired, published };
}

describe('the daily schedule (Europe/London by default, croner, virtual time)', () => {
  it('a burst is one command per office, all at once', () => {
    let id = 0;
    const commands = burstCommands('DNC', '2021-07-31', () => `id-${++id}`);
    expect(commands.map((c) => c.localOffice)).toEqual(OFFICE_CODES);
    expect(new Set(commands.map((c) => c.commandId)).size).toBe(13);
    expect(commands.every((c) => c.type === 'DNC' && c.runDate === '2021-07-31')).toBe(true);
  });

  it('knows the next run: 14:00 and 15:00 London, which is 13:00/14:00 UTC in summer', () => {
    expect(nextRun(Date.parse('2021-07-31T09:00:00Z'))).toEqual({ type: 'APP', atMs: Date.parse('2021-07-31T13:00:00Z'), runDate: '2021-07-31' });
    expect(nextRun(Date.parse('2021-07-31T13:00:00Z'))).toMatchObject({ type: 'DNC', atMs: Date.parse('2021-07-31T14:00:00Z') });
    expect(nextRun(Date.parse('2021-07-31T14:30:00Z'))).toMatchObject({ type: 'APP', runDate: '2021-08-01' });
    expect(nextRun(Date.parse('2021-07-31T09:00:00Z'), 'UTC')).toMatchObject({ atMs: Date.parse('2021-07-31T14:00:00Z') });
    expect(nextRun(Date.parse('2021-12-01T09:00:00Z'))).toMatchObject({ atMs: Date.parse('2021-12-01T14:00:00Z') });
    // Other run times (--run-times), to the second, still in the zone's wall clock.
    const runs = [{ type: 'DNC' as const, hour: 9, minute: 30, second: 15 }];
    expect(nextRun(Date.parse('2021-07-31T07:00:00Z'), 'Europe/London', runs)).toEqual({ type: 'DNC', atMs: Date.parse('2021-07-31T08:30:15Z'), runDate: '2021-07-31' });
  });

  it('28 March 2021 (clocks go forward): 14:00 GMT on the 27th, then 14:00 BST = 13:00 UTC; each run once', async () => {
    const { firings, fired, published } = await fire(virtualClock('2021-03-27T09:00:00Z'), 6);
    expect(firings).toBe(6);
    expect(fired).toEqual([
      '2021-03-27T14:00:00.000Z APP 2021-03-27',
      '2021-03-27T15:00:00.000Z DNC 2021-03-27',
      '2021-03-28T13:00:00.000Z APP 2021-03-28',
      '2021-03-28T14:00:00.000Z DNC 2021-03-28',
      '2021-03-29T13:00:00.000Z APP 2021-03-29',
      '2021-03-29T14:00:00.000Z DNC 2021-03-29',
    ]);
    expect(published).toHaveLength(6 * 13);
  });

  it('31 October 2021 (clocks go back): 14:00 BST = 13:00 UTC on the 30th, then 14:00 GMT; each run once', async () => {
    const { fired } = await fire(virtualClock('2021-10-30T09:00:00Z'), 6);
    expect(fired).toEqual([
      '2021-10-30T13:00:00.000Z APP 2021-10-30',
      '2021-10-30T14:00:00.000Z DNC 2021-10-30',
      '2021-10-31T14:00:00.000Z APP 2021-10-31',
      '2021-10-31T15:00:00.000Z DNC 2021-10-31',
      '2021-11-01T14:00:00.000Z APP 2021-11-01',
      '2021-11-01T15:00:00.000Z DNC 2021-11-01',
    ]);
  });

  it('a clock stepped back an hour just after a run does not fire that run again', async () => {
    const clock = virtualClock('2021-07-31T09:00:00Z', { atIso: '2021-07-31T13:00:00Z', byMs: -HOUR });
    const { fired, published } = await fire(clock, 3);
    expect(fired).toEqual(['2021-07-31T13:00:00.000Z APP 2021-07-31', '2021-07-31T14:00:00.000Z DNC 2021-07-31', '2021-08-01T13:00:00.000Z APP 2021-08-01']);
    expect(published).toHaveLength(3 * 13);
  });

  it('a clock stepped forward over both runs fires each once, late, then keeps the daily times', async () => {
    // 12:30 BST → 16:30 BST: the 14:00 and 15:00 runs were jumped over.
    const clock = virtualClock('2021-07-31T09:00:00Z', { atIso: '2021-07-31T11:30:00Z', byMs: 4 * HOUR });
    const { fired } = await fire(clock, 3);
    expect(fired).toEqual(['2021-07-31T15:30:00.000Z APP 2021-07-31', '2021-07-31T15:30:00.000Z DNC 2021-07-31', '2021-08-01T13:00:00.000Z APP 2021-08-01']);
  });

  it('never sleeps more than a minute at a time, so a step is noticed', async () => {
    const clock = virtualClock('2021-07-31T09:00:00Z');
    await fire(clock, 1);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(60_000);
    expect(clock.sleeps.length).toBeGreaterThanOrEqual(4 * 60);
  });

  it('a burst whose publishes fail (broker down) is published again until every command is through', async () => {
    const clock = virtualClock('2021-07-31T09:00:00Z');
    const attempts = new Map<string, number>();
    const published: string[] = [];
    const errors: number[] = [];
    let id = 0;
    await runDailySchedule({
      clock,
      maxFirings: 1,
      newId: () => `id-${++id}`,
      publish: async (command) => {
        const n = (attempts.get(command.localOffice) ?? 0) + 1;
        attempts.set(command.localOffice, n);
        if (n <= 2 && command.localOffice !== 'LDN') throw new Error('connection closed');
        published.push(command.localOffice);
      },
      onPublishError: (_firing, _error, retryInMs) => errors.push(retryInMs),
    });
    expect(published.sort()).toEqual([...OFFICE_CODES].sort());
    expect(errors).toEqual([1_000, 2_000]);
  });

  it('stops at once when aborted while waiting', async () => {
    const controller = new AbortController();
    const clock = virtualClock('2021-07-31T09:00:00Z');
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      await sleep(ms);
      if (clock.now() > Date.parse('2021-07-31T10:00:00Z')) controller.abort();
    };
    const { firings } = await fire(clock, 5, { signal: controller.signal });
    expect(firings).toBe(0);
  });

  it('names the run date in the zone, and refuses an unknown zone in one line', () => {
    expect(localDate(Date.parse('2021-07-31T23:30:00Z'), 'Europe/London')).toBe('2021-08-01');
    expect(localDate(Date.parse('2021-07-31T23:30:00Z'), 'UTC')).toBe('2021-07-31');
    expect(timeZoneError('Europe/London')).toBeNull();
    expect(timeZoneError('Mars/Olympus')).toMatch(/unknown time zone 'Mars\/Olympus'/);
  });
});
