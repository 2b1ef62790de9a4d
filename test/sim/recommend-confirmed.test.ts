import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/esr-sim.js';

async function sim(...argv: string[]) {
  let out = '';
  const code = await main(argv, { out: (t) => void (out += t), err: () => undefined });
  return { code, out };
}

describe('recommend → sweep', () => {
  it('the budget recommend prints for the Saturday burst is confirmed by a sweep over seeds recommend never ran', async () => {
    const recommended = await sim('recommend', 'scenarios/2021-saturday-burst.yaml', '--seeds', '100', '--confirm-seeds', '2000', '--json');
    expect(recommended.code).toBe(0);
    const { recommended: budget, confirmed } = JSON.parse(recommended.out) as {
      recommended: { maxDeliveries: number; delayMs: number };
      confirmed: { seeds: { first: number; count: number } };
    };
    expect(confirmed.seeds).toEqual({ first: 101, count: 2000 });
    // Never more than the closed-form worst case: 13 simultaneous commands, one winner per round.
    expect(budget.maxDeliveries).toBeLessThanOrEqual(13);

    const sweep = await sim('sweep', 'scenarios/2021-saturday-burst.yaml', '--seeds', '3000', '--max-deliveries', String(budget.maxDeliveries), '--delay-ms', String(budget.delayMs), '--json');
    expect(sweep.code).toBe(0);
    const result = JSON.parse(sweep.out) as { failing: { count: number; of: number } };
    expect(result.failing).toMatchObject({ count: 0, of: 3000 });

    // And one delivery fewer is not safe: the minimum is a real minimum.
    const fewer = await sim('sweep', 'scenarios/2021-saturday-burst.yaml', '--seeds', '2100', '--max-deliveries', String(budget.maxDeliveries - 1), '--delay-ms', String(budget.delayMs), '--json');
    expect((JSON.parse(fewer.out) as { failing: { count: number } }).failing.count).toBeGreaterThan(0);
  }, 120_000);
});
