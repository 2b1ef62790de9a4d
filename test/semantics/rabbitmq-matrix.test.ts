/**
 * The broker-experiment matrix: queue type × key × where it is set (argument, user policy, operator
 * policy, competing policies, mixed) on the real RabbitMQ here (3.10). Each row declares its queue,
 * sets its policies, then does what a consumer does (reject with requeue until the message leaves,
 * reject once, let it expire, overflow the queue) and sees where the message went. The semantics
 * module is given the same declarations and must predict exactly what the broker did.
 */
import type { Channel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveSettings, type EffectiveSettings } from '../../src/semantics/rabbitmq/effective.js';
import { isPolicyApplicable, mergeRuleOf, type RabbitPolicy, type RabbitQueueType } from '../../src/semantics/rabbitmq/policies.js';
import { countsTowardsDeliveryLimit } from '../../src/semantics/rabbitmq/versions.js';
import { RoutingTable, type RabbitBinding, type RabbitExchange } from '../../src/semantics/rabbitmq/routing.js';
import { pollUntil, TestVhost, type PolicyBody } from '../sources/rabbit-admin.js';

const VERSION = '3.10.8';
/** Deliveries counted before a row is called "unlimited" (no bound observed). */
const CAP = 12;

type Experiment = 'requeue' | 'reject-once' | 'expire' | 'overflow';

interface Row {
  name: string;
  type: Exclude<RabbitQueueType, 'stream'>;
  args?: Record<string, unknown>;
  policies?: (PolicyBody & { name: string })[];
  operatorPolicies?: (PolicyBody & { name: string })[];
  experiment: Experiment;
}

// Dead-letter topology every row can use: dlx-a (fanout → dlq-a), dlx-b (fanout → dlq-b), dlx-direct
// (direct: key 'to-c' → dlq-c), dlx-ae (direct, no match for most keys; alternate exchange ae → dlq-ae).
const EXCHANGES: (RabbitExchange & { arguments?: Record<string, unknown> })[] = [
  { name: 'dlx-a', type: 'fanout' },
  { name: 'dlx-b', type: 'fanout' },
  { name: 'dlx-direct', type: 'direct' },
  { name: 'ae', type: 'fanout' },
  { name: 'dlx-ae', type: 'direct', arguments: { 'alternate-exchange': 'ae' } },
];
const BINDINGS: RabbitBinding[] = [
  { source: 'dlx-a', destination: 'dlq-a', destinationType: 'queue', routingKey: '' },
  { source: 'dlx-b', destination: 'dlq-b', destinationType: 'queue', routingKey: '' },
  { source: 'dlx-direct', destination: 'dlq-c', destinationType: 'queue', routingKey: 'to-c' },
  { source: 'ae', destination: 'dlq-ae', destinationType: 'queue', routingKey: '' },
  { source: 'dlx-ae', destination: 'dlq-c', destinationType: 'queue', routingKey: 'to-c' },
];
const DLQS = ['dlq-a', 'dlq-b', 'dlq-c', 'dlq-ae'];

const p = (name: string, definition: Record<string, unknown>, priority = 0, applyTo = 'queues') => ({ name, pattern: '', definition, priority, 'apply-to': applyTo });

