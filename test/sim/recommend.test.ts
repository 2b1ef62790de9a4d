import { describe, expect, it } from 'vitest';
import { proveScenario } from '../../src/sim/prove.js';
import { recommendRetry, renderRecommendation } from '../../src/sim/recommend.js';
import { loadScenario } from '../../src/sim/scenario.js';

const FILE = 'scenarios/explore-3-offices.yaml';

describe('recommend and prove', () => {
  it('recommends the closed-form budget for 3 simultaneous commands, as the verifier\'s policy snippet', async () => {
    const result = await recommendRetry(await loadScenario(FILE), { seeds: 20 });
    expect(result.recommended).toEqual({ maxDeliveries: 3, delayMs: 0 });
    expect(result.snippet).toContain('checks:\n  retryBudget:\n    minDeliveries: 3\n  retryDelay:\n    minSeconds: 0\n');
    expect(result.snippet).toMatch(/^# esr-sim recommend scenarios\/explore-3-offices\.yaml: .*20 seeds, and in all \d+ interleavings/);
    expect(result.explored).toMatchObject({ verdict: 'proved' });
    // Every smaller budget tried failed, with a seed that replays the failure.
    for (const candidate of result.candidates.filter((c) => c.maxDeliveries < 3)) {
      expect(candidate.resolved).toBe(false);
      expect(candidate.failingSeed).not.toBeNull();
    }
    expect(renderRecommendation(result)).toMatch(/--max-deliveries 2 --delay-ms 0/);
  });

  it('proves a policy\'s minimums, and refuses one delivery fewer', async () => {
    const held = await proveScenario(FILE, { maxDeliveries: 3, delayMs: 1000 }, { seeds: 20 });
    expect(held).toMatchObject({ resolved: true, seeds: 20, failingSeeds: [] });
    expect(held.summary).toMatch(/resolved in all 20 seeds/);
    const short = await proveScenario(FILE, { maxDeliveries: 2, delayMs: 1000 }, { seeds: 20 });
    expect(short.resolved).toBe(false);
    expect(short.failingSeeds.length).toBeGreaterThan(0);
    expect(short.summary).toContain('esr-sim replay scenarios/explore-3-offices.yaml --seed');
  });

  it('proves the 2021 burst resolves with a retry budget of 13 deliveries 10 s apart', async () => {
    const result = await proveScenario('scenarios/2021-burst.yaml', { maxDeliveries: 13, delayMs: 10_000 }, { seeds: 30 });
    expect(result.resolved).toBe(true);
  });
});
