import { describeBound, failureBound, formatRate, maxFailuresWithin, meetsTarget, type FailureBound } from './bound.js';
import { loadScenario, withRetryBudget, type Scenario } from './scenario.js';
import { seedsFor, type SeedSpan } from './seeds.js';
import { sweepScenario } from './sweep.js';

/** 0 failures in 30,000 seeds bounds P(failure) below 1.0e-4 at 95 %: the defaults go together. */
export const DEFAULT_PROVE_SEEDS = 30_000;
export const DEFAULT_TARGET_FAILURE_RATE = 1e-4;

export interface ProveOptions {
  /** Fresh seeds to run (default: the scenario's `prove.seeds`, else 30,000). */
  seeds?: number;
  /** The largest acceptable P(failure) (default: the scenario's `prove.targetFailureRate`, else 1e-4). */
  targetFailureRate?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ProveResult {
  /** The 95 % upper bound of P(failure) is at or below the target. */
  resolved: boolean;
  seeds: SeedSpan;
  targetFailureRate: number;
  bound: FailureBound;
  failingSeeds: number[];
  summary: string;
}

/**
 * The verifier's `--prove`: runs the scenario at exactly a policy's minimums (total deliveries and
 * the delay between them) over fresh seeds — the `prove` range, never searched by `recommend` — and
 * bounds the failure rate exactly. Resolved means that bound is at or below the target rate.
 */
export async function proveScenario(file: string, overrides: { maxDeliveries: number; delayMs: number }, options: ProveOptions = {}): Promise<ProveResult> {
  return proveBudget(withRetryBudget(await loadScenario(file), overrides), options);
}

export async function proveBudget(scenario: Scenario, options: ProveOptions = {}): Promise<ProveResult> {
  const seeds = seedsFor('prove', options.seeds ?? scenario.prove?.seeds ?? DEFAULT_PROVE_SEEDS);
  const targetFailureRate = options.targetFailureRate ?? scenario.prove?.targetFailureRate ?? DEFAULT_TARGET_FAILURE_RATE;
  // Past this many failures no outcome of the remaining seeds can bring the bound under the target: stop.
  const maxFailures = maxFailuresWithin(seeds.count, targetFailureRate);
  const result = await sweepScenario(scenario, { seeds: seeds.count, firstSeed: seeds.first, onProgress: options.onProgress, maxFailures: Math.max(0, maxFailures) });
  const failingSeeds = result.failingSeeds.map((f) => f.seed);
  const ran = result.seeds.count;
  const bound = failureBound(failingSeeds.length, ran);
  const resolved = meetsTarget(bound, targetFailureRate);
  const budget = scenario.budget ? ` at ${scenario.budget.maxDeliveries} deliveries, ${scenario.budget.delayMs / 1000} s apart` : '';
  const range = `seeds ${seeds.first}…${seeds.first + ran - 1}${ran < seeds.count ? `, stopped early of ${seeds.count}: more failures than the target allows` : ''}`;
  const verdict = `${describeBound(bound, 'fresh seeds')} (${range}), target ${formatRate(targetFailureRate)}`;
  const summary =
    failingSeeds.length === 0 && resolved
      ? `${scenario.name}${budget}: resolved in all ${seeds.count} seeds; ${verdict}`
      : `${scenario.name}${budget}: ${resolved ? 'within the target' : 'above the target'}: ${verdict}${
          result.failingSeeds[0] ? `; replay: ${result.failingSeeds[0].replay}` : '; too few seeds to bound it below the target'
        }`;
  return { resolved, seeds, targetFailureRate, bound, failingSeeds, summary };
}