/** `pattern` is filled in per row: ^<row name>$ (rows never see each other's policies). */
const ROWS: Row[] = [
  // delivery-limit: quorum only; min of argument, policy and operator policy
  { name: 'qq-limit-arg-3', type: 'quorum', args: { 'x-delivery-limit': 3, 'x-dead-letter-exchange': 'dlx-a' }, experiment: 'requeue' },
  { name: 'qq-limit-arg-0', type: 'quorum', args: { 'x-delivery-limit': 0, 'x-dead-letter-exchange': 'dlx-a' }, experiment: 'requeue' },
  { name: 'qq-limit-arg-5-policy-2', type: 'quorum', args: { 'x-delivery-limit': 5, 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'delivery-limit': 2 })], experiment: 'requeue' },
  { name: 'qq-limit-arg-2-policy-5', type: 'quorum', args: { 'x-delivery-limit': 2, 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'delivery-limit': 5 })], experiment: 'requeue' },
  { name: 'qq-limit-policy-6-op-2', type: 'quorum', args: { 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'delivery-limit': 6 })], operatorPolicies: [p('op', { 'delivery-limit': 2 })], experiment: 'requeue' },
  { name: 'qq-limit-policy-1-op-4', type: 'quorum', args: { 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'delivery-limit': 1 })], operatorPolicies: [p('op', { 'delivery-limit': 4 })], experiment: 'requeue' },
  { name: 'qq-limit-op-only-2', type: 'quorum', args: { 'x-dead-letter-exchange': 'dlx-a' }, operatorPolicies: [p('op', { 'delivery-limit': 2 })], experiment: 'requeue' },
  { name: 'qq-limit-none', type: 'quorum', args: { 'x-dead-letter-exchange': 'dlx-a' }, experiment: 'requeue' },
  // a policy with a key the queue type does not support does not apply at all, not even its other keys
  { name: 'classic-policy-limit-and-dlx', type: 'classic', policies: [p('pol', { 'delivery-limit': 2, 'dead-letter-exchange': 'dlx-a' })], experiment: 'reject-once' },
  { name: 'classic-policy-limit-falls-back', type: 'classic', policies: [p('high', { 'delivery-limit': 2, 'dead-letter-exchange': 'dlx-a' }, 9), p('low', { 'dead-letter-exchange': 'dlx-b' }, 1)], experiment: 'reject-once' },
  // competing policies: the highest priority applies whole, nothing merges from the lower one
  { name: 'qq-compete', type: 'quorum', policies: [p('low', { 'delivery-limit': 1, 'dead-letter-exchange': 'dlx-a' }, 1), p('high', { 'delivery-limit': 3 }, 5)], experiment: 'requeue' },
  { name: 'qq-compete-dlx', type: 'quorum', args: { 'x-delivery-limit': 1 }, policies: [p('low', { 'dead-letter-exchange': 'dlx-b' }, 1), p('high', { 'dead-letter-exchange': 'dlx-a' }, 9)], experiment: 'requeue' },
  { name: 'qq-policy-for-exchanges', type: 'quorum', args: { 'x-delivery-limit': 1, 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'dead-letter-exchange': 'dlx-b' }, 0, 'exchanges')], experiment: 'requeue' },
  // dead-letter-exchange / routing key: the argument wins over a policy, for both queue types
  { name: 'classic-dlx-arg-a-policy-b', type: 'classic', args: { 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'dead-letter-exchange': 'dlx-b' })], experiment: 'reject-once' },
  { name: 'qq-dlx-arg-a-policy-b', type: 'quorum', args: { 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'dead-letter-exchange': 'dlx-b' })], experiment: 'reject-once' },
  { name: 'classic-dlx-policy-only', type: 'classic', policies: [p('pol', { 'dead-letter-exchange': 'dlx-b' })], experiment: 'reject-once' },
  { name: 'classic-dlrk-arg', type: 'classic', args: { 'x-dead-letter-exchange': 'dlx-direct', 'x-dead-letter-routing-key': 'to-c' }, policies: [p('pol', { 'dead-letter-routing-key': 'nowhere' })], experiment: 'reject-once' },
  { name: 'qq-dlrk-policy', type: 'quorum', args: { 'x-dead-letter-exchange': 'dlx-direct' }, policies: [p('pol', { 'dead-letter-routing-key': 'to-c' })], experiment: 'reject-once' },
  { name: 'classic-dlx-no-route', type: 'classic', args: { 'x-dead-letter-exchange': 'dlx-direct' }, experiment: 'reject-once' },
  { name: 'classic-dlx-missing', type: 'classic', args: { 'x-dead-letter-exchange': 'no-such-exchange' }, experiment: 'reject-once' },
  { name: 'classic-no-dlx', type: 'classic', experiment: 'reject-once' },
  // alternate exchange: what the DLX does not route goes on to its alternate exchange
  { name: 'classic-dlx-alternate', type: 'classic', args: { 'x-dead-letter-exchange': 'dlx-ae' }, experiment: 'reject-once' },
  { name: 'qq-dlx-alternate-bound', type: 'quorum', args: { 'x-dead-letter-exchange': 'dlx-ae', 'x-dead-letter-routing-key': 'to-c' }, experiment: 'reject-once' },
  // message-ttl: min of argument, policy and operator policy; expiry dead-letters
  { name: 'classic-ttl-arg-60s-policy-300ms', type: 'classic', args: { 'x-message-ttl': 60_000, 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'message-ttl': 300 })], experiment: 'expire' },
  { name: 'classic-ttl-arg-300ms-policy-60s', type: 'classic', args: { 'x-message-ttl': 300, 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'message-ttl': 60_000 })], experiment: 'expire' },
  { name: 'classic-ttl-policy-60s-op-300ms', type: 'classic', args: { 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'message-ttl': 60_000 })], operatorPolicies: [p('op', { 'message-ttl': 300 })], experiment: 'expire' },
  { name: 'classic-ttl-policy-60s', type: 'classic', args: { 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'message-ttl': 60_000 })], experiment: 'expire' },
  { name: 'qq-ttl-arg-60s-op-300ms', type: 'quorum', args: { 'x-message-ttl': 60_000, 'x-dead-letter-exchange': 'dlx-a' }, operatorPolicies: [p('op', { 'message-ttl': 300 })], experiment: 'expire' },
  // max-length (min everywhere) × overflow (classic: the argument wins; quorum: the policy wins)
  { name: 'classic-maxlen-arg-5-policy-1', type: 'classic', args: { 'x-max-length': 5, 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'max-length': 1 })], experiment: 'overflow' },
  { name: 'classic-overflow-arg-reject-policy-drop', type: 'classic', args: { 'x-max-length': 1, 'x-overflow': 'reject-publish', 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { overflow: 'drop-head' })], experiment: 'overflow' },
  { name: 'qq-overflow-arg-reject-policy-drop', type: 'quorum', args: { 'x-max-length': 1, 'x-overflow': 'reject-publish', 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { overflow: 'drop-head' })], experiment: 'overflow' },
  { name: 'qq-maxlen-policy-3-op-1', type: 'quorum', args: { 'x-dead-letter-exchange': 'dlx-a' }, policies: [p('pol', { 'max-length': 3 })], operatorPolicies: [p('op', { 'max-length': 1 })], experiment: 'overflow' },
];

