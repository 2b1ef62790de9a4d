import { describe, expect, it } from 'vitest';
import { consumerRetry } from '../../src/evaluate/checks/consumer-retry.js';
import { deadLetterPath, deadLetterQueue } from '../../src/evaluate/checks/dead-letter.js';
import { retryBudget } from '../../src/evaluate/checks/retry-budget.js';
import { retryDelay } from '../../src/evaluate/checks/retry-delay.js';
import { visibilityTimeout } from '../../src/evaluate/checks/visibility-timeout.js';
import type { DeadLetterTarget, QueueSettings } from '../../src/sources/queue-settings.js';
import { consumer, rabbitQueue, setting, sqsDlq, sqsQueue, unknown } from './fixtures.js';

const budget = { minDeliveries: 13, maxDeliveries: 100, severity: 'error' as const };
type Row = [string, QueueSettings, 'pass' | 'fail' | 'error' | null, RegExp?];

describe('retryBudget: bounded both ways, consumer- and version-aware', () => {
  const rows: Row[] = [
    ['quorum queue with delivery-limit 20 (21 deliveries)', rabbitQueue(), 'pass'],
    ['too few deliveries: the 2021 burst is lost', rabbitQueue({ maxDeliveries: setting<number | 'unlimited'>(3) }), 'fail', /only 3 attempt/],
    ['no bound: poison loop', rabbitQueue({ maxDeliveries: setting<number | 'unlimited'>('unlimited', 'broker-default', 'classic') }), 'fail', /loops forever/],
    ['too many deliveries', rabbitQueue({ maxDeliveries: setting<number | 'unlimited'>(500) }), 'fail', /exceed the maximum/],
    ['RabbitMQ 3.x quorum without a limit is unbounded', rabbitQueue({ brokerVersion: '3.13.7', maxDeliveries: setting<number | 'unlimited'>(null, 'broker-default') }), 'fail', /loops forever/],
    ['consumer rejecting without requeue after 3 attempts caps it at 3', rabbitQueue({ consumer: consumer({ maxAttempts: 3 }) }), 'fail', /only 3/],
    ['consumer with 15 attempts then reject', rabbitQueue({ maxDeliveries: setting<number | 'unlimited'>('unlimited'), consumer: consumer() }), 'pass'],
    ['consumer that requeues multiplies with the broker limit', rabbitQueue({ consumer: consumer({ maxAttempts: 3, requeueRejected: true }) }), 'pass'],
    ['SQS consumer deleting without redrive: one attempt', sqsQueue({ deadLetterTarget: setting<DeadLetterTarget>(null, 'broker-default'), maxDeliveries: setting<number | 'unlimited'>(null), consumer: consumer({ enabled: false, deletesOnFailureWithoutRedrive: true }) }), 'fail', /only 1/],
    ['unknown until apply fails closed', sqsQueue({ maxDeliveries: unknown() }), 'error', /unknown/],
    ['a dead-letter queue is not checked', sqsDlq(), null],
  ];
  it.each(rows)('%s', (_name, queue, status, message) => {
    const verdict = retryBudget(queue, budget, { queues: [] });
    expect(verdict?.status ?? null).toBe(status);
    if (message) expect(verdict?.message).toMatch(message);
  });
});

describe('retryBudget: the delayed-retry cycle through a wait queue', () => {
  const wait = rabbitQueue({ name: 'esr.queue.appfilegenerationcommand.wait', role: 'wait', messageTtlSeconds: setting(10) });
  const work = rabbitQueue({
    queueType: 'classic',
    maxDeliveries: setting<number | 'unlimited'>('unlimited', 'broker-default'),
    deadLetterTarget: setting({ kind: 'exchange' as const, name: 'esr.dlx', resolvedQueues: [wait.name] }),
    consumer: consumer({ maxAttempts: 1, enabled: false }),
  });

  it('is unbounded as far as any broker setting shows, even with a consumer that rejects', () => {
    const verdict = retryBudget(work, budget, { queues: [work, wait] });
    expect(verdict?.status).toBe('fail');
    expect(verdict?.actual).toMatch(/cycles through wait queue esr\.queue\.appfilegenerationcommand\.wait/);
  });

  it('without the wait queue, a rejecting consumer ends the message after one delivery', () => {
    expect(retryBudget(work, budget, { queues: [work] })?.message).toMatch(/only 1 attempt/);
  });
});

