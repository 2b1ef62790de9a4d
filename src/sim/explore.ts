import { DEFAULT_RESTART_MS } from './models/consumer.js';
import { effectiveVisibilityTimeoutSeconds } from './models/sqs.js';
import { runFailed, type RunResult } from './result.js';
import { runScenario } from './run.js';
import { withoutJitter, withTiming, type Scenario } from './scenario-model.js';
import type { Access, Chooser } from './scheduler.js';
import { outcomeTable } from './timeline-text.js';

export const DEFAULT_MAX_RUNS = 100_000;

export interface ExploreResult {
  scenario: string;
  seed: number;
  /**
   * proved: no interleaving fails and nothing the abstraction dropped can change that; counterexample:
   * one fails; bounded: stopped at maxRuns, undecided; timing-ignored: no interleaving of the untimed
   * model fails, but the scenario has timing that can change an outcome (see `ignored`): not a proof.
   */
  verdict: 'proved' | 'counterexample' | 'bounded' | 'timing-ignored';
  /** What the untimed model abstracted away that can change an outcome (empty when none). */
  ignored: string[];
  /** Distinct interleavings run to the end. */
  interleavings: number;
  /** Choice points visited (nodes of the interleaving tree). */
  states: number;
  /** The deepest interleaving's number of choices. */
  maxDepth: number;
  /** Null without a wall clock. */
  wallMs: number | null;
  /** The events chosen (by insertion number) at each choice point of the failing run, and the run itself. */
  schedule: number[] | null;
  counterexample: RunResult | null;
}

/**
 * The scenario with time abstracted away: store operations take no time and nothing jitters, so
 * the order of simultaneous contended operations (same Counter, same batch, one of them a write)
 * is the only freedom left, and the explorer takes every branch of it. Operations that commute
 * run in a fixed order: this is a partial-order reduction, sound because they touch different data.
 */
export function explorable(scenario: Scenario): Scenario {
  const exact = withoutJitter(scenario);
  return { ...exact, store: { ...exact.store, latencyMs: 0, operationLatencyMs: {}, jitterMs: 0 } };
}

/**
 * Store calls of one handler run on its usual path (select, allocate the sequence, open, claim, mark
 * written, read back, mark exported, complete: src/engine/handle-command.ts), plus the file write.
 */
export const HANDLER_STORE_CALLS = 12;

