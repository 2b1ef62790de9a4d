/**
 * The RabbitMQ retry topology and the rules that read it, as pure functions: which queues with
 * which x-arguments each retry mechanism needs, and what a delivery's headers say about its past.
 * Every rule here was established against a real RabbitMQ 3.10.8 (see docs/rabbitmq.md and
 * test/brokers/rabbitmq.test.ts, "rules established against the broker").
 */
import type { Disposition } from '../../engine/outcome.js';
import { deliveryLimitFor } from '../../semantics/rabbitmq/versions.js';
import type { DeadLetter, RetryConfig } from '../../engine/broker.js';

export type RetryMechanism = 'quorum-delivery-limit' | 'wait-queue';

export interface RabbitMqNames {
  /** Direct exchange the commands are published to (routing key = the work queue's name). */
  exchange: string;
  /** The work queue the export service consumes. */
  queue: string;
  /** Direct exchange dead-lettered messages go to (routing key = the destination queue's name). */
  deadLetterExchange: string;
  deadLetterQueue: string;
  /** `wait-queue` only: where a failed command waits `delayMs` before it goes back to the work queue. */
  waitQueue: string;
}

/** The real system's names (the exporter's command queue and the monitored DLQ). */
export function resolveNames(names: Partial<RabbitMqNames> = {}): RabbitMqNames {
  const queue = names.queue ?? 'esr.queue.appfilegenerationcommand';
  return {
    exchange: names.exchange ?? 'esr.exchange',
    queue,
    deadLetterExchange: names.deadLetterExchange ?? 'esr.dlx',
    deadLetterQueue: names.deadLetterQueue ?? 'esr.dlq',
    waitQueue: names.waitQueue ?? `${queue}.wait`,
  };
}

export interface QueueDeclaration {
  name: string;
  arguments: Record<string, string | number>;
  /** Exchange → this queue, with the queue's own name as routing key. */
  boundTo: string;
}

export interface Topology {
  exchanges: string[];
  queues: QueueDeclaration[];
}

export { deliveryLimitFor };

/** The queues, exchanges and x-arguments a retry configuration relies on. */
export function topologyOf(names: RabbitMqNames, retry: RetryConfig, mechanism: RetryMechanism): Topology {
  const exchanges = [names.exchange, names.deadLetterExchange];
  const deadLetterQueue: QueueDeclaration = { name: names.deadLetterQueue, arguments: {}, boundTo: names.deadLetterExchange };
  if (retry.mode === 'none') {
    // 2021: the work queue lost its retry policy and has no dead-letter exchange; the DLQ exists but nothing reaches it.
    return { exchanges, queues: [{ name: names.queue, arguments: {}, boundTo: names.exchange }, deadLetterQueue] };
  }
  if (mechanism === 'quorum-delivery-limit') {
    const work: QueueDeclaration = {
      name: names.queue,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': deliveryLimitFor(retry.maxDeliveries),
        'x-dead-letter-exchange': names.deadLetterExchange,
        'x-dead-letter-routing-key': names.deadLetterQueue,
      },
      boundTo: names.exchange,
    };
    return { exchanges, queues: [work, deadLetterQueue] };
  }
  const work: QueueDeclaration = {
    name: names.queue,
    // A rejected command goes to the wait queue, not to the DLQ: the consumer sends it to the DLQ itself once the budget is spent.
    arguments: { 'x-dead-letter-exchange': names.deadLetterExchange, 'x-dead-letter-routing-key': names.waitQueue },
    boundTo: names.exchange,
  };
  const wait: QueueDeclaration = {
    name: names.waitQueue,
    arguments: {
      'x-message-ttl': retry.delayMs,
      'x-dead-letter-exchange': names.exchange,
      'x-dead-letter-routing-key': names.queue,
    },
    boundTo: names.deadLetterExchange,
  };
  return { exchanges, queues: [work, wait, deadLetterQueue] };
}

/** Headers this adapter writes on a message it dead-letters itself (the broker's own are `x-death`). */
export const ESR_HEADERS = {
  reason: 'x-esr-reason',
  deliveries: 'x-esr-deliveries',
  sourceQueue: 'x-esr-source-queue',
  replays: 'x-esr-replays',
} as const;

export type Headers = Record<string, unknown>;

/** One `x-death` entry: the broker keeps one per (queue, reason), most recent first, with a count. */
export interface DeathRecord {
  queue: string;
  reason: string;
  count: number;
}

export function deathsOf(headers: Headers | undefined): DeathRecord[] {
  const raw = headers?.['x-death'];
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { queue, reason, count } = entry as Record<string, unknown>;
    return typeof queue === 'string' && typeof reason === 'string' ? [{ queue, reason, count: toNumber(count) ?? 1 }] : [];
  });
}