describe('retryDelay', () => {
  const rows: Row[] = [
    ['wait-queue TTL of 5 s', rabbitQueue(), 'pass'],
    ['immediate requeue', rabbitQueue({ retryDelaySeconds: setting<number>(null, 'broker-default') }), 'fail', /redelivered at once/],
    ['consumer back-off counts', rabbitQueue({ retryDelaySeconds: setting<number>(null, 'broker-default'), consumer: consumer({ initialIntervalMs: 2000 }) }), 'pass'],
    ['unknown until apply', sqsQueue({ retryDelaySeconds: unknown() }), 'error'],
  ];
  it.each(rows)('%s', (_name, queue, status, message) => {
    const verdict = retryDelay(queue, { minSeconds: 1, severity: 'warning' }, { queues: [] });
    expect(verdict?.status ?? null).toBe(status);
    if (message) expect(verdict?.message).toMatch(message);
  });
});

describe('ESR-DLQ-001 deadLetterPath: a dead-letter target that exists and routes', () => {
  const rows: [string, QueueSettings, QueueSettings[], 'pass' | 'fail' | 'error' | null, RegExp?][] = [
    ['DLX routing to esr.dlq', rabbitQueue(), [], 'pass'],
    ['no DLX: dropped silently', rabbitQueue({ deadLetterTarget: setting<DeadLetterTarget>(null, 'broker-default') }), [], 'fail', /dropped silently/],
    ['DLX that routes nowhere', rabbitQueue({ deadLetterTarget: setting({ kind: 'exchange' as const, name: 'esr.dlx', resolvedQueues: [] }) }), [], 'fail', /routes to no queue/],
    ['DLX whose routes are not reported', rabbitQueue({ deadLetterTarget: setting({ kind: 'exchange' as const, name: 'esr.dlx' }) }), [], 'error'],
    ['a dead-letter queue needs no DLQ', rabbitQueue({ role: 'dead-letter', deadLetterTarget: setting<DeadLetterTarget>(null) }), [], null],
    ['SQS DLQ present', sqsQueue(), [sqsDlq()], 'pass'],
    ['SQS DLQ missing', sqsQueue(), [], 'fail', /does not exist/],
    ['SQS without redrive', sqsQueue({ deadLetterTarget: setting<DeadLetterTarget>(null, 'broker-default') }), [], 'fail', /until retention/],
  ];
  it.each(rows)('%s', (_name, queue, others, status, message) => {
    const verdict = deadLetterPath(queue, { required: true, severity: 'error' }, { queues: [queue, ...others] });
    expect(verdict?.status ?? null).toBe(status);
    if (message) expect(verdict?.message).toMatch(message);
  });

  it('is not applied when the policy does not require it', () => {
    expect(deadLetterPath(rabbitQueue({ deadLetterTarget: setting<DeadLetterTarget>(null) }), { required: false, severity: 'error' }, { queues: [] })).toBeNull();
  });
});

