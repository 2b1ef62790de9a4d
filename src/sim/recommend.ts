import { describeBound, failureBound, type FailureBound } from './bound.js';
import { runFailed } from './result.js';
import { replayCommand, runScenario, withoutStackTraces } from './run.js';
import { exploreScenario, type ExploreResult } from './explore.js';
import { sweepScenario } from './sweep.js';
import { officesOf, withRetryBudget, type RetryBudget, type Scenario } from './scenario-model.js';
import { seedsFor } from './seeds.js';

export const DEFAULT_RECOMMEND_SEEDS = 200;
/** The search's answer must then hold over this many further seeds (a sweep), or it is raised until it does. */
export const DEFAULT_CONFIRM_SEEDS = 5_000;
export const DEFAULT_MAX_DELIVERIES = 64;
/** Delays tried, shortest first: immediate redelivery, then the usual backoff steps. */
export const CANDIDATE_DELAYS_MS = [0, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000];

export interface CandidateResult extends RetryBudget {
  resolved: boolean;
  /** Seeds run before the verdict (a failing candidate stops at its first failing seed). */
  seedsRun: number;
  failingSeed: number | null;
}

export interface Recommendation {
  scenario: string;
  file: string | null;
  seeds: { first: number; count: number };
  recommended: RetryBudget | null;
  /** The search's answer swept over the `confirm` seeds (raised until none failed); null when nothing was found. */
  confirmed: { seeds: { first: number; count: number }; raisedFrom: number | null; bound: FailureBound } | null;
  /** For small scenarios: the recommendation checked in every interleaving (raised until proved). */
  explored: { verdict: ExploreResult['verdict']; interleavings: number } | null;
  candidates: CandidateResult[];
  /** The policy snippet the verifier reads (policies/*.yaml `checks`). */
  snippet: string | null;
}

/** Runs seeds until the first failing one: zero failures is all a candidate needs to show. */
export async function checkBudget(
  scenario: Scenario,
  budget: RetryBudget,
  seeds: number,
  firstSeed = 1,
  onProgress?: (done: number, total: number) => void,
): Promise<CandidateResult> {
  const candidate = withRetryBudget(scenario, budget);
  return withoutStackTraces(async () => {
    for (let i = 0; i < seeds; i++) {
      const seed = firstSeed + i;
      if (i % 10 === 0) onProgress?.(i, seeds);
      if (runFailed(await runScenario(candidate, seed, { timeline: false }))) {
        return { ...budget, resolved: false, seedsRun: i + 1, failingSeed: seed };
      }
    }
    return { ...budget, resolved: true, seedsRun: seeds, failingSeed: null };
  });
}

/**
 * The smallest retry budget (then the shortest delay) with zero failing runs over the sweep.
 * Assumes more deliveries never hurt at a given delay (the search is a bisection), and only
 * tries a longer delay if it could lower the budget found so far.
 */
/** Where `recommend` is, for a progress bar: the phase, and how far through its seeds. */
export type RecommendProgress = (phase: string, done: number, total: number) => void;

export async function recommendRetry(
  scenario: Scenario,
  options: { seeds?: number; maxDeliveries?: number; delaysMs?: number[]; confirmSeeds?: number; onProgress?: RecommendProgress } = {},
): Promise<Recommendation> {
  const { first: firstSeed, count: seeds } = seedsFor('search', options.seeds ?? DEFAULT_RECOMMEND_SEEDS);
  const progress = options.onProgress;
  const delays = (options.delaysMs ?? CANDIDATE_DELAYS_MS).filter((d) => scenario.broker.kind !== 'sqs' || d >= 1_000);
  const candidates: CandidateResult[] = [];
  const check = async (maxDeliveries: number, delayMs: number) => {
    const phase = `search: ${maxDeliveries} deliveries, ${delayMs / 1000} s apart`;
    const result = await checkBudget(scenario, { maxDeliveries, delayMs }, seeds, firstSeed, progress && ((done, total) => progress(phase, done, total)));
    candidates.push(result);
    return result.resolved;
  };

  let best: RetryBudget | null = null;
  for (const delayMs of delays) {
    let high: number = best ? best.maxDeliveries - 1 : options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    if (high < 1) break;
    if (!(await check(high, delayMs))) continue;
    let low = 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (await check(middle, delayMs)) high = middle;
      else low = middle + 1;
    }
    best = { maxDeliveries: high, delayMs };
  }
  const limit = options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
  const confirmSpan = seedsFor('confirm', options.confirmSeeds ?? DEFAULT_CONFIRM_SEEDS);
  let confirmed: Recommendation['confirmed'] = null;
  if (best && confirmSpan.count > 0) {
    const searched = best.maxDeliveries;
    best = await confirmBySweeping(scenario, best, confirmSpan, limit, progress);
    confirmed = best && {
      seeds: confirmSpan,
      raisedFrom: best.maxDeliveries === searched ? null : searched,
      bound: failureBound(0, confirmSpan.count),
    };
  }
  const explored = best ? await confirmByExploring(scenario, best, limit) : null;
  if (explored) best = explored.budget;
  return {
    scenario: scenario.name,
    file: scenario.file,
    seeds: { first: firstSeed, count: seeds },
    recommended: best,
    confirmed,
    explored: explored && { verdict: explored.verdict, interleavings: explored.interleavings },
    candidates,
    snippet: best ? policySnippet(scenario, best, confirmed?.bound ?? failureBound(0, seeds), explored?.verdict === 'proved' ? explored.interleavings : null) : null,
  };
}

