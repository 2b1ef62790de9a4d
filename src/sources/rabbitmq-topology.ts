/**
 * One vhost's queues, exchanges, bindings and policies → QueueSettings: effective settings, dead-letter
 * routing and roles come from src/semantics/rabbitmq. Pure: shared by every RabbitMQ source.
 */
import { queueRoles } from '../semantics/rabbitmq/roles.js';
import type { DeadLetterTarget, Provenance, QueueSettings, Setting } from './queue-settings.js';
import { effectiveSettings, type EffectiveContext, type EffectiveSettings, type RabbitPolicy, type RabbitQueue } from '../semantics/rabbitmq/effective.js';
import { RoutingTable, type RabbitBinding, type RabbitExchange } from '../semantics/rabbitmq/routing.js';

export interface RabbitTopology {
  /** null when the files do not say (a per-vhost export alone): the queues then have no vhost and are identified by name. */
  vhost: string | null;
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

/** Object.assign, not a spread plus a key: on Node 20 that gives each queue's setting a hidden class of its own. */
function mapSetting<A, B>(setting: Setting<A>, f: (value: A) => B): Setting<B> {
  return Object.assign({}, setting, { value: setting.value === null ? null : f(setting.value) });
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
    : Object.assign({}, exchange.from, { detail: `${exchange.from.detail ?? ''}; exchange '${exchange.value}' does not exist` });
  return { value: target, from };
}

/** A work queue's delay between attempts: the TTL of the wait queue its dead-letters go to. */
function retryDelayOf(a: Analysed, waitQueues: Map<string, Analysed>, source: string): Setting<number> {
  for (const target of a.deadLetterTarget.value?.resolvedQueues ?? []) {
    const wait = waitQueues.get(target);
    if (wait !== undefined && wait !== a) {
      const ttl = wait.effective.messageTtlMs;
      return { value: (ttl.value ?? 0) / 1000, from: Object.assign({}, ttl.from, { detail: `wait queue ${target}: ${ttl.from.detail ?? ''}` }) };
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
    topology.policies,
  );
  const analysed: Analysed[] = topology.queues.map((queue) => {
    const effective = effectiveSettings(queue, topology.policies, topology.operatorPolicies, context);
    return { queue, effective, deadLetterTarget: deadLetterTargetOf(queue, effective, routing) };
  });
  const roles = queueRoles(
    analysed.map((a) => ({ name: a.queue.name, hasMessageTtl: a.effective.messageTtlMs.value !== null, deadLettersTo: a.deadLetterTarget.value?.resolvedQueues ?? [] })),
  );
  const waitQueues = new Map(analysed.filter((a) => roles.get(a.queue.name) === 'wait').map((a) => [a.queue.name, a]));
  const notApplicable = (detail: string): Setting<number> => ({ value: null, from: { source: ctx.source, origin: 'broker-default', detail } });

  return analysed.map((a): QueueSettings => {
    const role = roles.get(a.queue.name) ?? 'work';
    const ttlSeconds = mapSetting(a.effective.messageTtlMs, (ms) => ms / 1000);
    return {
      broker: 'rabbitmq',
      name: a.queue.name,
      id: topology.vhost === null ? a.queue.name : `${topology.vhost}/${a.queue.name}`,
      ...(topology.vhost === null ? {} : { vhost: topology.vhost }),
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
