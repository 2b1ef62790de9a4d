import type { ExportCommand } from '../domain/command.js';
import type { Outcome } from './outcome.js';

/** One delivery of a command message, as the consumer sees it. */
export interface Delivery {
  /** The raw message body (JSON text of an ExportCommand, or garbage: the handler validates). */
  body: string;
  /** The command's id, carried by the message (AMQP message-id / an SQS message attribute): it survives replays. */
  messageId: string;
  correlationId: string | null;
  /** 1 on the first delivery; from x-delivery-count / x-death / ApproximateReceiveCount. */
  deliveryCount: number;
}

/** The consumer's handler: decides, never acks. The adapter carries out `dispositionOf(outcome)`. */
export type DeliveryHandler = (delivery: Delivery) => Promise<Outcome>;

export interface ConsumeOptions {
  /** Consumer processes sharing the queue inside this process. Default 1. */
  consumers?: number;
  /** Messages in flight per consumer (AMQP prefetch / SQS MaxNumberOfMessages). Default 1. */
  prefetch?: number;
  /** Stop by itself once no message has arrived for this long (demos, tests, one-shot runs). */
  stopWhenIdleMs?: number;
}

export interface Consumption {
  /** Finish in-flight messages, then stop consuming. */
  stop(): Promise<void>;
  /** Resolves when consumption has stopped (by `stop` or by idleness). */
  readonly stopped: Promise<void>;
}

export interface DeadLetter {
  messageId: string;
  body: string;
  correlationId: string | null;
  /** Why it was dead-lettered: 'rejected', 'expired', 'delivery_limit', 'maxReceiveCount', or the handler's reason. */
  reason: string;
  /** How many times it died (x-death count / receive count). */
  deathCount: number;
  /** Where it came from. */
  sourceQueue: string;
}

export interface ReplayOptions {
  /** First move every message to this holding queue (e.g. `esr.dlq.2023.09.01`), then replay from it. */
  holdingQueue?: string;
  /** Replay at most this many messages. */
  limit?: number;
}

export interface ReplayResult {
  replayed: number;
  heldIn: string | null;
}

/** The operators' shovel, made safe: a message leaves its queue only after its publish is confirmed. */
export interface DeadLetterQueue {
  list(limit?: number): Promise<DeadLetter[]>;
  show(messageId: string): Promise<DeadLetter | null>;
  replay(options?: ReplayOptions): Promise<ReplayResult>;
}

export interface Broker {
  readonly kind: 'memory' | 'rabbitmq' | 'sqs';
  /** Declares (or checks) the topology it relies on: queues, DLQ, retry mechanism. Idempotent. */
  setup(): Promise<void>;
  /** Resolves once the broker has confirmed the message. */
  publish(command: ExportCommand): Promise<void>;
  consume(handler: DeliveryHandler, options?: ConsumeOptions): Promise<Consumption>;
  readonly deadLetters: DeadLetterQueue;
  close(): Promise<void>;
}

/**
 * The retry a broker applies to a command whose handling failed retryably (a Counter conflict).
 * `none` replays 2021: the policy was lost, and a failed command is gone.
 * `budget`: at most `maxDeliveries` deliveries in all, `delayMs` apart, then the DLQ.
 */
export type RetryConfig = { mode: 'none' } | { mode: 'budget'; maxDeliveries: number; delayMs: number };
