/**
 * The effective value of each retry setting of one RabbitMQ queue, computed the way the broker does
 * from its x-arguments, the one user policy that applies and the one operator policy that applies.
 * Pure: used by the live source and by definitions.json. Every rule here was established against a
 * real 3.10 broker by `test/sources/rabbitmq-merge-rules.test.ts` (declare, set policy, publish,
 * reject, count deliveries, see where the message went); docs/sources.md lists them.
 */
import type { Provenance, Setting } from './queue-settings.js';

export type RabbitQueueType = 'classic' | 'quorum' | 'stream';

export interface RabbitQueue {
  name: string;
  vhost: string;
  type: RabbitQueueType;
  arguments: Record<string, unknown>;
  /** The policy the broker reports as applied (live API only; it lags seconds). Breaks priority ties only. */
  reportedPolicy?: string | null;
  reportedOperatorPolicy?: string | null;
}

export interface RabbitPolicy {
  name: string;
  pattern: string;
  /** queues | exchanges | all | classic_queues | quorum_queues | streams (the last three since 3.12). */
  applyTo: string;
  priority: number;
  definition: Record<string, unknown>;
}

export interface PolicyMatch {
  policy: RabbitPolicy;
  /** Other matching policies with the same priority: the broker's pick among them is arbitrary. */
  tiedWith: string[];
}

export interface EffectiveContext {
  /** Provenance source: `rabbitmq-live`, `definitions`. */
  source: string;
  /** Broker version, e.g. `3.10.8`; null when the source cannot tell. */
  version: string | null;
  file?: string;
}

export interface EffectiveSettings {
  policy: PolicyMatch | null;
  operatorPolicy: PolicyMatch | null;
  deadLetterExchange: Setting<string>;
  deadLetterRoutingKey: Setting<string>;
  messageTtlMs: Setting<number>;
  /** The broker's delivery-limit (a message is delivered delivery-limit + 1 times). */
  deliveryLimit: Setting<number>;
  maxDeliveries: Setting<number | 'unlimited'>;
}

/** How the broker merges a key present in both the x-arguments and the policies. */
type MergeRule = 'argument-wins' | 'lowest';

const compiledPatterns = new Map<string, RegExp | null>();

function patternMatches(pattern: string, name: string): boolean {
  let regex = compiledPatterns.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(pattern);
    } catch {
      regex = null; // a pattern JS cannot compile (rare PCRE syntax) matches nothing; docs/sources.md says so
    }
    compiledPatterns.set(pattern, regex);
  }
  return regex !== null && regex.test(name);
}

function appliesToQueue(applyTo: string, type: RabbitQueueType): boolean {
  switch (applyTo) {
    case 'all':
    case 'queues':
      return true;
    case 'classic_queues':
      return type === 'classic';
    case 'quorum_queues':
      return type === 'quorum';
    case 'streams':
      return type === 'stream';
    default:
      return false;
  }
}

/**
 * The single policy the broker applies: among those whose pattern matches the name and whose apply-to
 * covers the queue, the highest priority. A tie is arbitrary on the broker (established: it follows
 * internal table order, not names); we take the broker's reported choice when it is among the tied,
 * else the first by name, and say so.
 */
export function matchPolicy(queue: RabbitQueue, policies: readonly RabbitPolicy[], reported?: string | null): PolicyMatch | null {
  const matching = policies.filter((p) => appliesToQueue(p.applyTo, queue.type) && patternMatches(p.pattern, queue.name));
  if (matching.length === 0) return null;
  const top = Math.max(...matching.map((p) => p.priority));
  const tied = matching.filter((p) => p.priority === top).sort((a, b) => a.name.localeCompare(b.name));
  const chosen = tied.find((p) => p.name === reported) ?? tied[0];
  if (chosen === undefined) return null;
  return { policy: chosen, tiedWith: tied.filter((p) => p !== chosen).map((p) => p.name) };
}

function policyDetail(match: PolicyMatch): string {
  if (match.tiedWith.length === 0) return match.policy.name;
  return `${match.policy.name} (tied at priority ${match.policy.priority} with ${match.tiedWith.join(', ')}: the broker's pick is arbitrary)`;
}

interface Candidate<T> {
  value: T;
  from: Provenance;
}

function asNumber(raw: unknown): number | null {
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  return null;
}

function asString(raw: unknown): string | null {
  return typeof raw === 'string' ? raw : null;
}