describe('ESR-DLQ-002 deadLetterQueue: the DLQ keeps what reaches it', () => {
  const expiringDlq = rabbitQueue({ name: 'esr.dlq', id: '//esr.dlq', role: 'dead-letter', deadLetterTarget: setting<DeadLetterTarget>(null), messageTtlSeconds: setting(60, 'policy', 'dlq-ttl') });
  const rows: [string, QueueSettings, QueueSettings[], 'pass' | 'fail' | 'error' | null, RegExp?][] = [
    ['SQS DLQ same type, longer retention', sqsQueue(), [sqsDlq()], 'pass'],
    ['SQS DLQ of another type', sqsQueue(), [sqsDlq({ queueType: 'fifo' })], 'fail', /same type/],
    ['SQS DLQ retention not longer', sqsQueue(), [sqsDlq({ retentionSeconds: setting(345_600) })], 'fail', /expire/],
    ['SQS DLQ of another type and too short: both problems in one finding', sqsQueue(), [sqsDlq({ queueType: 'fifo', retentionSeconds: setting(60) })], 'fail', /same type.*; .*expire/],
    ['no DLQ to judge: ESR-DLQ-001 says so', sqsQueue(), [], null],
    ['RabbitMQ DLQ without TTL', rabbitQueue(), [rabbitQueue({ name: 'esr.dlq', id: '//esr.dlq', role: 'dead-letter', deadLetterTarget: setting<DeadLetterTarget>(null) })], 'pass'],
    ['RabbitMQ DLQ that expires its messages', rabbitQueue(), [expiringDlq], 'fail', /expire/],
    ['an expiring queue of the same name in another vhost is not this DLQ', rabbitQueue(), [rabbitQueue({ name: 'esr.dlq', id: 'other/esr.dlq', vhost: 'other', role: 'dead-letter', deadLetterTarget: setting<DeadLetterTarget>(null) }), { ...expiringDlq, vhost: 'elsewhere', id: 'elsewhere/esr.dlq' }, rabbitQueue({ name: 'esr.dlq', id: '//esr.dlq', role: 'dead-letter', deadLetterTarget: setting<DeadLetterTarget>(null) })], 'pass'],
  ];
  it.each(rows)('%s', (_name, queue, others, status, message) => {
    const verdict = deadLetterQueue(queue, { required: true, severity: 'error' }, { queues: [queue, ...others] });
    expect(verdict?.status ?? null).toBe(status);
    if (message) expect(verdict?.message).toMatch(message);
  });
});

describe('visibilityTimeout: a plain minSeconds', () => {
  it.each([
    [{ minSeconds: 100 }, 'pass'],
    [{ minSeconds: 121 }, 'fail'],
    [{ minSeconds: 100, minHandlerTimeMultiple: 13, handlerTimeSeconds: 10 }, 'fail'],
  ] as const)('%j on a 120 s queue: %s', (config, status) => {
    expect(visibilityTimeout(sqsQueue(), { ...config, severity: 'error' }, { queues: [] })?.status).toBe(status);
  });
});

describe('visibilityTimeout: SQS only', () => {
  const config = { minHandlerTimeMultiple: 6, handlerTimeSeconds: 10, severity: 'error' as const };
  const rows: Row[] = [
    ['120 s ≥ 6 × 10 s', sqsQueue(), 'pass'],
    ['SQS default 30 s is too short', sqsQueue({ visibilityTimeoutSeconds: setting<number>(null, 'broker-default') }), 'fail', /another consumer/],
    ['RabbitMQ has none', rabbitQueue(), null],
  ];
  it.each(rows)('%s', (_name, queue, status, message) => {
    const verdict = visibilityTimeout(queue, config, { queues: [] });
    expect(verdict?.status ?? null).toBe(status);
    if (message) expect(verdict?.message).toMatch(message);
  });
});

describe('consumerRetry', () => {
  const rows: [string, QueueSettings, Parameters<typeof consumerRetry>[1], 'pass' | 'fail' | 'error' | null, RegExp?][] = [
    ['rejects to a DLX', rabbitQueue({ consumer: consumer() }), { severity: 'error' }, 'pass'],
    ['rejects without DLX: dropped (the 2021 non-requeueing consumer)', rabbitQueue({ consumer: consumer(), deadLetterTarget: setting<DeadLetterTarget>(null) }), { severity: 'error' }, 'fail', /dropped/],
    ['Spring Cloud AWS deletes without redrive', sqsQueue({ consumer: consumer({ deletesOnFailureWithoutRedrive: true }), deadLetterTarget: setting<DeadLetterTarget>(null) }), { severity: 'error' }, 'fail', /every failure is a loss/],
    ['requeue setting differs', rabbitQueue({ consumer: consumer() }), { requeueRejected: true, severity: 'error' }, 'fail', /requeueRejected/],
    ['too few consumer attempts', rabbitQueue({ consumer: consumer({ enabled: false }) }), { maxAttempts: 3, severity: 'error' }, 'fail', /1 attempt/],
    ['consumer config not bound', rabbitQueue(), { severity: 'error' }, 'error', /consumerConfig/],
  ];
  it.each(rows)('%s', (_name, queue, config, status, message) => {
    const verdict = consumerRetry(queue, config, { queues: [] });
    expect(verdict?.status ?? null).toBe(status);
    if (message) expect(verdict?.message).toMatch(message);
  });
});
