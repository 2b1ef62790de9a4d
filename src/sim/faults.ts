import type { OfficeCode } from '../domain/offices.js';
import type { Random } from '../domain/random.js';
import type { HandlerStep } from '../engine/handle-command.js';
import type { Interval } from './models/store.js';
import type { FaultsSpec } from './scenario-types.js';

export const DEFAULT_FAULT_WINDOW_MS = 60_000;

export interface CrashFault {
  step: HandlerStep;
  office: OfficeCode;
  /** Only on this delivery; null: the first time the office's handler reaches the step. */
  delivery: number | null;
  probability: number;
  /** Each crash fault fires once per run. */
  fired: boolean;
}

/** Every fault of one run, with each instant and office the scenario left open drawn from the seed. */
export interface FaultPlan {
  crashes: CrashFault[];
  storeOutages: Interval[];
  duplicate: { probability: number; delayMs: number } | null;
  brokerBlocked: Interval[];
  consumerLost: { atMs: number; process: number; forMs: number | null }[];
}

/** The handler crashed at a step: the consumer process dies with the message unacknowledged. */
export class InjectedCrash extends Error {
  override readonly name = 'InjectedCrash';
}

export function planFaults(
  spec: FaultsSpec | undefined,
  context: { firstCommandMs: number; offices: readonly OfficeCode[]; processes: number },
  random: Random,
): FaultPlan {
  const windowMs = spec?.windowMs ?? DEFAULT_FAULT_WINDOW_MS;
  const instant = (at: string | undefined) => (at !== undefined ? Date.parse(at) : context.firstCommandMs + random.int(0, windowMs));
  const interval = (i: { at?: string; durationMs: number }): Interval => {
    const fromMs = instant(i.at);
    return { fromMs, toMs: fromMs + i.durationMs };
  };
  return {
    crashes: (spec?.crashes ?? []).map((c) => ({
      step: c.step,
      office: c.office ?? random.pick(context.offices),
      delivery: c.delivery ?? null,
      probability: c.probability ?? 1,
      fired: false,
    })),
    storeOutages: (spec?.storeOutages ?? []).map(interval),
    duplicate: spec?.duplicateDelivery ? { probability: spec.duplicateDelivery.probability, delayMs: spec.duplicateDelivery.delayMs ?? 50 } : null,
    brokerBlocked: (spec?.brokerBlocked ?? []).map(interval),
    consumerLost: (spec?.consumerLost ?? []).map((l) => ({
      atMs: instant(l.at),
      process: l.process ?? random.int(0, context.processes - 1),
      forMs: l.forMs ?? null,
    })),
  };
}

/** One PRNG draw per matching crash fault, in one place: should this handler run crash at this step? */
export function crashAt(plan: FaultPlan, random: Random, office: OfficeCode, step: HandlerStep, delivery: number): CrashFault | null {
  for (const crash of plan.crashes) {
    if (crash.fired || crash.office !== office || crash.step !== step) continue;
    if (crash.delivery !== null && crash.delivery !== delivery) continue;
    if (crash.probability < 1 && !random.chance(crash.probability)) continue;
    crash.fired = true;
    return crash;
  }
  return null;
}

export function describeFaults(plan: FaultPlan, startMs: number): string[] {
  const rel = (ms: number) => `+${((ms - startMs) / 1000).toFixed(3)}s`;
  return [
    ...plan.crashes.map(
      (c) => `crash ${c.office} before step ${c.step}${c.delivery === null ? '' : ` on delivery ${c.delivery}`}${c.probability < 1 ? ` (p=${c.probability})` : ''}`,
    ),
    ...plan.storeOutages.map((o) => `store outage ${rel(o.fromMs)} for ${(o.toMs - o.fromMs) / 1000} s`),
    ...(plan.duplicate ? [`duplicate delivery p=${plan.duplicate.probability}`] : []),
    ...plan.brokerBlocked.map((o) => `broker blocked (memory alarm) ${rel(o.fromMs)} for ${(o.toMs - o.fromMs) / 1000} s`),
    ...plan.consumerLost.map((l) => `consumer process ${l.process} lost at ${rel(l.atMs)}${l.forMs === null ? ' for good' : ` for ${l.forMs / 1000} s`}`),
  ];
}
