import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { renderReplay } from '../../src/sim/timeline-text.js';

describe('a failing seed names the first event that broke an invariant, with its virtual time', () => {
  it('2021: the first command-vanished is the instant the broker dropped that command\'s only message', async () => {
    const result = await runScenario(await loadScenario('scenarios/2021-burst.yaml'), 2021);
    const first = result.firstViolation!;
    expect(first.kind).toBe('command-vanished');
    const drops = result.events.filter((e) => e.kind === 'dropped');
    expect(drops.length).toBeGreaterThan(0);
    // Every vanished command is dated by its drop, and the earliest violation by the earliest drop.
    expect(first.t).toBe(drops[0]!.t);
    expect(first.office).toBe(drops[0]!.office);
    const vanished = result.violations.filter((v) => v.kind === 'command-vanished');
    expect(vanished.map((v) => v.t).sort((a, b) => a! - b!)).toEqual(drops.map((d) => d.t));
    // The timeline carries each one where it broke, right after the event that broke it.
    const index = result.events.findIndex((e) => e.kind === 'violation');
    expect(result.events[index]).toMatchObject({ t: first.t, office: first.office });
    expect(result.events.slice(0, index).some((e) => e.kind === 'dropped' && e.t === first.t && e.office === first.office)).toBe(true);
    expect(renderReplay(result)).toMatch(/^First broken: command-vanished at 2021-07-31 14:00:00\.\d{3} \(\+77400\.\d{3} s\): the last message of c1-[A-Z]{3} was dropped$/m);
  });

  it('a run that never settles is broken at the instant it stopped', async () => {
    const scenario = await loadScenario('scenarios/sqs-visibility-race.yaml');
    const result = await runScenario(scenario, 3, { timeline: false });
    expect(result.firstViolation).toMatchObject({ kind: 'not-settled', t: result.stats.virtualMs, event: 'the run stopped (horizon)' });
    expect(result.stats.virtualMs).toBeLessThanOrEqual(Date.parse(scenario.horizon) - Date.parse(scenario.start));
  });
});
