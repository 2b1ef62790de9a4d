/**
 * A queue that already exists with other x-arguments than the ones declared: RabbitMQ closes the
 * channel with PRECONDITION_FAILED and names one argument. This reads that message (its shape, from
 * RabbitMQ 3.10: test/brokers/rabbitmq-topology.test.ts) so the operator is told what differs and how to fix it.
 */
import { OperatingError } from '../../errors.js';

export interface ArgumentMismatch {
  argument: string;
  queue: string;
  vhost: string;
  /** The queue's current value; null when the queue has no such argument. */
  existing: string | null;
  /** The value this configuration declares; null when it declares none. */
  wanted: string | null;
}

// inequivalent arg 'x-delivery-limit' for queue 'q' in vhost 'v': received '19' but current is '4'
// … received the value '3' of type 'byte' but current is none
const INEQUIVALENT =
  /inequivalent arg '([^']+)' for queue '([^']*)' in vhost '([^']*)': received (?:the value )?(?:'([^']*)'|none)(?: of type '[^']*')? but current is (?:the value )?(?:'([^']*)'|none)/;

export function parseMismatch(message: string): ArgumentMismatch | null {
  const match = INEQUIVALENT.exec(message);
  if (!match) return null;
  const [, argument, queue, vhost, wanted, existing] = match;
  return { argument: argument!, queue: queue!, vhost: vhost!, existing: existing ?? null, wanted: wanted ?? null };
}

export function describeMismatch(mismatch: ArgumentMismatch): string {
  const { argument, queue, vhost, existing, wanted } = mismatch;
  const has = existing === null ? `has no ${argument}` : `has ${argument} = ${existing}`;
  const wants = wanted === null ? `this configuration declares none` : `this configuration declares ${wanted}`;
  return (
    `queue '${queue}' in vhost '${vhost}' already exists and ${has}; ${wants}. ` +
    `Fix: delete the queue (rabbitmqctl delete_queue -p '${vhost}' '${queue}'; move its messages first) or use the existing value`
  );
}

/** The broker refused the topology (a queue exists with other x-arguments: PRECONDITION_FAILED 406). */
export class BrokerTopologyError extends OperatingError {}

/** A queue exists with another value of one x-argument than the one declared: what differs, and how to fix it. */
export class QueueMismatchError extends BrokerTopologyError {
  constructor(
    readonly mismatch: ArgumentMismatch,
    options: { cause?: unknown } = {},
  ) {
    super(describeMismatch(mismatch), options);
  }
}
