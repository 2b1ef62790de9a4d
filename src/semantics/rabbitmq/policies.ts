/**
 * Which policy applies to a queue, and how a key set in several places resolves — as RabbitMQ 3.10's
 * own modules do it (rabbit_policy:match/2, rabbit_policies:merge_policy_value/3,
 * rabbit_amqqueue_process:init_queue_args, rabbit_quorum_queue:ra_machine_config) and as
 * test/semantics/rabbitmq-matrix.test.ts establishes by experiment on the broker.
 */
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
  /** The policy's vhost when the source lists several; a policy applies only in its own vhost. */
  vhost?: string;
}

export interface PolicyMatch {
  policy: RabbitPolicy;
  /** Other matching policies with the same priority: the broker's pick among them is arbitrary. */
  tiedWith: string[];
}

/**
 * How the broker resolves a key set both as an x-argument and in the (merged) policy:
 * `argument` the argument wins, `policy` the policy wins, `min` the lower number wins.
 */
export type MergeRule = 'argument' | 'policy' | 'min';

/** rabbit_amqqueue_process:init_queue_args (classic) and rabbit_quorum_queue:ra_machine_config (quorum), 3.10. */
const MERGE_RULES: Record<'classic' | 'quorum', Record<string, MergeRule>> = {
  classic: {
    'dead-letter-exchange': 'argument',
    'dead-letter-routing-key': 'argument',
    'message-ttl': 'min',
    expires: 'min',
    'max-length': 'min',
    'max-length-bytes': 'min',
    overflow: 'argument',
    'queue-mode': 'argument',
    'queue-version': 'argument',
  },
  quorum: {
    'dead-letter-exchange': 'argument',
    'dead-letter-routing-key': 'argument',
    'dead-letter-strategy': 'argument',
    'delivery-limit': 'min',
    'message-ttl': 'min',
    expires: 'policy',
    'max-length': 'min',
    'max-length-bytes': 'min',
    'max-in-memory-length': 'min',
    'max-in-memory-bytes': 'min',
    overflow: 'policy',
  },
};

/** The keys an operator policy may set (rabbit_policies operator_policy_validator); user and operator values merge by min. */
export const OPERATOR_POLICY_KEYS: readonly string[] = [
  'expires',
  'message-ttl',
  'max-length',
  'max-length-bytes',
  'max-in-memory-length',
  'max-in-memory-bytes',
  'delivery-limit',
];

/**
 * Keys a queue type does not support (`capabilities()` of rabbit_classic_queue, rabbit_quorum_queue,
 * rabbit_stream_queue, 3.10). A policy carrying ANY of them does not apply to a queue of that type at
 * all (rabbit_queue_type:is_policy_applicable/2): the next applicable policy does. Established on the
 * broker: a policy with delivery-limit never applies to a classic queue, not even for its other keys.
 */
const MIRRORING_KEYS = ['ha-mode', 'ha-params', 'ha-sync-mode', 'ha-promote-on-shutdown', 'ha-promote-on-failure', 'queue-master-locator'];
const UNSUPPORTED_POLICY_KEYS: Record<RabbitQueueType, readonly string[]> = {
  classic: ['max-age', 'stream-max-segment-size-bytes', 'queue-leader-locator', 'initial-cluster-size', 'delivery-limit', 'dead-letter-strategy'],
  quorum: [
    'max-priority',
    'queue-mode',
    'single-active-consumer',
    ...MIRRORING_KEYS,
    'max-age',
    'stream-max-segment-size-bytes',
    'initial-cluster-size',
  ],
  stream: [
    'expires',
    'message-ttl',
    'dead-letter-exchange',
    'dead-letter-routing-key',
    'max-length',
    'max-in-memory-length',
    'max-in-memory-bytes',
    'max-priority',
    'overflow',
    'queue-mode',
    'single-active-consumer',
    'delivery-limit',
    ...MIRRORING_KEYS,
    'dead-letter-strategy',
  ],
};

/** Whether a policy's definition can apply to this queue type at all. */
export function isPolicyApplicable(type: RabbitQueueType, definition: Record<string, unknown>): boolean {
  return Object.keys(definition).every((key) => !UNSUPPORTED_POLICY_KEYS[type].includes(key));
}

/** null: the queue type does not use the key at all (a classic queue has no delivery-limit; streams dead-letter nothing). */
export function mergeRuleOf(type: RabbitQueueType, key: string): MergeRule | null {
  return type === 'stream' ? null : (MERGE_RULES[type][key] ?? null);
}

const compiledPatterns = new Map<string, RegExp | null>();

/** The broker matches with PCRE (re:run); a pattern JS cannot compile (rare PCRE syntax) matches nothing, and docs/rabbitmq.md says so. */
export function patternMatches(pattern: string, name: string): boolean {
  let regex = compiledPatterns.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(pattern);
    } catch {
      regex = null;
    }
    compiledPatterns.set(pattern, regex);
  }
  return regex !== null && regex.test(name);
}

/** rabbit_policy:matches_type; the per-type values exist since 3.12 (older brokers refuse them at set time). */
export function appliesToQueue(applyTo: string, type: RabbitQueueType): boolean {
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
 * The single policy the broker applies: among those of the queue's vhost whose pattern matches the
 * name, whose apply-to covers the queue and whose keys the queue type supports, the highest priority. Policies never merge. A tie is
 * arbitrary on the broker (lists:sort over table order, not names); we take the broker's reported
 * choice when it is among the tied, else the first by name, and say so.
 */
export function matchPolicy(queue: RabbitQueue, policies: readonly RabbitPolicy[], reported?: string | null): PolicyMatch | null {
  const matching = policies.filter(
    (p) =>
      (p.vhost === undefined || p.vhost === queue.vhost) &&
      appliesToQueue(p.applyTo, queue.type) &&
      isPolicyApplicable(queue.type, p.definition) &&
      patternMatches(p.pattern, queue.name),
  );
  if (matching.length === 0) return null;
  const top = Math.max(...matching.map((p) => p.priority));
  const tied = matching.filter((p) => p.priority === top).sort((a, b) => a.name.localeCompare(b.name));
  const chosen = tied.find((p) => p.name === reported) ?? tied[0];
  if (chosen === undefined) return null;
  return { policy: chosen, tiedWith: tied.filter((p) => p !== chosen).map((p) => p.name) };
}
