/**
 * The effective value of each retry setting of one RabbitMQ queue, computed the way the broker does
 * from its x-arguments, the one user policy that applies and the one operator policy that applies
 * (policies.ts has the rules and where each comes from). Pure: used by every RabbitMQ source.
 */
import type { Provenance, Setting } from '../../sources/queue-settings.js';
import { matchPolicy, mergeRuleOf, OPERATOR_POLICY_KEYS, type PolicyMatch, type RabbitPolicy, type RabbitQueue, type RabbitQueueType } from './policies.js';
import { defaultDeliveryLimit, deliveriesAllowed, majorVersion } from './versions.js';

export type { PolicyMatch, RabbitPolicy, RabbitQueue, RabbitQueueType } from './policies.js';
export { matchPolicy } from './policies.js';

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
  maxLength: Setting<number>;
  /** drop-head (default) | reject-publish | reject-publish-dlx. */
  overflow: Setting<string>;
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

function policyDetail(match: PolicyMatch): string {
  if (match.tiedWith.length === 0) return match.policy.name;
  return `${match.policy.name} (tied at priority ${match.policy.priority} with ${match.tiedWith.join(', ')}: the broker's pick is arbitrary)`;
}

const lower = <T>(a: Candidate<T>, b: Candidate<T>): Candidate<T> => ((b.value as number) < (a.value as number) ? b : a);

/**
 * One key's effective value: the user and operator policies merge first (rabbit_policy:get/2: min of
 * the two for the keys an operator may set), then that value meets the x-argument by the queue
 * type's rule (argument wins, policy wins, or min).
 */
function resolveKey<T>(
  key: string,
  parse: (raw: unknown) => T | null,
  queue: RabbitQueue,
  policy: PolicyMatch | null,
  operatorPolicy: PolicyMatch | null,
  ctx: EffectiveContext,
): Setting<T> {
  const at = (origin: Provenance['origin'], detail: string): Provenance => ({
    source: ctx.source,
    origin,
    detail,
    ...(ctx.file === undefined ? {} : { file: ctx.file }),
  });
  const rule = mergeRuleOf(queue.type, key);
  if (rule === null) return { value: null, from: at('broker-default', `${queue.type} queues do not use ${key}`) };
  const of = (match: PolicyMatch | null, origin: Provenance['origin']): Candidate<T> | null => {
    const value = match === null ? null : parse(match.policy.definition[key]);
    return match === null || value === null ? null : { value, from: at(origin, policyDetail(match)) };
  };
  const user = of(policy, 'policy');
  const operator = OPERATOR_POLICY_KEYS.includes(key) ? of(operatorPolicy, 'operator-policy') : null;
  const fromPolicies = user !== null && operator !== null ? lower(user, operator) : (user ?? operator);
  const argumentValue = parse(queue.arguments[`x-${key}`]);
  const argument = argumentValue === null ? null : { value: argumentValue, from: at('x-argument', `x-${key}`) };
  const chosen =
    argument === null || fromPolicies === null
      ? (argument ?? fromPolicies)
      : rule === 'argument'
        ? argument
        : rule === 'policy'
          ? fromPolicies
          : lower(argument, fromPolicies);
  return chosen === null ? { value: null, from: at('broker-default', `no ${key}`) } : { value: chosen.value, from: chosen.from };
}

/** Deliveries before dead-lettering, by queue type and version. */
function maxDeliveriesOf(type: RabbitQueueType, limit: Setting<number>, ctx: EffectiveContext): Setting<number | 'unlimited'> {
  const byDefault = (value: number | 'unlimited' | null, detail: string, unknown = false): Setting<number | 'unlimited'> => ({
    value,
    ...(unknown ? { unknown: true } : {}),
    from: { source: ctx.source, origin: 'broker-default', detail },
  });
  if (type === 'classic') {
    return byDefault('unlimited', 'classic queues do not count deliveries: a requeued message comes back without limit; the consumer retry decides');
  }
  if (type === 'stream') return byDefault(null, 'not applicable: streams neither requeue nor dead-letter');
  if (limit.value !== null) return { value: deliveriesAllowed(limit.value, ctx.version), from: limit.from };
  const fallback = defaultDeliveryLimit(ctx.version);
  if (fallback === 'unknown') return byDefault(null, 'no delivery-limit and the broker version is unknown (3.x: unlimited, 4.0+: 20)', true);
  if (fallback === null) return byDefault('unlimited', `no delivery-limit: RabbitMQ ${majorVersion(ctx.version) ?? 3}.x quorum queues redeliver without limit`);
  return byDefault(deliveriesAllowed(fallback, ctx.version), `delivery-limit defaults to ${fallback} since RabbitMQ 4.0 (${ctx.version ?? '4.x'})`);
}

export function effectiveSettings(
  queue: RabbitQueue,
  policies: readonly RabbitPolicy[],
  operatorPolicies: readonly RabbitPolicy[],
  ctx: EffectiveContext,
): EffectiveSettings {
  const policy = matchPolicy(queue, policies, queue.reportedPolicy);
  const operatorPolicy = matchPolicy(queue, operatorPolicies, queue.reportedOperatorPolicy);
  const resolve = <T>(key: string, parse: (raw: unknown) => T | null): Setting<T> => resolveKey(key, parse, queue, policy, operatorPolicy, ctx);
  const deliveryLimit = resolve('delivery-limit', asNumber);
  return {
    policy,
    operatorPolicy,
    deadLetterExchange: resolve('dead-letter-exchange', asString),
    deadLetterRoutingKey: resolve('dead-letter-routing-key', asString),
    messageTtlMs: resolve('message-ttl', asNumber),
    deliveryLimit,
    maxDeliveries: maxDeliveriesOf(queue.type, deliveryLimit, ctx),
    maxLength: resolve('max-length', asNumber),
    overflow: resolve('overflow', asString),
  };
}
