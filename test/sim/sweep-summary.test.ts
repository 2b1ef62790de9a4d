import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distribution } from '../../src/sim/sweep-summary.js';

/** The definition: the values sorted, read at ⌊q·n⌋. */
function bySorting(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const histogram: Record<string, number> = {};
  for (const v of sorted) histogram[v] = (histogram[v] ?? 0) + 1;
  return { histogram, mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0, p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 };
}

describe('sweep distributions', () => {
  it('count what sorting every value would give: histogram in order, mean, p50, p95, max', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 300 }), (values) => {
        const counted = distribution(values);
        expect(counted).toEqual(bySorting(values));
        expect(Object.keys(counted.histogram).map(Number)).toEqual([...new Set(values)].sort((a, b) => a - b));
      }),
      { numRuns: 500 },
    );
    expect(distribution([])).toEqual({ histogram: {}, mean: 0, p50: 0, p95: 0, max: 0 });
    expect(distribution([3, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])).toMatchObject({ p50: 1, p95: 3, max: 3 });
  });
});
