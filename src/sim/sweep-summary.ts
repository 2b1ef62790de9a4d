import { runFailed, type RunResult, type ViolationKind } from './result.js';

/** What a sweep keeps of one run: small enough to pass between threads by the ten thousand. */
export interface SeedSummary {
  seed: number;
  failed: boolean;
  stuck: number;
  deadLettered: number;
  vanished: number;
  violations: ViolationKind[];
  /** Deliveries per command. */
  deliveries: number[];
  /** Handler attempts per command. */
  attemptsPerCommand: number[];
  /** Handler attempts (including in-process listener retries) over all commands. */
  attempts: number;
  virtualMs: number;
  /** The invariant the run broke first, with its instant (virtual ms since the start). */
  firstViolation: { kind: ViolationKind; t: number } | null;
}

export function summariseRun(result: RunResult): SeedSummary {
  return {
    seed: result.seed,
    failed: runFailed(result),
    stuck: result.stuck.length,
    deadLettered: result.commands.filter((c) => c.fate === 'dead-lettered').length,
    vanished: result.violations.filter((v) => v.kind === 'command-vanished').length,
    violations: [...new Set(result.violations.map((v) => v.kind))].sort(),
    deliveries: result.commands.map((c) => c.deliveries),
    attemptsPerCommand: result.commands.map((c) => c.attempts),
    attempts: result.offices.reduce((sum, r) => sum + r.attempts, 0),
    virtualMs: result.stats.virtualMs,
    firstViolation: result.firstViolation && { kind: result.firstViolation.kind, t: result.firstViolation.t! },
  };
}

export interface Proportion {
  count: number;
  of: number;
  estimate: number;
  /** Wilson score interval, 95%. */
  low: number;
  high: number;
}

/** Wilson's interval: sound near 0 and 1, where a sweep that finds nothing lives. */
export function wilson(count: number, of: number, z = 1.959964): Proportion {
  if (of === 0) return { count, of, estimate: 0, low: 0, high: 1 };
  const p = count / of;
  const denominator = 1 + (z * z) / of;
  const centre = (p + (z * z) / (2 * of)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / of + (z * z) / (4 * of * of))) / denominator;
  return { count, of, estimate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface Distribution {
  histogram: Record<string, number>;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

/**
 * Counted, not sorted: a sweep's distributions hold one value per command of every seed (440,000 for
 * 10,000 seeds of the 2021 burst) and only a few distinct ones; sorting them all took a third of a second.
 */
export function distribution(values: Iterable<number>): Distribution {
  const counts = new Map<number, number>();
  let n = 0;
  let sum = 0;
  for (const v of values) {
    counts.set(v, (counts.get(v) ?? 0) + 1);
    n++;
    sum += v;
  }
  const distinct = [...counts.keys()].sort((a, b) => a - b);
  const histogram: Record<string, number> = {};
  for (const v of distinct) histogram[v] = counts.get(v)!;
  /** The value at position ⌊q·n⌋ of the values in order. */
  const at = (q: number) => {
    const position = Math.min(n - 1, Math.floor(q * n));
    let seen = 0;
    for (const v of distinct) {
      seen += counts.get(v)!;
      if (seen > position) return v;
    }
    return 0;
  };
  return { histogram, mean: n ? sum / n : 0, p50: at(0.5), p95: at(0.95), max: distinct.at(-1) ?? 0 };
}