/** The longest a handler run takes at the scenario's timings: every call at its slowest, jitter included. */
export function handlerRunMs(scenario: Scenario): number {
  const store = scenario.store ?? {};
  const slowest = Math.max(store.latencyMs ?? 5, ...Object.values(store.operationLatencyMs ?? {}).map((v) => v ?? 0));
  return HANDLER_STORE_CALLS * (slowest + (store.jitterMs ?? 0)) + (store.writeFileMs ?? 20);
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/**
 * What `explorable` abstracts away that can change an outcome, in words. The untimed model runs
 * every handler at one instant; that is exact only when no timer can fire while a handler runs (a
 * visibility timeout, a TTL, a listener back-off, a restart shorter than a handler run), commands
 * arrive together, and no fault is drawn from the seed (explore follows one seed's draws).
 */
export function ignoredTimings(scenario: Scenario): string[] {
  scenario = withTiming(scenario); // a calibrated timing block is the scenario's timing
  const ignored: string[] = [];
  const spread = Math.max(0, ...scenario.commands.map((c) => c.spreadMs ?? 0));
  if (spread > 0) ignored.push(`commands arriving up to ${spread} ms apart (explore publishes each burst at one instant)`);
  const runMs = handlerRunMs(scenario);
  const race = (timerMs: number, what: string) => {
    if (timerMs <= runMs) ignored.push(`store calls taking a handler run up to ${seconds(runMs)} against ${what} of ${seconds(timerMs)} (explore makes store calls instant)`);
  };
  const broker = scenario.broker;
  if (broker.kind === 'sqs') race(effectiveVisibilityTimeoutSeconds(broker) * 1000, 'the SQS visibility timeout');
  else if (broker.waitQueue) race(broker.waitQueue.ttlMs, 'the wait queue TTL');
  const consumer = scenario.consumer ?? {};
  if (consumer.framework === 'spring-amqp' && consumer.retry) race(consumer.retry.initialIntervalMs, 'the listener retry interval');
  const faults = scenario.faults;
  if (faults?.duplicateDelivery) race(faults.duplicateDelivery.delayMs ?? 50, 'the duplicate delivery delay');
  if (faults?.crashes?.length || faults?.consumerLost?.length) race(consumer.restartMs ?? DEFAULT_RESTART_MS, 'the consumer restart');
  const drawn = [
    ...(faults?.crashes ?? []).filter((c) => c.office === undefined || (c.probability ?? 1) < 1).map(() => 'crash'),
    ...[...(faults?.storeOutages ?? []), ...(faults?.brokerBlocked ?? []), ...(faults?.consumerLost ?? [])].filter((f) => f.at === undefined).map(() => 'instant'),
    ...(faults?.duplicateDelivery ? ['duplicate'] : []),
  ];
  if (drawn.length > 0) ignored.push(`${drawn.length} fault draw(s) from the seed (explore follows seed ${scenario.seed ?? 1}'s draws only)`);
  return ignored;
}

interface Step {
  seq: number;
  access: Access;
}

/** One choice point on the current path: what could go first, what is chosen, what is done. */
interface Node {
  options: Step[];
  chosen: number;
  /** The sleep set on arrival: events whose orders from here are covered by another branch. */
  asleep: Step[];
  /** Options whose subtrees are fully explored. */
  done: Step[];
}

/** Abandons a run whose every continuation another branch already covers. */
class Covered extends Error {}

const independent = (a: Access, b: Access) => a.resource !== b.resource || (!a.write && !b.write);

/**
 * Depth-first over choice sequences, re-running the scenario from the start for each (stateless
 * model checking), with sleep sets (Godefroid) so that orders differing only by commuting events
 * (two reads of the Counter) are explored once. Event identities (insertion numbers) are stable
 * across re-runs because the run is deterministic up to the choice point.
 */
export async function exploreScenario(
  scenario: Scenario,
  options: { maxRuns?: number; seed?: number; onRun?: (result: RunResult) => void; wallClock?: () => number } = {},
): Promise<ExploreResult> {
  const base = explorable(scenario);
  const seed = options.seed ?? scenario.seed ?? 1;
  const maxRuns = options.maxRuns ?? DEFAULT_MAX_RUNS;
  const ignored = ignoredTimings(scenario);
  const started = options.wallClock?.();
  const path: Node[] = [];
  let interleavings = 0;
  let states = 0;
  let maxDepth = 0;
  const done = (verdict: ExploreResult['verdict'], schedule: number[] | null, counterexample: RunResult | null): ExploreResult => ({
    scenario: scenario.name,
    seed,
    verdict: verdict === 'proved' && ignored.length > 0 ? 'timing-ignored' : verdict,
    ignored,
    interleavings,
    states,
    maxDepth,
    wallMs: started === undefined ? null : Math.round(options.wallClock!() - started),
    schedule,
    counterexample,
  });

  for (;;) {
    let depth = 0;
    let sleep: Step[] = [];
    let pending: { seq: number; sleep: Step[] } | null = null;
    const chooser: Chooser = {
      choose(contended) {
        let node = path[depth];
        if (!node) {
          const options = contended.filter((e) => !sleep.some((s) => s.seq === e.seq)).map((e) => ({ seq: e.seq, access: e.access! }));
          if (options.length === 0) throw new Covered();
          node = { options, chosen: 0, asleep: sleep, done: [] };
          path.push(node);
          states++;
        }
        depth++;
        const step = node.options[node.chosen]!;
        pending = { seq: step.seq, sleep: [...node.asleep, ...node.done] };
        const index = contended.findIndex((e) => e.seq === step.seq);
        if (index < 0) throw new Error(`explore: the run diverged at choice ${depth} (not deterministic?)`);
        return index;
      },
      executed(event) {
        const access = event.access!;
        if (pending && pending.seq === event.seq) {
          sleep = pending.sleep.filter((s) => independent(s.access, access));
          pending = null;
          return;
        }
        if (sleep.some((s) => s.seq === event.seq)) throw new Covered();
        sleep = sleep.filter((s) => independent(s.access, access));
      },
    };
    let result: RunResult | null = null;
    try {
      result = await runScenario(base, seed, { chooser, timeline: false });
    } catch (error) {
      if (!(error instanceof Covered)) throw error;
    }
    maxDepth = Math.max(maxDepth, depth);
    const schedule = path.slice(0, depth).map((n) => n.options[n.chosen]!.seq);
    if (result) {
      interleavings++;
      options.onRun?.(result);
      if (runFailed(result)) return done('counterexample', schedule, await replaySchedule(base, seed, schedule));
    }
    // Backtrack: the deepest choice point with an option left.
    path.length = Math.min(path.length, depth);
    while (path.length > 0) {
      const node = path.at(-1)!;
      node.done.push(node.options[node.chosen]!);
      node.chosen++;
      if (node.chosen < node.options.length) break;
      path.pop();
    }
    if (path.length === 0) return done('proved', null, null);
    if (interleavings >= maxRuns) return done('bounded', null, null);
  }
}

/**
 * Runs the scenario again along one schedule (event numbers chosen at each choice point), timeline
 * on; the empty schedule is the first interleaving explored (what `--report` shows when none fails).
 */
export async function replaySchedule(base: Scenario, seed: number, schedule: readonly number[]): Promise<RunResult> {
  let depth = 0;
  const chooser: Chooser = {
    choose: (contended) => Math.max(0, contended.findIndex((e) => e.seq === schedule[depth++])),
    executed: () => undefined,
  };
  return runScenario(base, seed, { chooser });
}

export function renderExplore(result: ExploreResult, file: string | null = null): string {
  const wall = result.wallMs === null ? '' : `, ${result.wallMs} ms`;
  const head = `Explored ${result.scenario} (seed ${result.seed}): ${result.interleavings} interleaving(s), ${result.states} state(s), depth ≤ ${result.maxDepth}${wall}`;
  switch (result.verdict) {
    case 'proved':
      return `${head}\nProved: no stuck record and no invariant violation in any interleaving.\n`;
    case 'timing-ignored':
      return [
        head,
        'Not proved: no interleaving of the untimed model fails, but explore abstracted away timing that can change the outcome:',
        ...result.ignored.map((i) => `  - ${i}`),
        `Run \`esr-sim sweep ${file ?? result.scenario} --seeds 30000\` for a failure rate with a confidence bound.`,
        '',
      ].join('\n');
    case 'bounded':
      return `${head}\nUndecided: stopped at the run limit before every interleaving was explored (raise --max-runs or shrink the scenario).\n`;
    case 'counterexample': {
      const run = result.counterexample!;
      return [
        head,
        `Counterexample: at each contended step, event #${result.schedule!.join(', #')} went first`,
        ...outcomeTable(run.offices).map((l) => `  ${l}`),
        ...run.stuck.map((s) => `  stuck ${s.id}: ${s.reason}`),
        ...run.violations.map((v) => `  ${v.kind}: ${v.detail}`),
        '',
      ].join('\n');
    }
  }
}
