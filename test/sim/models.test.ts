import { describe, expect, it } from 'vitest';
import { Random } from '../../src/domain/random.js';
import { HANDLER_STEPS } from '../../src/engine/handle-command.js';
import type { Fate, Recorder, SimBroker, SimMessage } from '../../src/sim/models/broker.js';
import { backoffMs } from '../../src/sim/models/consumer.js';
import { effectiveDeliveryLimit, RabbitMqModel } from '../../src/sim/models/rabbitmq.js';
import { SqsQueueModel } from '../../src/sim/models/sqs.js';
import { runScenario } from '../../src/sim/run.js';
import type { RabbitBrokerSpec, SqsBrokerSpec } from '../../src/sim/scenario.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { Scheduler } from '../../src/sim/scheduler.js';

const T0 = Date.parse('2021-07-31T14:00:00Z');

function harness<B extends SimBroker>(make: (scheduler: Scheduler, recorder: Recorder) => B) {
  const scheduler = new Scheduler(T0, new Random(1));
  const fates = new Map<string, { fate: Fate; detail: string }>();
  const kinds: string[] = [];
  const recorder: Recorder = {
    event: (kind) => void kinds.push(kind),
    fate: (message, fate, detail) => void fates.set(message.id, { fate, detail }),
  };
  const broker = make(scheduler, recorder);
  let n = 0;
  const message = (): SimMessage => {
    n++;
    return { id: `m${n}`, commandId: `c${n}`, office: 'LDN', batchKey: `APP:LDN:${n}`, body: '{}', publishedAt: scheduler.now(), copyOf: null };
  };
  /** Lets virtual time pass: every event due by then runs. */
  const advance = async (ms: number) => {
    const until = scheduler.now() + ms;
    scheduler.at(until, 'test.advance', () => undefined);
    await scheduler.run({ untilMs: until, maxEvents: 1_000_000 });
  };
  return { scheduler, broker, fates, kinds, message, advance };
}

const rabbit = (spec: Partial<RabbitBrokerSpec>) => harness((s, r) => new RabbitMqModel({ kind: 'rabbitmq', version: 3, ...spec }, s, r));
const sqs = (spec: Partial<SqsBrokerSpec>) => harness((s, r) => new SqsQueueModel({ kind: 'sqs', ...spec }, s, r));

/** Delivers and requeues one message until the broker takes it away; returns the deliveries. */
function requeueUntilGone(broker: SimBroker, limit = 200): number {
  let deliveries = 0;
  for (let i = 0; i < limit; i++) {
    const receipt = broker.receive(0);
    if (!receipt) break;
    deliveries = receipt.deliveryCount;
    broker.fail(receipt, 'requeue', 'conflict');
  }
  return deliveries;
}

describe('RabbitMQ model', () => {
  it('quorum delivery-limit: none in 3.x, 20 by default in 4.x, the queue\'s value when set; classic queues have none', () => {
    expect(effectiveDeliveryLimit({ kind: 'rabbitmq', version: 3, queueType: 'quorum' })).toBeNull();
    expect(effectiveDeliveryLimit({ kind: 'rabbitmq', version: 4, queueType: 'quorum' })).toBe(20);
    expect(effectiveDeliveryLimit({ kind: 'rabbitmq', version: 4, queueType: 'quorum', deliveryLimit: 5 })).toBe(5);
    expect(effectiveDeliveryLimit({ kind: 'rabbitmq', version: 4, queueType: 'classic' })).toBeNull();
  });

  it('4.x quorum: dead-letters past the default limit (21 deliveries), dropped silently without a DLX', () => {
    const withoutDlx = rabbit({ version: 4, queueType: 'quorum' });
    withoutDlx.broker.publish(withoutDlx.message());
    expect(requeueUntilGone(withoutDlx.broker)).toBe(21);
    expect(withoutDlx.fates.get('m1')?.fate).toBe('dropped');

    const withDlx = rabbit({ version: 4, queueType: 'quorum', deadLetterQueue: true, deliveryLimit: 2 });
    withDlx.broker.publish(withDlx.message());
    expect(requeueUntilGone(withDlx.broker)).toBe(3);
    expect(withDlx.fates.get('m1')?.fate).toBe('dead-lettered');
    expect(withDlx.broker.drainDeadLetters().map((m) => m.id)).toEqual(['m1']);
  });

  it('3.x quorum without a limit and classic queues requeue forever (the hot loop)', () => {
    for (const spec of [{ version: 3 as const, queueType: 'quorum' as const }, { version: 4 as const, queueType: 'classic' as const }]) {
      const { broker, message, fates } = rabbit(spec);
      broker.publish(message());
      expect(requeueUntilGone(broker, 100)).toBe(100);
      expect(fates.size).toBe(0);
    }
  });

  it('requeue and a closed channel put the message back at the head', () => {
    const { broker, message } = rabbit({});
    broker.publish(message());
    broker.publish(message());
    const first = broker.receive(0)!;
    broker.fail(first, 'requeue', 'conflict');
    const again = broker.receive(0)!;
    expect(again.message.id).toBe('m1');
    expect(again.deliveryCount).toBe(2);
    broker.release(again);
    expect(broker.receive(1)!.message.id).toBe('m1');
  });

  it('reject without requeue: dropped without a DLX, to the DLQ with one', () => {
    const none = rabbit({});
    none.broker.publish(none.message());
    none.broker.fail(none.broker.receive(0)!, 'reject', 'conflict');
    expect(none.fates.get('m1')?.fate).toBe('dropped');
    expect(none.broker.unsettled).toBe(0);

    const dlx = rabbit({ deadLetterQueue: true });
    dlx.broker.publish(dlx.message());
    dlx.broker.fail(dlx.broker.receive(0)!, 'reject', 'conflict');
    expect(dlx.fates.get('m1')?.fate).toBe('dead-lettered');
  });

  it('TTL wait queue: back at the tail after the TTL, to the DLQ after maxDeliveries', async () => {
    const { broker, message, fates, advance } = rabbit({ waitQueue: { ttlMs: 5000, maxDeliveries: 2 } });
    broker.publish(message());
    broker.fail(broker.receive(0)!, 'reject', 'conflict');
    expect(broker.receive(0)).toBeNull();
    await advance(4999);
    expect(broker.receive(0)).toBeNull();
    await advance(1);
    const second = broker.receive(0)!;
    expect(second.deliveryCount).toBe(2);
    broker.fail(second, 'reject', 'conflict');
    expect(fates.get('m1')).toMatchObject({ fate: 'dead-lettered', detail: expect.stringContaining('after 2 deliveries') });
  });

  it('a memory alarm blocks publishers until it clears', async () => {
    const { broker, message, advance } = rabbit({});
    broker.blockUntil(T0 + 60_000);
    broker.publish(message());
    expect(broker.receive(0)).toBeNull();
    expect(broker.unsettled).toBe(1);
    await advance(60_000);
    expect(broker.receive(0)?.message.id).toBe('m1');
  });
});

