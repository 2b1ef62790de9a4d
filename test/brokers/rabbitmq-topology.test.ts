import { describe, expect, it } from 'vitest';
import type { RetryConfig } from '../../src/engine/broker.js';
import {
  actionFor,
  deadLetterHeaders,
  deadLetterOf,
  deliveryCountOf,
  replayHeaders,
  resolveNames,
  topologyOf,
} from '../../src/brokers/rabbitmq/topology.js';
import { describeMismatch, parseMismatch } from '../../src/brokers/rabbitmq/mismatch.js';

const budget: RetryConfig = { mode: 'budget', maxDeliveries: 3, delayMs: 100 };
const names = resolveNames();

describe('RabbitMQ topology rules (pure)', () => {
  it('defaults to the real system’s names', () => {
    expect(names).toEqual({
      exchange: 'esr.exchange',
      queue: 'esr.queue.appfilegenerationcommand',
      deadLetterExchange: 'esr.dlx',
      deadLetterQueue: 'esr.dlq',
      waitQueue: 'esr.queue.appfilegenerationcommand.wait',
    });
  });

  it('declares a wait queue only for the wait-queue mechanism, and no DLX at all for none', () => {
    expect(topologyOf(names, budget, 'wait-queue').queues.map((q) => q.name)).toEqual([names.queue, names.waitQueue, names.deadLetterQueue]);
    expect(topologyOf(names, budget, 'quorum-delivery-limit').queues.map((q) => q.name)).toEqual([names.queue, names.deadLetterQueue]);
    const none = topologyOf(names, { mode: 'none' }, 'wait-queue');
    expect(none.queues.find((q) => q.name === names.queue)?.arguments).toEqual({});
  });

  it('maps each disposition to an action per mechanism and delivery count', () => {
    expect(actionFor('ack', budget, 'wait-queue', 1)).toBe('ack');
    expect(actionFor('retry', budget, 'wait-queue', 1)).toBe('reject');
    expect(actionFor('retry', budget, 'wait-queue', 2)).toBe('reject');
    expect(actionFor('retry', budget, 'wait-queue', 3)).toBe('dead-letter');
    expect(actionFor('retry', budget, 'quorum-delivery-limit', 2)).toBe('requeue-after-delay');
    // The last allowed delivery: dead-lettered by the adapter, naming the last error.
    expect(actionFor('retry', budget, 'quorum-delivery-limit', 3)).toBe('dead-letter');
    expect(actionFor('dead-letter', budget, 'quorum-delivery-limit', 1)).toBe('dead-letter');
    expect(actionFor('retry', { mode: 'none' }, 'wait-queue', 1)).toBe('reject');
    expect(actionFor('dead-letter', { mode: 'none' }, 'wait-queue', 1)).toBe('reject');
  });

  it('counts deliveries from x-delivery-count first, else from the work queue’s rejected deaths', () => {
    expect(deliveryCountOf(undefined, 'q')).toBe(1);
    expect(deliveryCountOf({ 'x-delivery-count': 2 }, 'q')).toBe(3);
    const xDeath = [
      { queue: 'q.wait', reason: 'expired', count: 2 },
      { queue: 'q', reason: 'rejected', count: 2 },
      { queue: 'other', reason: 'rejected', count: 9 },
    ];
    expect(deliveryCountOf({ 'x-death': xDeath }, 'q')).toBe(3);
  });

  it('reads a dead letter: the adapter’s reason and deliveries first, the broker’s delivery_limit as the budget', () => {
    const own = deadLetterOf(
      { body: '{}', messageId: 'm', correlationId: 'c', headers: deadLetterHeaders({}, 'conflict: lost race', 3, 'q') },
      budget,
    );
    expect(own).toEqual({ messageId: 'm', body: '{}', correlationId: 'c', reason: 'conflict: lost race', deathCount: 3, sourceQueue: 'q' });
    const limited = deadLetterOf(
      { body: '{}', messageId: 'm', correlationId: undefined, headers: { 'x-death': [{ queue: 'q', reason: 'delivery_limit', count: 1 }] } },
      budget,
    );
    expect(limited).toMatchObject({ reason: 'delivery_limit', deathCount: 3, sourceQueue: 'q', correlationId: null });
  });

  it('a replayed message loses its death history (a fresh budget) and counts its replays', () => {
    const dead = deadLetterHeaders({ 'x-death': [], 'x-first-death-queue': 'q', keep: 'me' }, 'why', 3, 'q');
    const once = replayHeaders(dead);
    expect(once).toEqual({ keep: 'me', 'x-esr-replays': 1 });
    expect(replayHeaders(once)).toEqual({ keep: 'me', 'x-esr-replays': 2 });
  });

  it('reads both PRECONDITION_FAILED shapes RabbitMQ 3.10 sends (value vs value; value vs none)', () => {
    // Recorded from the broker here: a second declaration with another x-message-ttl, then one adding x-max-length.
    const changed = `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'q1' in vhost '/': received '7' but current is '5'"`;
    const added = `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'x-max-length' for queue 'q2' in vhost 'v': received the value '3' of type 'byte' but current is none"`;
    expect(parseMismatch(changed)).toEqual({ argument: 'x-message-ttl', queue: 'q1', vhost: '/', existing: '5', wanted: '7' });
    expect(parseMismatch(added)).toEqual({ argument: 'x-max-length', queue: 'q2', vhost: 'v', existing: null, wanted: '3' });
    expect(parseMismatch('NOT_FOUND - no queue')).toBeNull();
    expect(describeMismatch(parseMismatch(added)!)).toMatch(/queue 'q2' in vhost 'v' already exists and has no x-max-length; this configuration declares 3\. Fix: delete the queue/);
  });
});
