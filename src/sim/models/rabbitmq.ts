import { countsTowardsDeliveryLimit, defaultDeliveryLimit, isPastDeliveryLimit, type Settlement } from '../../semantics/rabbitmq/versions.js';
import type { Scheduler } from '../scheduler.js';
import type { RabbitBrokerSpec } from '../scenario-types.js';
import { Waiters, type FailureAction, type Receipt, type Recorder, type SimBroker, type SimMessage } from './broker.js';


interface Entry {
  message: SimMessage;
  /** Deliveries so far. */
  deliveries: number;
  /** Quorum x-delivery-count: how many times it came back to the queue unacknowledged. */
  returns: number;
  /** x-death count for the work queue (dead-lettered into the wait queue). */
  deaths: number;
}

/** The effective delivery limit: quorum only, from the arguments/policy or the version's default. */
export function effectiveDeliveryLimit(spec: RabbitBrokerSpec): number | null {
  if ((spec.queueType ?? 'classic') !== 'quorum') return null;
  if (spec.deliveryLimit !== undefined) return spec.deliveryLimit;
  const byDefault = defaultDeliveryLimit(spec.version);
  return byDefault === 'unknown' ? null : byDefault;
}

/**
 * One work queue with its retry topology, as RabbitMQ treats it:
 * - requeue (nack/reject requeue=true, or the channel closing) puts a message back at the head;
 *   a quorum queue counts it and dead-letters past the delivery limit;
 * - reject without requeue dead-letters to the DLX (the wait queue, or the DLQ), or drops the
 *   message when there is none — silently, which is how commands vanished in 2021;
 * - a wait queue holds a message for its TTL, then its own DLX routes it back to the tail.
 * Dead-lettering is the broker's own work: a memory alarm blocks client publishes only.
 */
export class RabbitMqModel implements SimBroker {
  readonly kind = 'rabbitmq' as const;
  private ready: Entry[] = [];
  private readonly unacked = new Map<number, Entry>();
  private readonly deadLetters: SimMessage[] = [];
  private readonly waiters: Waiters;
  private readonly deliveryLimit: number | null;
  private blockedUntil = -Infinity;
  private nextToken = 1;
  private waiting = 0;

  constructor(
    private readonly spec: RabbitBrokerSpec,
    private readonly scheduler: Scheduler,
    private readonly recorder: Recorder,
  ) {
    this.waiters = new Waiters(scheduler, spec.deliveryLatencyMs ?? 1);
    this.deliveryLimit = effectiveDeliveryLimit(spec);
  }

  get hasDeadLetterTarget(): boolean {
    return this.spec.deadLetterQueue === true || this.spec.waitQueue !== undefined;
  }

  get unsettled(): number {
    return this.ready.length + this.unacked.size + this.waiting;
  }

  publish(message: SimMessage): void {
    if (this.scheduler.now() < this.blockedUntil) {
      this.recorder.event('blocked', message.office, `publish blocked by a memory alarm until +${this.blockedUntil}`, message);
      this.waiting++;
      this.scheduler.at(this.blockedUntil, 'rabbitmq.unblock', () => {
        this.waiting--;
        this.publish(message);
      });
      return;
    }
    this.enqueue({ message, deliveries: 0, returns: 0, deaths: 0 }, 'tail');
  }

  private enqueue(entry: Entry, where: 'head' | 'tail'): void {
    if (where === 'head') this.ready.unshift(entry);
    else this.ready.push(entry);
    this.waiters.wake();
  }

  receive(consumer: number): Receipt | null {
    const entry = this.ready.shift();
    if (!entry) return null;
    entry.deliveries++;
    const token = this.nextToken++;
    this.unacked.set(token, entry);
    return { message: entry.message, deliveryCount: entry.deliveries, consumer, token };
  }

  waitForMessage(): Promise<void> {
    return this.waiters.wait();
  }

  private take(receipt: Receipt): Entry | null {
    const entry = this.unacked.get(receipt.token);
    if (!entry) return null; // already taken back (the consumer's channel closed first)
    this.unacked.delete(receipt.token);
    return entry;
  }

  ack(receipt: Receipt): void {
    const entry = this.take(receipt);
    if (entry) this.recorder.fate(entry.message, 'acked', `acked after ${entry.deliveries} delivery(ies)`);
  }

  fail(receipt: Receipt, action: FailureAction, reason: string): void {
    const entry = this.take(receipt);
    if (!entry) return;
    // A consumer's requeue is Spring AMQP's basic.nack(multiple, requeue=true).
    if (action === 'requeue') this.requeue(entry, 'nack', `requeued: ${reason}`);
    else this.reject(entry, reason);
  }

  release(receipt: Receipt): void {
    const entry = this.take(receipt);
    if (entry) this.requeue(entry, 'returned', 'channel closed with the message unacknowledged: requeued');
  }

  /** Back at the head; the quorum count grows only for the settlements the version counts (4.3+: reject only). */
  private requeue(entry: Entry, settlement: Settlement, detail: string): void {
    if (countsTowardsDeliveryLimit(this.spec.version, settlement)) entry.returns++;
    if (this.deliveryLimit !== null && isPastDeliveryLimit(entry.returns, this.deliveryLimit)) {
      this.deadLetter(entry, `delivery limit ${this.deliveryLimit} exceeded (x-delivery-count ${entry.returns})`);
      return;
    }
    this.recorder.event('requeue', entry.message.office, detail, entry.message, entry.deliveries);
    this.enqueue(entry, 'head');
  }

  private reject(entry: Entry, reason: string): void {
    const wait = this.spec.waitQueue;
    if (wait && entry.deliveries < wait.maxDeliveries) {
      entry.deaths++;
      const deaths = entry.deaths;
      this.recorder.event('retry', entry.message.office, () => `to the wait queue for ${wait.ttlMs} ms (x-death count ${deaths}): ${reason}`, entry.message, entry.deliveries);
      this.waiting++;
      this.scheduler.after(wait.ttlMs, 'rabbitmq.ttl-expired', () => {
        this.waiting--;
        this.enqueue(entry, 'tail');
      });
      return;
    }
    const why = wait ? `retries exhausted after ${entry.deliveries} deliveries: ${reason}` : `rejected without requeue: ${reason}`;
    this.deadLetter(entry, why);
  }

  private deadLetter(entry: Entry, why: string): void {
    if (this.spec.deadLetterQueue || this.spec.waitQueue) {
      this.deadLetters.push(entry.message);
      this.recorder.event('dead-letter', entry.message.office, `to the DLQ: ${why}`, entry.message, entry.deliveries);
      this.recorder.fate(entry.message, 'dead-lettered', why);
    } else {
      this.recorder.event('dropped', entry.message.office, `dropped (no dead-letter exchange): ${why}`, entry.message, entry.deliveries);
      this.recorder.fate(entry.message, 'dropped', `dropped by the broker, no dead-letter exchange: ${why}`);
    }
  }

  blockUntil(untilMs: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, untilMs);
  }

  drainDeadLetters(): SimMessage[] {
    return this.deadLetters.splice(0);
  }
}
