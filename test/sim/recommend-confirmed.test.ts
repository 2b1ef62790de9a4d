import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/esr-sim.js';
import { SEED_RANGES } from '../../src/sim/seeds.js';

async function sim(...argv: string[]) {
  let out = '';
  const code = await main(argv, { out: (t) => void (out += t), err: () => undefined });
  return { code, out };
}

describe('recommend → sweep', () => {
  it('the budget recommend prints for the Saturday burst is confirmed by a sweep over seeds recommend never ran', async () => {
    const recommended = await sim('recommend', 'scenarios/2021-saturday-burst.yaml', '--seeds', '100', '--confirm-seeds', '1500', '--json');
    expect(recommended.code).toBe(0);
    const { recommended: budget, confirmed } = JSON.parse(recommended.out) as {
      recommended: { maxDeliveries: number; delayMs: number };
      confirmed: { seeds: { first: number; count: number }; bound: { failures: number; runs: number; upper: number } };
    };
    // The confirmation runs on the confirm range, disjoint from the search's seeds 1…100 (src/sim/seeds.ts).
    expect(confirmed.seeds).toEqual({ first: SEED_RANGES.confirm.first, count: 1500 });
    expect(confirmed.bound).toMatchObject({ failures: 0, runs: 1500 });
    expect(confirmed.bound.upper).toBeCloseTo(1 - 0.05 ** (1 / 1500), 10);
    // Never more than the closed-form worst case: 13 simultaneous commands, one winner per round.
    expect(budget.maxDeliveries).toBeLessThanOrEqual(13);

    // --prove's own fresh seeds, which neither the search nor the confirmation ran.
    const proved = await sim('prove', 'scenarios/2021-saturday-burst.yaml', '--max-deliveries', String(budget.maxDeliveries), '--delay-ms', String(budget.delayMs), '--seeds', '2000', '--target-rate', '0.002', '--json');
    const proof = JSON.parse(proved.out) as { resolved: boolean; seeds: { first: number; count: number }; bound: { failures: number } };
    expect(proof.seeds).toEqual({ first: SEED_RANGES.prove.first, count: 2000 });
    expect(proof).toMatchObject({ resolved: true, bound: { failures: 0 } });
    expect(proved.code).toBe(0);

    // And one delivery fewer is not safe: the minimum is a real minimum.
    const fewer = await sim('sweep', 'scenarios/2021-saturday-burst.yaml', '--seeds', '2000', '--max-deliveries', String(budget.maxDeliveries - 1), '--delay-ms', String(budget.delayMs), '--json');
    expect((JSON.parse(fewer.out) as { failing: { count: number } }).failing.count).toBeGreaterThan(0);
  }, 300_000);
});
