/**
 * Live runs against the model, as distributions: over N live runs and M model seeds, the mean of
 * each outcome per office must agree within a stated bound, or the comparison fails with both
 * figures and the bound side by side. Pure: the numbers in, the verdict out.
 */
import type { OfficeCode } from '../domain/offices.js';
import type { RunResult } from '../sim/result.js';

export const METRICS = ['files', 'stuck', 'lost', 'deadLettered', 'onBroker', 'conflicts'] as const;
export type Metric = (typeof METRICS)[number];

export const METRIC_LABELS: Record<Metric, string> = {
  files: 'files written',
  stuck: 'stuck records',
  lost: 'lost commands',
  deadLettered: 'dead-lettered',
  onBroker: 'still on broker',
  conflicts: 'Counter conflicts',
};

/** One run's outcome, office by office. */
export interface RunOutcome {
  perOffice: Partial<Record<OfficeCode, Record<Metric, number>>>;
  /** Invariant violations other than lost and unsettled commands (double export, reused sequence): any is a failure. */
  otherViolations: number;
}

const zero = (): Record<Metric, number> => ({ files: 0, stuck: 0, lost: 0, deadLettered: 0, onBroker: 0, conflicts: 0 });

export function emptyOutcome(offices: readonly OfficeCode[]): RunOutcome {
  return { perOffice: Object.fromEntries(offices.map((o) => [o, zero()])), otherViolations: 0 };
}

/** The model's run in the same terms as a live one. */
export function modelOutcome(result: RunResult): RunOutcome {
  const outcome = emptyOutcome(result.offices.map((r) => r.office));
  for (const r of result.offices) {
    Object.assign(outcome.perOffice[r.office]!, { files: r.files.length, stuck: r.stuck, lost: r.lost, deadLettered: r.deadLetters, conflicts: r.conflicts });
  }
  for (const c of result.commands) if (c.fate === 'in-flight') outcome.perOffice[c.office]!.onBroker++;
  outcome.otherViolations = result.violations.filter((v) => v.kind !== 'command-vanished' && v.kind !== 'not-settled').length;
  return outcome;
}

export function totalsOf(outcome: RunOutcome): Record<Metric, number> {
  const totals = zero();
  for (const row of Object.values(outcome.perOffice)) for (const m of METRICS) totals[m] += row![m];
  return totals;
}

/** Per office: |live mean − model mean| ≤ absolute + relative × |model mean| + Z × √(sd_model²/M + sd²/N), sd = max(sd_model, sd_live). */
export interface Tolerance {
  absolute: number;
  relative: number;
}

export const TOLERANCES: Record<Metric, Tolerance> = {
  files: { absolute: 0.1, relative: 0.25 },
  stuck: { absolute: 0.25, relative: 0.25 },
  lost: { absolute: 0.1, relative: 0.25 },
  deadLettered: { absolute: 0.1, relative: 0.25 },
  onBroker: { absolute: 0.05, relative: 0 },
  conflicts: { absolute: 0.1, relative: 0.25 },
};

/**
 * Three standard errors of the difference of means: a chance failure is ~0.3 %. The live term uses
 * the larger of the two spreads, since a few live runs can show none by chance.
 */
export const Z = 3;

export interface Sample {
  mean: number;
  sd: number;
  n: number;
}

export interface MetricComparison {
  metric: Metric;
  /** Per office, per run. */
  model: Sample;
  live: Sample;
  difference: number;
  bound: number;
  ok: boolean;
}

export interface DistributionComparison {
  offices: number;
  metrics: MetricComparison[];
  /** Other invariant violations (double export, reused sequence) in any live or model run. */
  otherViolations: { model: number; live: number };
  agree: boolean;
  /** One line per metric out of bounds, figures side by side. */
  differences: string[];
}

function sample(values: readonly number[]): Sample {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, sd: Math.sqrt(variance), n };
}

const fmt = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(3));

export function compareDistributions(model: readonly RunOutcome[], live: readonly RunOutcome[]): DistributionComparison {
  if (model.length === 0 || live.length === 0) throw new RangeError('a comparison needs at least one model run and one live run');
  const offices = Object.keys(model[0]!.perOffice).length;
  const perOffice = (runs: readonly RunOutcome[], m: Metric) => runs.map((r) => totalsOf(r)[m] / offices);
  const metrics = METRICS.map((metric): MetricComparison => {
    const m = sample(perOffice(model, metric));
    const l = sample(perOffice(live, metric));
    const t = TOLERANCES[metric];
    const bound = t.absolute + t.relative * Math.abs(m.mean) + Z * Math.sqrt(m.sd ** 2 / m.n + Math.max(m.sd, l.sd) ** 2 / l.n);
    const difference = l.mean - m.mean;
    return { metric, model: m, live: l, difference, bound, ok: Math.abs(difference) <= bound };
  });
  const otherViolations = { model: model.reduce((s, r) => s + r.otherViolations, 0), live: live.reduce((s, r) => s + r.otherViolations, 0) };
  const differences = metrics
    .filter((c) => !c.ok)
    .map((c) => `${METRIC_LABELS[c.metric]} per office: model ${fmt(c.model.mean)}, live ${fmt(c.live.mean)}, |difference| ${fmt(Math.abs(c.difference))} > bound ${fmt(c.bound)}`);
  if ((otherViolations.model > 0) !== (otherViolations.live > 0)) differences.push(`other invariant violations: model ${otherViolations.model}, live ${otherViolations.live}`);
  return { offices, metrics, otherViolations, agree: differences.length === 0, differences };
}

/** The table: per office means (± sd) of model and live, the difference and its bound. */
export function renderComparison(c: DistributionComparison): string[] {
  const cell = (s: Sample) => `${fmt(s.mean)} ± ${fmt(s.sd)}`.padStart(15);
  const head = `  ${'per office, per run'.padEnd(19)}  ${`model (${c.metrics[0]!.model.n} seeds)`.padStart(15)}  ${`live (${c.metrics[0]!.live.n} run${c.metrics[0]!.live.n === 1 ? '' : 's'})`.padStart(15)}  ${'|diff|'.padStart(7)}  ${'bound'.padStart(7)}`;
  const rows = c.metrics.map(
    (m) => `  ${METRIC_LABELS[m.metric].padEnd(19)}  ${cell(m.model)}  ${cell(m.live)}  ${fmt(Math.abs(m.difference)).padStart(7)}  ${fmt(m.bound).padStart(7)}  ${m.ok ? 'within' : 'OUT OF BOUND'}`,
  );
  const verdict = c.agree
    ? `Within bounds on all ${c.metrics.length} measures (bound = absolute + relative × model mean + ${Z} × √(sd_model²/M + sd²/N), per office).`
    : `OUTSIDE the bounds: ${c.differences.join('; ')}`;
  return [head, ...rows, `  other invariant violations: model ${c.otherViolations.model}, live ${c.otherViolations.live}`, verdict];
}
