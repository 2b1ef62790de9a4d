import type { OfficeCode } from '../../domain/offices.js';
import type { Scheduler } from '../scheduler.js';
import type { EventKind } from '../result.js';

/** One command message on the simulated broker (a duplicate or a replay is another message). */
export interface SimMessage {
  id: string;
  commandId: string;
  office: OfficeCode;
  batchKey: string;
  body: string;
  publishedAt: number;
  /** The message this one copies (duplicate delivery, DLQ replay). */
  copyOf: string | null;
}

/** A message handed to one consumer: settle it through the broker, once. */
export interface Receipt {
  message: SimMessage;
  /** 1 on the first delivery (x-delivery-count + 1, ApproximateReceiveCount). */
  deliveryCount: number;
  consumer: number;
  token: number;
}

/**
 * How a message ends. `acked` and `dead-lettered` are accounted for; the rest are losses:
 * `dropped` (rejected with no dead-letter exchange), `deleted-on-failure` (Spring Cloud AWS 2.x
 * without a redrive policy), `expired` (SQS retention ran out).
 */
export type Fate = 'acked' | 'dead-lettered' | 'dropped' | 'deleted-on-failure' | 'expired' | 'replayed';

/** What the consumer asks the broker to do with a failed delivery. */
export type FailureAction =
  /** RabbitMQ basic.nack/reject with requeue=true: back near the head, at once. */
  | 'requeue'
  /** RabbitMQ reject with requeue=false: to the dead-letter exchange, or dropped. */
  | 'reject'
  /** SQS: do not delete; it comes back when the visibility timeout ends. */
  | 'leave'
  /** SQS DeleteMessage although it failed (Spring Cloud AWS 2.x, no redrive policy). */
  | 'delete';

/** Where brokers and consumers report what happens: the timeline and the fate of each message. */
export interface Recorder {
  /** `detail` may be a function: built only when a timeline keeps it (a sweep keeps none). */
  event(kind: EventKind, office: OfficeCode | null, detail: string | (() => string), message?: SimMessage, delivery?: number): void;
  fate(message: SimMessage, fate: Fate, detail: string): void;
}

export interface SimBroker {
  readonly kind: 'rabbitmq' | 'sqs';
  /** Does a failed message have somewhere to go (a DLQ or a redrive policy)? Spring Cloud AWS asks this. */
  readonly hasDeadLetterTarget: boolean;
  /** A client publish: waits while the broker is blocked (memory alarm). */
  publish(message: SimMessage): void;
  receive(consumer: number): Receipt | null;
  /** Resolves when a receive may succeed (spurious wake-ups are fine). */
  waitForMessage(): Promise<void>;
  ack(receipt: Receipt): void;
  fail(receipt: Receipt, action: FailureAction, reason: string): void;
  /** The consumer holding it is gone (crash, lost process): the broker takes it back its own way. */
  release(receipt: Receipt): void;
  /** Publishers are blocked (memory high watermark) until this instant. */
  blockUntil(untilMs: number): void;
  /** Takes every message out of the DLQ (the shovel's first half). */
  drainDeadLetters(): SimMessage[];
  /** Messages neither settled nor in the DLQ. */
  readonly unsettled: number;
}

/** Wakes consumers waiting for a message; shared by both broker models. */
export class Waiters {
  private waiting: (() => void)[] = [];
  /** Instants a wake-up is already scheduled for: one event per instant, however many ask. */
  private readonly scheduled = new Set<number>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly latencyMs: number,
  ) {}

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Wakes whoever is waiting then, after the delivery latency (or at `atMs`). */
  wake(atMs?: number): void {
    if (this.waiting.length === 0) return;
    const at = Math.max(atMs ?? this.scheduler.now() + this.latencyMs, this.scheduler.now());
    if (this.scheduled.has(at)) return;
    this.scheduled.add(at);
    this.scheduler.at(at, 'broker.wake', () => {
      this.scheduled.delete(at);
      const waiting = this.waiting;
      this.waiting = [];
      for (const resolve of waiting) resolve();
    });
  }
}
