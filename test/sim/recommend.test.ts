import { describe, expect, it } from 'vitest';
import { proveScenario } from '../../src/sim/prove.js';
import { recommendRetry, renderRecommendation } from '../../src/sim/recommend.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { SEED_RANGES } from '../../src/sim/seeds.js';

const FILE = 'scenarios/explore-3-offices.yaml';

describe('recommend and prove', () => {
  it('recommends the closed-form budget for 3 simultaneous commands, as the verifier\'s policy snippet', async () => {
    const result = await recommendRetry(await loadScenario(FILE), { seeds: 20, confirmSeeds: 1000 });
    expect(result.recommended).toEqual({ maxDeliveries: 3, delayMs: 0 });
    expect(result.snippet).toContain('checks:\n  retryBudget:\n    minDeliveries: 3\n  retryDelay:\n    minSeconds: 0\n');
    // The confirmation: 1,000 seeds of the confirm range, none failing, and the exact bound they give (1 − 0.05^(1/1000)).
    expect(result.confirmed).toMatchObject({ seeds: { first: SEED_RANGES.confirm.first, count: 1000 }, bound: { failures: 0, runs: 1000 } });
    expect(result.snippet).toMatch(/^# esr-sim recommend scenarios\/explore-3-offices\.yaml: 0 failures in 1,000 seeds: P\(failure\) < 3\.0e-3 at 95 %\n/);
    // Redelivery at once (a 0 ms TTL) races the handlers still running: explore cannot prove it, and says so.
    expect(result.explored).toMatchObject({ verdict: 'timing-ignored' });
    expect(renderRecommendation(result)).toMatch(/Explored: timing-ignored after \d+ interleavings \(not a proof\)/);
    // Every smaller budget tried failed, with a seed that replays the failure.
    for (const candidate of result.candidates.filter((c) => c.maxDeliveries < 3)) {
      expect(candidate.resolved).toBe(false);
      expect(candidate.failingSeed).not.toBeNull();
    }
    expect(renderRecommendation(result)).toMatch(/--max-deliveries 2 --delay-ms 0/);
  }, 120_000);

  it('proves a policy\'s minimums on fresh seeds against a target rate, and refuses one delivery fewer', async () => {
    const held = await proveScenario(FILE, { maxDeliveries: 3, delayMs: 1000 }, { seeds: 20, targetFailureRate: 0.2 });
    expect(held).toMatchObject({ resolved: true, seeds: { first: SEED_RANGES.prove.first, count: 20 }, failingSeeds: [] });
    // 0 in 20: the exact one-sided bound is 1 − 0.05^(1/20) = 0.139, below the 0.2 asked.
    expect(held.bound.upper).toBeCloseTo(1 - 0.05 ** (1 / 20), 10);
    expect(held.summary).toMatch(/resolved in all 20 seeds; 0 failures in 20 fresh seeds: P\(failure\) < 1\.4e-1 at 95 %/);
    const short = await proveScenario(FILE, { maxDeliveries: 2, delayMs: 1000 }, { seeds: 20, targetFailureRate: 0.2 });
    expect(short.resolved).toBe(false);
    expect(short.failingSeeds.length).toBeGreaterThan(0);
    expect(short.summary).toContain('esr-sim replay scenarios/explore-3-offices.yaml --seed');
  });

  it('zero failures are not enough when the seeds cannot bound the rate below the target', async () => {
    // 0 in 20 bounds P(failure) only below 0.139: a target of 1e-4 needs about 30,000 seeds.
    const few = await proveScenario(FILE, { maxDeliveries: 3, delayMs: 1000 }, { seeds: 20, targetFailureRate: 1e-4 });
    expect(few).toMatchObject({ resolved: false, failingSeeds: [] });
    expect(few.summary).toMatch(/above the target: 0 failures in 20 fresh seeds.*too few seeds/);
  });

  it('proves the 2021 burst resolves with a retry budget of 13 deliveries 10 s apart', async () => {
    const result = await proveScenario('scenarios/2021-burst.yaml', { maxDeliveries: 13, delayMs: 10_000 }, { seeds: 30, targetFailureRate: 0.1 });
    expect(result).toMatchObject({ resolved: true, failingSeeds: [] });
  });
});
