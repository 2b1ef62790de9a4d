import type { Provenance, QueueSettings, Setting } from '../sources/queue-settings.js';

/** A count of deliveries or attempts; 'unlimited' when nothing bounds it; null when unknown until apply. */
export type Count = number | 'unlimited';

export interface Effective<T> {
  value: T | null;
  unknown: boolean;
  /** Why the value is what it is, for messages ("broker default of RabbitMQ 4.x quorum queues"). */
  because: string;
  from: Provenance;
}

export function describeProvenance(from: Provenance): string {
  const where = from.file ? ` ${from.file}${from.line === undefined ? '' : `:${from.line}`}` : '';
  const origin = from.origin === from.source ? '' : ` ${from.origin}`;
  return `${from.source}${origin}${from.detail ? ` '${from.detail}'` : ''}${where}`;
}

/**
 * Deliveries the broker allows before dead-lettering. The version and queue-type defaults were
 * applied by the source (src/semantics); what is left absent means nothing bounds them.
 */
export function brokerDeliveries(queue: QueueSettings): Effective<Count> {
  const setting = queue.maxDeliveries;
  if (setting.unknown) return { value: null, unknown: true, because: setting.from.detail ?? 'known only after apply', from: setting.from };
  if (setting.value !== null) return { value: setting.value, unknown: false, because: describeProvenance(setting.from), from: setting.from };
  const why =
    queue.broker === 'sqs'
      ? 'no RedrivePolicy: SQS redelivers until retention expires'
      : `no delivery limit (${queue.queueType} queue${queue.brokerVersion ? `, RabbitMQ ${queue.brokerVersion}` : ''})`;
  return { value: 'unlimited', unknown: false, because: why, from: setting.from };
}

function times(a: Count, b: Count): Count {
  return a === 'unlimited' || b === 'unlimited' ? 'unlimited' : a * b;
}

/**
 * Attempts a failing message gets before it leaves the queue (`waitQueue`: its dead-letters go to
 * that wait queue, which routes them back), the broker's deliveries combined
 * with the consumer's own retry: a consumer that rejects without requeue (Spring listener retry
 * exhausted) or that deletes a failed message (Spring Cloud AWS without a RedrivePolicy) ends it
 * after one delivery, whatever the broker would allow.
 */
export function effectiveAttempts(queue: QueueSettings, waitQueue?: string): Effective<Count> {
  const broker = brokerDeliveries(queue);
  if (waitQueue !== undefined && !broker.unknown) {
    // Dead-lettering into a wait queue that routes back is a new enqueue: the broker counts nothing.
    return {
      value: 'unlimited',
      unknown: false,
      because: `a rejected message cycles through wait queue ${waitQueue} and back; no broker setting bounds the cycle (a consumer counting x-death is invisible to policy-check)`,
      from: queue.deadLetterTarget.from,
    };
  }
  const consumer = queue.consumer;
  if (!consumer || broker.unknown || broker.value === null) return broker;
  const perDelivery = consumer.enabled ? consumer.maxAttempts : 1;
  const hasRedrive = queue.deadLetterTarget.value !== null;
  const endsAfterOneDelivery =
    queue.broker === 'sqs' ? consumer.deletesOnFailureWithoutRedrive && !hasRedrive : !consumer.requeueRejected;
  const deliveries: Count = endsAfterOneDelivery ? 1 : broker.value;
  const because = endsAfterOneDelivery
    ? `${perDelivery} consumer attempt(s), then the consumer ${queue.broker === 'sqs' ? 'deletes the message' : 'rejects without requeue'}`
    : `${perDelivery} consumer attempt(s) × ${String(broker.value)} deliveries (${broker.because})`;
  return { value: times(perDelivery, deliveries), unknown: false, because, from: consumer.from };
}

/** Seconds between attempts: the broker's delay (wait-queue TTL, DelaySeconds) or the consumer's back-off, whichever is longer. */
export function effectiveRetryDelay(queue: QueueSettings): Effective<number> {
  const setting: Setting<number> = queue.retryDelaySeconds;
  const consumer = queue.consumer;
  const consumerDelay = consumer?.enabled && consumer.maxAttempts > 1 ? consumer.initialIntervalMs / 1000 : 0;
  if (setting.unknown && consumerDelay === 0) return { value: null, unknown: true, because: 'known only after apply', from: setting.from };
  const brokerDelay = setting.value ?? 0;
  if (consumer && consumerDelay > brokerDelay) {
    return { value: consumerDelay, unknown: false, because: `consumer back-off initial interval (${describeProvenance(consumer.from)})`, from: consumer.from };
  }
  const because = setting.value === null ? 'no delay configured' : describeProvenance(setting.from);
  return { value: brokerDelay, unknown: false, because, from: setting.from };
}

export function formatCount(count: Count | null): string {
  return count === null ? 'unknown' : String(count);
}
