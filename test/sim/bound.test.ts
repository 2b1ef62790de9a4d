import { describe, expect, it } from 'vitest';
import { describeBound, failureBound, formatRate, maxFailuresWithin, meetsTarget } from '../../src/sim/bound.js';
import { purposeOf, SEED_RANGES, seedsFor } from '../../src/sim/seeds.js';

/** P(X ≤ k) for X ~ Binomial(n, p), summed in log space: an independent check of the Beta quantile. */
function binomialCdf(k: number, n: number, p: number): number {
  let logTerm = n * Math.log1p(-p); // i = 0
  let sum = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i) + Math.log(p) - Math.log1p(-p);
    sum += Math.exp(logTerm);
  }
  return sum;
}

describe('the exact (Clopper–Pearson) one-sided bound', () => {
  it('with no failure is 1 − (1 − confidence)^(1/n): 0 in 30,000 gives < 1.0e-4 at 95 %', () => {
    const bound = failureBound(0, 30_000);
    expect(bound.upper).toBeCloseTo(1 - 0.05 ** (1 / 30_000), 12);
    expect(describeBound(bound, 'fresh seeds')).toBe('0 failures in 30,000 fresh seeds: P(failure) < 1.0e-4 at 95 %');
  });

  it.each([
    [1, 10],
    [5, 10],
    [3, 200],
    [225, 30_000],
  ])('with %i failures in %i runs, seeing that few or fewer at the bound has probability 5 %%', (k, n) => {
    const { upper } = failureBound(k, n);
    expect(binomialCdf(k, n, upper)).toBeCloseTo(0.05, 6);
    // Any smaller rate makes k or fewer failures more likely than 5 %: the bound is the tightest.
    expect(binomialCdf(k, n, upper * 0.99)).toBeGreaterThan(0.05);
  });

  it('is 1 when every run failed, and refuses impossible counts', () => {
    expect(failureBound(4, 4).upper).toBe(1);
    expect(() => failureBound(5, 4)).toThrow(RangeError);
  });

  it('prints rounded up, never below the computed bound', () => {
    expect(formatRate(9.985e-5)).toBe('1.0e-4');
    expect(formatRate(1.51e-2)).toBe('1.6e-2');
    expect(formatRate(0.00075)).toBe('7.5e-4');
    for (const rate of [1.234e-3, 9.99e-1, 5e-7]) expect(Number(formatRate(rate))).toBeGreaterThanOrEqual(rate);
  });

  it('meets a target only when the bound is at or below it: 0.75 % failing fails a 1e-4 target', () => {
    expect(meetsTarget(failureBound(225, 30_000), 1e-4)).toBe(false);
    expect(meetsTarget(failureBound(0, 30_000), 1e-4)).toBe(true);
    expect(meetsTarget(failureBound(0, 20_000), 1e-4)).toBe(false);
  });
});

describe('seed ranges', () => {
  it('search, confirm and prove are disjoint, and a request past its range is refused', () => {
    const ranges = Object.values(SEED_RANGES).sort((a, b) => a.first - b.first);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.first).toBeGreaterThanOrEqual(ranges[i - 1]!.first + ranges[i - 1]!.size);
    expect(ranges.at(-1)!.first + ranges.at(-1)!.size - 1).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(seedsFor('prove', 30_000)).toEqual({ first: SEED_RANGES.prove.first, count: 30_000 });
    expect(purposeOf(seedsFor('confirm', 10, 5).first)).toBe('confirm');
    expect(() => seedsFor('search', SEED_RANGES.search.size + 1)).toThrow(RangeError);
  });
});

describe('how many failures a target allows', () => {
  it('is the largest count whose bound stays at or below the target', () => {
    expect(maxFailuresWithin(30_000, 1e-4)).toBe(0);
    expect(maxFailuresWithin(20_000, 1e-4)).toBe(-1);
    const k = maxFailuresWithin(10_000, 1e-2);
    expect(failureBound(k, 10_000).upper).toBeLessThanOrEqual(1e-2);
    expect(failureBound(k + 1, 10_000).upper).toBeGreaterThan(1e-2);
  });
});