interface Observed {
  deliveries?: number | 'unlimited';
  /** The dead-letter queue the message reached, or 'dropped'. */
  endedIn?: string;
  /** overflow: messages left in the queue and messages dead-lettered, after publishing 3. */
  depth?: number;
  deadLettered?: number;
}

let vhost: TestVhost;
const observed = new Map<string, Observed>();
const predicted = new Map<string, Observed>();

const withPattern = (row: Row, policies: Row['policies']): RabbitPolicy[] =>
  (policies ?? []).map((policy) => ({ name: policy.name, pattern: `^${row.name}$`, applyTo: policy['apply-to'] ?? 'queues', priority: policy.priority ?? 0, definition: policy.definition }));

/** What the semantics module says will happen to the row's message. */
function predict(row: Row, effective: EffectiveSettings, routing: RoutingTable): Observed {
  const exchange = effective.deadLetterExchange.value;
  const key = effective.deadLetterRoutingKey.value ?? row.name;
  const route = exchange === null ? [] : routing.route(exchange, [key]);
  const endedIn = route[0] ?? 'dropped';
  switch (row.experiment) {
    case 'requeue': {
      const max = effective.maxDeliveries.value;
      return max === 'unlimited' || max === null || max > CAP ? { deliveries: 'unlimited' } : { deliveries: max, endedIn };
    }
    case 'reject-once':
      return { endedIn };
    case 'expire':
      // a TTL at or under 1 s expires within the wait; a 60 s one does not
      return { endedIn: (effective.messageTtlMs.value ?? Infinity) <= 1_000 ? endedIn : 'still-queued' };
    case 'overflow': {
      const limit = effective.maxLength.value ?? Infinity;
      const kept = Math.min(3, limit);
      const dropHead = (effective.overflow.value ?? 'drop-head') === 'drop-head';
      return { depth: kept, deadLettered: dropHead && exchange !== null ? 3 - kept : 0 };
    }
  }
}