/**
 * 1 on the first delivery. A quorum queue adds `x-delivery-count` (previous deliveries) from the
 * second delivery on; with a wait queue, each earlier failure left an `x-death` (work queue, rejected).
 * A redelivery after a lost connection counts on a quorum queue but not with a wait queue.
 */
export function deliveryCountOf(headers: Headers | undefined, workQueue: string): number {
  const counted = toNumber(headers?.['x-delivery-count']);
  if (counted !== null) return counted + 1;
  const rejected = deathsOf(headers).find((death) => death.queue === workQueue && death.reason === 'rejected');
  return (rejected?.count ?? 0) + 1;
}

/** What the consumer does with a delivery, once the handler has decided. */
export type Action =
  | 'ack'
  /** nack without requeue: to the work queue's DLX (the wait queue), or dropped when it has none (`none`). */
  | 'reject'
  /** quorum: wait `delayMs`, then nack with requeue; the broker dead-letters past the delivery limit. */
  | 'requeue-after-delay'
  /** publish to the DLQ (confirmed), then ack. */
  | 'dead-letter';

export function actionFor(disposition: Disposition, retry: RetryConfig, mechanism: RetryMechanism, deliveryCount: number): Action {
  if (disposition === 'ack') return 'ack';
  if (retry.mode === 'none') return 'reject';
  if (disposition === 'dead-letter') return 'dead-letter';
  if (deliveryCount >= retry.maxDeliveries) return 'dead-letter'; // with the last error as its reason
  return mechanism === 'quorum-delivery-limit' ? 'requeue-after-delay' : 'reject';
}

/**
 * Headers for a message this adapter dead-letters itself: the broker's history, plus why and after how
 * many deliveries. Not the quorum queue's `x-delivery-count`: a copy carrying it would start its next
 * life (a replay) with the old count, as the broker's own dead-lettering never does.
 */
export function deadLetterHeaders(headers: Headers | undefined, reason: string, deliveries: number, sourceQueue: string): Headers {
  const { 'x-delivery-count': _counted, ...kept } = headers ?? {};
  return { ...kept, [ESR_HEADERS.reason]: reason, [ESR_HEADERS.deliveries]: deliveries, [ESR_HEADERS.sourceQueue]: sourceQueue };
}

/** A replayed command starts afresh: its death history is dropped (else it would go straight back), the replay is counted. */
export function replayHeaders(headers: Headers | undefined): Headers {
  const kept = Object.entries(headers ?? {}).filter(
    ([name]) => name !== 'x-death' && name !== 'x-delivery-count' && !name.startsWith('x-first-death-') && !name.startsWith('x-last-death-') && !name.startsWith('x-esr-'),
  );
  const replays = (toNumber(headers?.[ESR_HEADERS.replays]) ?? 0) + 1;
  return { ...Object.fromEntries(kept), [ESR_HEADERS.replays]: replays };
}

export interface DeadMessage {
  body: string;
  messageId: string | undefined;
  correlationId: string | undefined;
  headers: Headers | undefined;
}

/**
 * Reads a DLQ message. Why: the adapter's own reason, else the broker's last death reason. How many
 * deaths: the deliveries the adapter recorded; for `delivery_limit` the broker drops `x-delivery-count`,
 * so it is the configured budget; otherwise the broker's count for the last death.
 */
export function deadLetterOf(message: DeadMessage, retry: RetryConfig): DeadLetter {
  const [lastDeath] = deathsOf(message.headers);
  const headers = message.headers ?? {};
  const recorded = toNumber(headers[ESR_HEADERS.deliveries]);
  const budget = retry.mode === 'budget' && lastDeath?.reason === 'delivery_limit' ? retry.maxDeliveries : null;
  return {
    messageId: message.messageId ?? '',
    body: message.body,
    correlationId: message.correlationId ?? null,
    reason: stringOr(headers[ESR_HEADERS.reason], lastDeath?.reason ?? 'unknown'),
    deathCount: recorded ?? budget ?? lastDeath?.count ?? 0,
    sourceQueue: stringOr(headers[ESR_HEADERS.sourceQueue], stringOr(headers['x-first-death-queue'], lastDeath?.queue ?? '')),
  };
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  // amqplib may decode a long as { '!': 'long', value } depending on the encoder.
  if (typeof value === 'object' && value !== null && 'value' in value) return toNumber((value as { value: unknown }).value);
  return null;
}

function stringOr(value: unknown, fallback: string): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return fallback;
}