/**
 * A bisection over a few hundred seeds can land on a budget that a rarer seed breaks: sweep the
 * answer over fresh seeds, and raise it one delivery at a time until none fails.
 */
async function confirmBySweeping(
  scenario: Scenario,
  budget: RetryBudget,
  span: { first: number; count: number },
  limit: number,
  progress?: RecommendProgress,
): Promise<RetryBudget | null> {
  for (let deliveries = budget.maxDeliveries; deliveries <= limit; deliveries++) {
    const candidate = { ...budget, maxDeliveries: deliveries };
    const onProgress = progress && ((done: number, total: number) => progress(`confirm: ${deliveries} deliveries`, done, total));
    // One failing seed rejects the candidate: stop there instead of sweeping the rest.
    const sweep = await sweepScenario(withRetryBudget(scenario, candidate), { seeds: span.count, firstSeed: span.first, onProgress, maxFailures: 0 });
    if (sweep.failing.count === 0) return candidate;
  }
  return null;
}

/** Bursts this small can be explored exhaustively: the sweep's answer is raised until no interleaving fails. */
export const EXPLORE_MAX_OFFICES = 4;

async function confirmByExploring(
  scenario: Scenario,
  budget: RetryBudget,
  maxDeliveries: number,
): Promise<{ budget: RetryBudget; verdict: ExploreResult['verdict']; interleavings: number } | null> {
  const largestBurst = Math.max(...scenario.commands.map((c) => officesOf(c.offices).length));
  if (largestBurst > EXPLORE_MAX_OFFICES) return null;
  for (let deliveries = budget.maxDeliveries; deliveries <= maxDeliveries; deliveries++) {
    const candidate = { ...budget, maxDeliveries: deliveries };
    const result = await exploreScenario(withRetryBudget(scenario, candidate), { maxRuns: 20_000 });
    if (result.verdict !== 'counterexample') return { budget: candidate, verdict: result.verdict, interleavings: result.interleavings };
  }
  return null;
}

/** In the verifier's policy shape, with the bound its seeds give. */
export function policySnippet(scenario: Scenario, budget: RetryBudget, bound: FailureBound, interleavings: number | null = null): string {
  const proved = interleavings === null ? '' : `, and no interleaving fails (${interleavings} explored)`;
  return [
    `# esr-sim recommend ${scenario.file ?? scenario.name}: ${describeBound(bound)}${proved}`,
    'checks:',
    '  retryBudget:',
    `    minDeliveries: ${budget.maxDeliveries}`,
    '  retryDelay:',
    `    minSeconds: ${budget.delayMs / 1000}`,
  ].join('\n') + '\n';
}

export function renderRecommendation(result: Recommendation): string {
  const lines = result.candidates.map(
    (c) =>
      `  ${String(c.maxDeliveries).padStart(4)} deliveries, ${String(c.delayMs / 1000).padStart(3)} s apart: ${
        c.resolved ? `resolved in ${c.seedsRun} seeds` : `fails (seed ${c.failingSeed} → ${replayCommand({ ...scenarioStub(result), budget: c }, c.failingSeed!)})`
      }`,
  );
  const head = `Candidates tried for ${result.scenario} (${result.seeds.count} seeds each):`;
  if (!result.recommended) return [head, ...lines, 'No budget within the search bounds resolves every seed.', ''].join('\n');
  const confirmation = result.confirmed
    ? `Confirmed by a sweep of ${result.confirmed.seeds.count} further seeds (${result.confirmed.seeds.first}…${result.confirmed.seeds.first + result.confirmed.seeds.count - 1})${
        result.confirmed.raisedFrom === null ? '' : `, which raised the search's ${result.confirmed.raisedFrom} deliveries`
      }: ${describeBound(result.confirmed.bound)}.`
    : `Not confirmed beyond the search's seeds: ${describeBound(failureBound(0, result.seeds.count))}.`;
  const explored = result.explored
    ? result.explored.verdict === 'proved'
      ? `Explored: no interleaving fails (${result.explored.interleavings} interleavings).`
      : `Explored: ${result.explored.verdict} after ${result.explored.interleavings} interleavings (not a proof).`
    : null;
  return [head, ...lines, '', confirmation, ...(explored ? [explored] : []), '', result.snippet!].join('\n');
}

function scenarioStub(result: Recommendation): Scenario {
  return { name: result.scenario, file: result.file } as Scenario;
}