async function drain(ch: Channel, queue: string): Promise<boolean> {
  return (await ch.get(queue, { noAck: true })) !== false;
}

/** The dead-letter queue holding a message now (taking it), or null. */
async function whereItIs(ch: Channel): Promise<string | null> {
  for (const dlq of DLQS) if (await drain(ch, dlq)) return dlq;
  return null;
}

/** Dead-lettering is asynchronous: poll for the message before calling it gone. */
async function arrival(ch: Channel, what: string, timeoutMs: number): Promise<string | null> {
  try {
    return await pollUntil(what, () => whereItIs(ch), timeoutMs);
  } catch {
    return null;
  }
}

async function observe(row: Row): Promise<Observed> {
  const ch = vhost.channel;
  switch (row.experiment) {
    case 'requeue': {
      const result = await vhost.countDeliveries(row.name, DLQS, CAP + 1);
      return result.endedIn === 'still-looping' ? { deliveries: 'unlimited' } : { deliveries: result.deliveries, endedIn: result.endedIn };
    }
    case 'reject-once': {
      ch.sendToQueue(row.name, Buffer.from('probe'), { persistent: true });
      const message = await pollUntil(`a message on ${row.name}`, () => ch.get(row.name, { noAck: false }));
      ch.nack(message, false, false);
      return { endedIn: (await arrival(ch, `the rejected message of ${row.name}`, 1_500)) ?? 'dropped' };
    }
    case 'expire': {
      ch.sendToQueue(row.name, Buffer.from('probe'), { persistent: true });
      const landed = await arrival(ch, `the expired message of ${row.name}`, 3_000);
      if (landed !== null) return { endedIn: landed };
      return { endedIn: (await ch.checkQueue(row.name)).messageCount === 1 ? 'still-queued' : 'dropped' };
    }
    case 'overflow': {
      for (let i = 0; i < 3; i++) ch.sendToQueue(row.name, Buffer.from(`m${i}`), { persistent: true });
      // settle: wait until queue depth and dead letters stop changing
      let last = '';
      let depth = 0;
      let deadLettered = 0;
      for (let stable = 0; stable < 5; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        depth = (await ch.checkQueue(row.name)).messageCount;
        deadLettered = (await ch.checkQueue('dlq-a')).messageCount;
        const now = `${depth}/${deadLettered}`;
        stable = now === last ? stable + 1 : 0;
        last = now;
      }
      await ch.purgeQueue('dlq-a');
      return { depth, deadLettered };
    }
  }
}

beforeAll(async () => {
  vhost = await TestVhost.create('sem-matrix');
  const ch = vhost.channel;
  for (const exchange of EXCHANGES) await ch.assertExchange(exchange.name, exchange.type, { durable: true, ...(exchange.arguments ? { arguments: exchange.arguments } : {}) });
  for (const dlq of DLQS) await ch.assertQueue(dlq, { durable: true });
  for (const binding of BINDINGS) await ch.bindQueue(binding.destination, binding.source, binding.routingKey);
  for (const row of ROWS) {
    await ch.assertQueue(row.name, { durable: true, arguments: { 'x-queue-type': row.type, ...row.args } });
    for (const policy of row.policies ?? []) await vhost.setPolicy(`${row.name}.${policy.name}`, { ...policy, pattern: `^${row.name}$` });
    for (const policy of row.operatorPolicies ?? []) await vhost.setOperatorPolicy(`${row.name}.${policy.name}`, { ...policy, pattern: `^${row.name}$` });
  }
  // the broker applies a policy asynchronously: wait until it reports the expected one on every row
  await Promise.all(
    ROWS.flatMap((row) => {
      const queuePolicies = withPattern(row, row.policies).filter((policy) => policy.applyTo !== 'exchanges' && isPolicyApplicable(row.type, policy.definition));
      const top = queuePolicies.sort((a, b) => b.priority - a.priority)[0];
      const operator = row.operatorPolicies?.[0];
      return [
        ...(top ? [vhost.waitForPolicy(row.name, `${row.name}.${top.name}`)] : []),
        ...(operator ? [vhost.waitForPolicy(row.name, `${row.name}.${operator.name}`, 'operator_policy')] : []),
      ];
    }),
  );
  const routing = new RoutingTable([...DLQS, ...ROWS.map((row) => row.name)], EXCHANGES, BINDINGS);
  for (const row of ROWS) {
    const effective = effectiveSettings(
      { name: row.name, vhost: vhost.name, type: row.type, arguments: row.args ?? {} },
      ROWS.flatMap((other) => withPattern(other, other.policies).map((policy) => ({ ...policy, name: `${other.name}.${policy.name}` }))),
      ROWS.flatMap((other) => withPattern(other, other.operatorPolicies).map((policy) => ({ ...policy, name: `${other.name}.${policy.name}` }))),
      { source: 'matrix', version: VERSION },
    );
    predicted.set(row.name, predict(row, effective, routing));
    observed.set(row.name, await observe(row));
  }
}, 180_000);

