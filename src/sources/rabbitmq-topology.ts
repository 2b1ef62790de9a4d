/**
 * One vhost's queues, exchanges, bindings and policies → QueueSettings, with roles inferred from
 * where dead-letters go. Pure: shared by the live source and definitions.json.
 */
import type { DeadLetterTarget, Provenance, QueueRole, QueueSettings, Setting } from './queue-settings.js';
import { effectiveSettings, type EffectiveContext, type EffectiveSettings, type RabbitPolicy, type RabbitQueue } from './rabbitmq-effective.js';
import { RoutingTable, type RabbitBinding, type RabbitExchange } from './rabbitmq-routing.js';

export interface RabbitTopology {
  vhost: string;
  /** e.g. `3.10.8`; null when unknown. */
  version: string | null;
  queues: RabbitQueue[];
  exchanges: RabbitExchange[];
  bindings: RabbitBinding[];
  policies: RabbitPolicy[];
  operatorPolicies: RabbitPolicy[];
}

interface Analysed {
  queue: RabbitQueue;
  effective: EffectiveSettings;
  deadLetterTarget: Setting<DeadLetterTarget>;
}

function mapSetting<A, B>(setting: Setting<A>, f: (value: A) => B): Setting<B> {
  return { ...setting, value: setting.value === null ? null : f(setting.value) };
}

function deadLetterTargetOf(queue: RabbitQueue, effective: EffectiveSettings, routing: RoutingTable): Setting<DeadLetterTarget> {
  const exchange = effective.deadLetterExchange;
  if (exchange.value === null) return { value: null, from: exchange.from };
  const routingKey = effective.deadLetterRoutingKey.value;
  const keys = routingKey === null ? routing.inboundKeys(queue.name) : [routingKey];
  const target: DeadLetterTarget = {
    kind: 'exchange',
    name: exchange.value,
    ...(routingKey === null ? {} : { routingKey }),
    resolvedQueues: routing.route(exchange.value, keys),
  };
  const from: Provenance = routing.exchangeExists(exchange.value)
    ? exchange.from
    : { ...exchange.from, detail: `${exchange.from.detail ?? ''}; exchange '${exchange.value}' does not exist` };
  return { value: target, from };
}

/**
 * wait: a message TTL and a dead-letter exchange that routes on to a queue which itself dead-letters
 * (a work queue in the delayed-retry pattern, not a final DLQ: a work queue whose expired messages go
 * to its DLQ is not a wait queue); dead-letter: the target of a non-wait queue's dead-lettering;
 * work: everything else.
 */
function rolesOf(analysed: readonly Analysed[]): Map<string, QueueRole> {
  const roles = new Map<string, QueueRole>();
  const targetsOf = (a: Analysed): string[] => (a.deadLetterTarget.value?.resolvedQueues ?? []).filter((q) => q !== a.queue.name);
  const deadLetters = new Set(analysed.filter((a) => a.deadLetterTarget.value !== null).map((a) => a.queue.name));
  for (const a of analysed) {
    if (a.effective.messageTtlMs.value !== null && targetsOf(a).some((q) => deadLetters.has(q))) roles.set(a.queue.name, 'wait');
  }
  for (const a of analysed) {
    if (roles.get(a.queue.name) === 'wait') continue;
    for (const target of targetsOf(a)) if (!roles.has(target)) roles.set(target, 'dead-letter');
  }
  for (const a of analysed) if (!roles.has(a.queue.name)) roles.set(a.queue.name, 'work');
  return roles;
}

/** A work queue's delay between attempts: the TTL of the wait queue its dead-letters go to. */
function retryDelayOf(a: Analysed, waitQueues: Map<string, Analysed>, source: string): Setting<number> {
  for (const target of a.deadLetterTarget.value?.resolvedQueues ?? []) {
    const wait = waitQueues.get(target);
    if (wait !== undefined && wait !== a) {
      const ttl = wait.effective.messageTtlMs;
      return { value: (ttl.value ?? 0) / 1000, from: { ...ttl.from, detail: `wait queue ${target}: ${ttl.from.detail ?? ''}` } };
    }
  }
  return { value: null, from: { source, origin: 'broker-default', detail: 'no wait queue: a failed message is redelivered at once' } };
}

export function rabbitQueueSettings(topology: RabbitTopology, ctx: Omit<EffectiveContext, 'version'>): QueueSettings[] {
  const context: EffectiveContext = { ...ctx, version: topology.version };
  const routing = new RoutingTable(
    topology.queues.map((q) => q.name),
    topology.exchanges,
    topology.bindings,
  );
  const analysed: Analysed[] = topology.queues.map((queue) => {
    const effective = effectiveSettings(queue, topology.policies, topology.operatorPolicies, context);
    return { queue, effective, deadLetterTarget: deadLetterTargetOf(queue, effective, routing) };
  });
  const roles = rolesOf(analysed);
  const waitQueues = new Map(analysed.filter((a) => roles.get(a.queue.name) === 'wait').map((a) => [a.queue.name, a]));
  const notApplicable = (detail: string): Setting<number> => ({ value: null, from: { source: ctx.source, origin: 'broker-default', detail } });

  return analysed.map((a): QueueSettings => {
    const role = roles.get(a.queue.name) ?? 'work';
    const ttlSeconds = mapSetting(a.effective.messageTtlMs, (ms) => ms / 1000);
    return {
      broker: 'rabbitmq',
      name: a.queue.name,
      id: `${topology.vhost}/${a.queue.name}`,
      vhost: topology.vhost,
      ...(topology.version === null ? {} : { brokerVersion: topology.version }),
      role,
      queueType: a.queue.type,
      maxDeliveries: a.effective.maxDeliveries,
      deadLetterTarget: a.deadLetterTarget,
      retryDelaySeconds: role === 'wait' ? ttlSeconds : retryDelayOf(a, waitQueues, ctx.source),
      visibilityTimeoutSeconds: notApplicable('RabbitMQ has no visibility timeout'),
      retentionSeconds: role === 'wait' || ttlSeconds.value === null ? notApplicable('kept until consumed') : ttlSeconds,
      messageTtlSeconds: ttlSeconds,
    };
  });
}
