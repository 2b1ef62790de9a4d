import { describe, expect, it } from 'vitest';
import { explorable, exploreScenario, handlerRunMs, ignoredTimings, renderExplore } from '../../src/sim/explore.js';
import type { RunResult } from '../../src/sim/result.js';
import { runScenario } from '../../src/sim/run.js';
import type { Chooser } from '../../src/sim/scheduler.js';
import { loadScenario, withRetryBudget, type Scenario } from '../../src/sim/scenario.js';
import { sweepScenario } from '../../src/sim/sweep.js';
import { burstScenario } from './support.js';

describe('explore: every interleaving of the contended steps', () => {
  it('proves that 3 offices with 3 deliveries never leave a record stuck', async () => {
    const result = await exploreScenario(await loadScenario('scenarios/explore-3-offices.yaml'));
    expect(result.verdict).toBe('proved');
    expect(result.interleavings).toBeGreaterThan(10);
    expect(result.states).toBeGreaterThanOrEqual(result.interleavings);
    expect(renderExplore(result)).toMatch(/Proved: no stuck record/);
  });

  it('finds the counterexample with one delivery too few, and it replays', async () => {
    const scenario = withRetryBudget(await loadScenario('scenarios/explore-3-offices.yaml'), { maxDeliveries: 2, delayMs: 1000 });
    const result = await exploreScenario(scenario);
    expect(result.verdict).toBe('counterexample');
    expect(result.counterexample!.stuck.length).toBeGreaterThan(0);
    expect(result.schedule).not.toBeNull();
    expect(renderExplore(result)).toMatch(/Counterexample: at each contended step, event #\d+/);
  });

  it('with an atomic counter there is nothing to contend: every interleaving is fine even with one delivery', async () => {
    const base = burstScenario({ offices: 3, maxDeliveries: 1 });
    const result = await exploreScenario({ ...base, handler: { counter: 'atomic' } });
    expect(result.verdict).toBe('proved');
  });

  it('stops undecided at the run limit', async () => {
    const result = await exploreScenario(await loadScenario('scenarios/explore-3-offices.yaml'), { maxRuns: 3 });
    expect(result.verdict).toBe('bounded');
    expect(result.interleavings).toBe(3);
  });
});

describe('explore says "Proved" only when the timing it abstracts away cannot change the outcome', () => {
  it('does not prove a 2-office SQS scenario whose 400 ms store calls outlast its 1 s visibility timeout, which a sweep fails', async () => {
    const scenario = await loadScenario('scenarios/sqs-visibility-race.yaml');
    const swept = await sweepScenario(scenario, { seeds: 4, workers: 0 });
    expect(swept.failing.count).toBeGreaterThan(0);
    const explored = await exploreScenario(scenario);
    // The untimed model finds no failing interleaving: exactly why it must not call this proved.
    expect(explored.counterexample).toBeNull();
    expect(explored.verdict).toBe('timing-ignored');
    expect(explored.ignored).toEqual([expect.stringMatching(/handler run up to 6\.02 s against the SQS visibility timeout of 1 s/)]);
    const text = renderExplore(explored, 'scenarios/sqs-visibility-race.yaml');
    expect(text).not.toMatch(/Proved/);
    expect(text).toMatch(/^Not proved: .*\n {2}- store calls .*\nRun `esr-sim sweep scenarios\/sqs-visibility-race\.yaml --seeds 30000`/m);
  });

  it('names each timing it ignored: arrival spread, a TTL shorter than a handler run, faults drawn from the seed', () => {
    const base = burstScenario({ offices: 2, maxDeliveries: 2 });
    expect(ignoredTimings(base)).toEqual([]);
    expect(handlerRunMs(base)).toBe(12 * 5 + 20);
    const spread = { ...base, commands: base.commands.map((c) => ({ ...c, spreadMs: 500 })) };
    expect(ignoredTimings(spread)).toEqual(['commands arriving up to 500 ms apart (explore publishes each burst at one instant)']);
    const shortTtl = burstScenario({ offices: 2, maxDeliveries: 2, delayMs: 50 });
    expect(ignoredTimings(shortTtl)).toEqual([expect.stringMatching(/^store calls taking a handler run up to 0\.08 s against the wait queue TTL of 0\.05 s/)]);
    const faulty: Scenario = { ...base, faults: { storeOutages: [{ durationMs: 1000 }], crashes: [{ step: 'write-file' }] } };
    expect(ignoredTimings(faulty)).toContainEqual('2 fault draw(s) from the seed (explore follows seed 1\'s draws only)');
  });

  it('still proves a scenario with no such timing', async () => {
    const result = await exploreScenario(await loadScenario('scenarios/explore-3-offices.yaml'));
    expect(result).toMatchObject({ verdict: 'proved', ignored: [] });
  });
});

describe('the sleep-set reduction loses no outcome', () => {
  const signature = (r: RunResult) => r.commands.map((c) => `${c.office}:${c.fate}:${c.deliveries}`).join(' ');

  /** Every order of every choice, no reduction: the reference the reduced search must match. */
  async function bruteForce(scenario: Scenario): Promise<{ outcomes: Set<string>; runs: number }> {
    const outcomes = new Set<string>();
    let prefix: number[] = [];
    for (let runs = 1; runs <= 20_000; runs++) {
      const trace: { options: number; chosen: number }[] = [];
      const chooser: Chooser = {
        choose: (contended) => {
          const chosen = prefix[trace.length] ?? 0;
          trace.push({ options: contended.length, chosen });
          return chosen;
        },
        executed: () => undefined,
      };
      outcomes.add(signature(await runScenario(explorable(scenario), scenario.seed ?? 1, { chooser, timeline: false })));
      let j = trace.length - 1;
      while (j >= 0 && trace[j]!.chosen + 1 >= trace[j]!.options) j--;
      if (j < 0) return { outcomes, runs };
      prefix = [...trace.slice(0, j).map((t) => t.chosen), trace[j]!.chosen + 1];
    }
    throw new Error('brute force did not finish');
  }

  it.each([2, 3])('K=%i offices: the same outcomes as every order of every choice, in fewer runs', async (K) => {
    const scenario = burstScenario({ offices: K, maxDeliveries: K });
    const reduced = new Set<string>();
    const result = await exploreScenario(scenario, { onRun: (r) => void reduced.add(signature(r)) });
    expect(result.verdict).toBe('proved');
    const all = await bruteForce(scenario);
    expect([...reduced].sort()).toEqual([...all.outcomes].sort());
    expect(result.interleavings).toBeLessThanOrEqual(all.runs);
  });
});