afterAll(async () => {
  await vhost?.close();
});

describe(`RabbitMQ ${VERSION}: the semantics module predicts what the broker does`, () => {
  it.each(ROWS.map((row) => [row.name, row.experiment] as const))('%s (%s)', (name) => {
    expect(observed.get(name), `predicted ${JSON.stringify(predicted.get(name))}`).toEqual(predicted.get(name));
  });

  it('the matrix is not vacuous: it saw bounded and unbounded loops, every DLQ, drops, expiries and both overflow behaviours', () => {
    const seen = [...observed.values()];
    expect(new Set(seen.map((o) => o.deliveries).filter((d) => d !== undefined))).toEqual(new Set([4, 1, 3, 2, 'unlimited']));
    expect(new Set(seen.map((o) => o.endedIn).filter((e) => e !== undefined))).toEqual(new Set([...DLQS, 'dropped', 'still-queued']));
    expect(new Set(seen.map((o) => o.deadLettered).filter((d) => d !== undefined))).toEqual(new Set([0, 2]));
  });

  it.each(['reject', 'nack', 'returned'] as const)(`quorum delivery-limit 1 on ${VERSION}: a %s counts, as countsTowardsDeliveryLimit says`, async (settlement) => {
    const queue = `qq-settle-${settlement}`;
    const ch = vhost.channel;
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 1, 'x-dead-letter-exchange': 'dlx-b' } });
    ch.sendToQueue(queue, Buffer.from('probe'), { persistent: true });
    let deliveries = 0;
    for (; deliveries < CAP; deliveries++) {
      const settleOn = settlement === 'returned' ? await vhost.connection.createChannel() : ch;
      const message = await pollUntil(`a delivery on ${queue}`, async () => (await settleOn.get(queue, { noAck: false })) || (await arrival(ch, 'the dead letter', 200)), 5_000);
      if (typeof message === 'string') break;
      if (settlement === 'reject') settleOn.reject(message, true);
      else if (settlement === 'nack') settleOn.nack(message, false, true);
      else await settleOn.close();
    }
    const counted = countsTowardsDeliveryLimit(VERSION, settlement);
    expect({ deliveries, counted }).toEqual({ deliveries: counted ? 2 : CAP, counted: true });
  });

  it.each([
    ['stream', 'dead-letter-exchange', 'dlx-a'],
    ['stream', 'delivery-limit', 3],
    ['classic', 'delivery-limit', 3],
  ] as const)('a %s queue: the broker refuses x-%s; the semantics module says the key does not apply', async (type, key, value) => {
    const ch = await vhost.connection.createChannel();
    ch.on('error', () => undefined);
    await expect(ch.assertQueue(`${type}-${key}`, { durable: true, arguments: { 'x-queue-type': type, [`x-${key}`]: value } })).rejects.toThrow(
      new RegExp(`PRECONDITION_FAILED - invalid arg 'x-${key}'`),
    );
    expect(mergeRuleOf(type, key)).toBeNull();
  });
});
