import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';

export const DEFAULT_CONFIDENCE = 0.95;

/** How often a run fails, as far as `runs` independent seeds can say: an exact one-sided bound. */
export interface FailureBound {
  failures: number;
  runs: number;
  confidence: number;
  /** P(failure) is below this with the stated confidence (Clopper–Pearson, one-sided). */
  upper: number;
}

/**
 * The exact (Clopper–Pearson) one-sided upper confidence bound of a binomial proportion: the p at
 * which seeing `failures` or fewer in `runs` has probability 1 − confidence, i.e. the
 * `confidence` quantile of Beta(failures + 1, runs − failures). With no failure it is
 * 1 − (1 − confidence)^(1/runs): 0 in 30,000 gives 9.99e-5.
 */
export function failureBound(failures: number, runs: number, confidence = DEFAULT_CONFIDENCE): FailureBound {
  if (!Number.isInteger(failures) || !Number.isInteger(runs) || failures < 0 || failures > runs) {
    throw new RangeError(`failureBound: need 0 ≤ failures ≤ runs, got ${failures} of ${runs}`);
  }
  const upper = runs === 0 || failures === runs ? 1 : betaQuantile(confidence, failures + 1, runs - failures);
  return { failures, runs, confidence, upper };
}

/** A rate rounded up to two significant figures, so the printed bound is never below the computed one. */
export function formatRate(rate: number): string {
  if (rate >= 1) return '1';
  if (rate <= 0) return '0';
  const exponent = Math.floor(Math.log10(rate));
  let mantissa = Math.ceil((rate / 10 ** exponent) * 10 - 1e-9) / 10;
  let e = exponent;
  if (mantissa >= 10) {
    mantissa /= 10;
    e++;
  }
  return `${mantissa.toFixed(1)}e${e}`;
}

const count = (n: number) => n.toLocaleString('en-GB');

/** "0 failures in 30,000 fresh seeds: P(failure) < 1.0e-4 at 95 %". */
export function describeBound(bound: FailureBound, seeds = 'seeds'): string {
  const failures = `${count(bound.failures)} failure${bound.failures === 1 ? '' : 's'}`;
  return `${failures} in ${count(bound.runs)} ${seeds}: P(failure) < ${formatRate(bound.upper)} at ${Math.round(bound.confidence * 100)} %`;
}

/** The most failures `runs` seeds may show with the bound still at or below the target (−1: none can). */
export function maxFailuresWithin(runs: number, targetRate: number, confidence = DEFAULT_CONFIDENCE): number {
  let k = -1;
  while (k + 1 <= runs && failureBound(k + 1, runs, confidence).upper <= targetRate) k++;
  return k;
}

/** Does the bound show the failure rate is below the target? */
export function meetsTarget(bound: FailureBound, targetRate: number): boolean {
  return bound.upper <= targetRate;
}