describe('SQS model (the local endpoint\'s own SqsModel, in virtual time)', () => {
  it('redrives to the DLQ on the receive after maxReceiveCount receives', async () => {
    const { broker, message, fates, advance } = sqs({ visibilityTimeoutSeconds: 30, redrive: { maxReceiveCount: 3 } });
    broker.publish(message());
    for (let receive = 1; receive <= 3; receive++) {
      const receipt = broker.receive(0)!;
      expect(receipt.deliveryCount).toBe(receive);
      broker.fail(receipt, 'leave', 'conflict');
      expect(broker.receive(0)).toBeNull(); // hidden for the visibility timeout
      await advance(30_000);
    }
    expect(broker.receive(0)).toBeNull();
    expect(fates.get('m1')?.fate).toBe('dead-lettered');
    expect(broker.drainDeadLetters().map((m) => m.id)).toEqual(['m1']);
  });

  it('without a redrive policy it retries until retention ends, then the message is gone', async () => {
    const { broker, message, fates, advance } = sqs({ visibilityTimeoutSeconds: 60, retentionSeconds: 600 });
    broker.publish(message());
    for (let i = 0; i < 9; i++) {
      broker.fail(broker.receive(0)!, 'leave', 'conflict');
      await advance(60_000);
    }
    expect(broker.unsettled).toBe(1);
    await advance(60_000);
    expect(broker.unsettled).toBe(0);
    expect(fates.get('m1')?.fate).toBe('expired');
  });

  it('a stale receipt (received again since) deletes nothing, as in AWS', async () => {
    const { broker, message, fates, advance } = sqs({ visibilityTimeoutSeconds: 1 });
    broker.publish(message());
    const slow = broker.receive(0)!;
    await advance(1000);
    const fast = broker.receive(1)!;
    broker.ack(slow);
    expect(fates.size).toBe(0);
    broker.ack(fast);
    expect(fates.get('m1')?.fate).toBe('acked');
  });
});

describe('store model', () => {
  it('per-operation latency: a slower versioned write widens the race window, so more commands conflict', async () => {
    const { burstScenario } = await import('./support.js');
    const conflicts = async (compareAndSetCounter: number) => {
      const base = burstScenario({ offices: 6, maxDeliveries: 6, jitterMs: 4 });
      const scenario = { ...base, commands: [{ ...base.commands[0]!, spreadMs: 40 }], store: { ...base.store, operationLatencyMs: { compareAndSetCounter } } };
      let total = 0;
      for (let seed = 1; seed <= 20; seed++) total += (await runScenario(scenario, seed, { timeline: false })).offices.reduce((sum, r) => sum + r.conflicts, 0);
      return total;
    };
    expect(await conflicts(30)).toBeGreaterThan(await conflicts(0));
  });
});

describe('consumers and crashes', () => {
  it('Spring Retry backoff: initial × multiplier^(n−1), capped', () => {
    const retry = { maxAttempts: 5, initialIntervalMs: 1000, multiplier: 2, maxIntervalMs: 5000 };
    expect([1, 2, 3, 4].map((n) => backoffMs(retry, n))).toEqual([1000, 2000, 4000, 5000]);
  });

  it.each(HANDLER_STEPS)('a crash before step %s loses nothing and duplicates nothing once retried', async (step) => {
    const base = await loadScenario('scenarios/consumer-crash-mid-burst.yaml');
    const scenario = { ...base, faults: { crashes: [{ step, office: 'LDN' as const }] } };
    for (const seed of [1, 2]) {
      const result = await runScenario(scenario, seed, { timeline: true });
      expect(result.events.some((e) => e.kind === 'crash' && e.office === 'LDN')).toBe(true);
      expect(result.violations).toEqual([]);
      expect(result.stuck).toEqual([]);
    }
  });
});