/** One key's candidates in the broker's order of precedence for ties: argument, policy, operator policy. */
function candidates<T>(
  key: string,
  parse: (raw: unknown) => T | null,
  queue: RabbitQueue,
  policy: PolicyMatch | null,
  operatorPolicy: PolicyMatch | null,
  ctx: EffectiveContext,
): Candidate<T>[] {
  const at = (origin: Provenance['origin'], detail: string): Provenance => ({
    source: ctx.source,
    origin,
    detail,
    ...(ctx.file === undefined ? {} : { file: ctx.file }),
  });
  const found: Candidate<T>[] = [];
  const argument = parse(queue.arguments[`x-${key}`]);
  if (argument !== null) found.push({ value: argument, from: at('x-argument', `x-${key}`) });
  const fromPolicy = policy === null ? null : parse(policy.policy.definition[key]);
  if (policy !== null && fromPolicy !== null) found.push({ value: fromPolicy, from: at('policy', policyDetail(policy)) });
  const fromOperator = operatorPolicy === null ? null : parse(operatorPolicy.policy.definition[key]);
  if (operatorPolicy !== null && fromOperator !== null) {
    found.push({ value: fromOperator, from: at('operator-policy', policyDetail(operatorPolicy)) });
  }
  return found;
}

function merge<T>(found: Candidate<T>[], rule: MergeRule, absent: Provenance): Setting<T> {
  const first = found[0];
  if (first === undefined) return { value: null, from: absent };
  if (rule === 'argument-wins') return { value: first.value, from: first.from };
  const lowest = found.reduce((low, c) => ((c.value as number) < (low.value as number) ? c : low), first);
  return { value: lowest.value, from: lowest.from };
}

function majorVersion(version: string | null): number | null {
  const major = version === null ? NaN : Number.parseInt(version, 10);
  return Number.isFinite(major) ? major : null;
}

/** Deliveries before dead-lettering, by queue type and version (the delivery-limit + 1 rule is established on 3.10). */
function maxDeliveriesOf(type: RabbitQueueType, limit: Setting<number>, ctx: EffectiveContext): Setting<number | 'unlimited'> {
  const byDefault = (value: number | 'unlimited' | null, detail: string, unknown = false): Setting<number | 'unlimited'> => ({
    value,
    ...(unknown ? { unknown: true } : {}),
    from: { source: ctx.source, origin: 'broker-default', detail },
  });
  if (type === 'classic') {
    return byDefault('unlimited', 'classic queues do not count deliveries: a requeued message comes back without limit; the consumer retry decides');
  }
  if (type === 'stream') return byDefault('unlimited', 'streams do not dead-letter');
  const major = majorVersion(ctx.version);
  if (limit.value !== null) {
    if (limit.value < 0 && major !== null && major >= 4) return { value: 'unlimited', from: limit.from };
    return { value: Math.max(0, limit.value) + 1, from: limit.from };
  }
  if (major === null) return byDefault(null, 'no delivery-limit and the broker version is unknown (3.x: unlimited, 4.0+: 20)', true);
  if (major >= 4) return byDefault(21, 'delivery-limit defaults to 20 since RabbitMQ 4.0');
  return byDefault('unlimited', `no delivery-limit: RabbitMQ ${major}.x quorum queues redeliver without limit`);
}

export function effectiveSettings(
  queue: RabbitQueue,
  policies: readonly RabbitPolicy[],
  operatorPolicies: readonly RabbitPolicy[],
  ctx: EffectiveContext,
): EffectiveSettings {
  const policy = matchPolicy(queue, policies, queue.reportedPolicy);
  const operatorPolicy = matchPolicy(queue, operatorPolicies, queue.reportedOperatorPolicy);
  const absent = (detail: string): Provenance => ({ source: ctx.source, origin: 'broker-default', detail });
  const resolve = <T>(key: string, parse: (raw: unknown) => T | null, rule: MergeRule): Setting<T> =>
    merge(candidates(key, parse, queue, policy, operatorPolicy, ctx), rule, absent(`no ${key}`));

  const deliveryLimit = resolve('delivery-limit', asNumber, 'lowest');
  return {
    policy,
    operatorPolicy,
    deadLetterExchange: resolve('dead-letter-exchange', asString, 'argument-wins'),
    deadLetterRoutingKey: resolve('dead-letter-routing-key', asString, 'argument-wins'),
    messageTtlMs: resolve('message-ttl', asNumber, 'lowest'),
    deliveryLimit,
    maxDeliveries: maxDeliveriesOf(queue.type, deliveryLimit, ctx),
  };
}
