/**
 * What every broker adapter does the same way around the handler, written once: a handler that
 * throws is a retry (never a lost command), and a consumption can stop by itself once idle.
 */
import type { Delivery, DeliveryHandler } from './broker.js';
import type { Clock } from './clock.js';
import { describeOutcome, type Outcome } from './outcome.js';

/**
 * Why a command whose last allowed delivery failed again is dead-lettered: the budget and the last
 * error. Every adapter dead-letters it itself with this reason, so `dlq list` names the cause (the
 * broker's own `delivery_limit` / `maxReceiveCount` said only that a limit was reached); the
 * broker's limit stays as the backstop for deliveries no consumer settled (a killed process).
 */
export function exhaustedReason(outcome: Outcome, maxDeliveries: number): string {
  return `delivery limit ${maxDeliveries} reached: ${describeOutcome(outcome)}`;
}

/** A thrown handler is a bug or an outage: the command is retried within its budget, never dropped. */
export async function decide(handler: DeliveryHandler, delivery: Delivery): Promise<Outcome> {
  try {
    return await handler(delivery);
  } catch (error) {
    return { kind: 'unavailable', reason: `handler threw: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Counts work in flight; `stopWhenIdle` calls `onIdle` once nothing has been in flight or
 * arrived for `idleMs` (on the injected clock). `close` ends the watch.
 */
export class IdleWatch {
  private inFlight = 0;
  private lastActivity: number;
  private closed = false;

  constructor(private readonly clock: Clock) {
    this.lastActivity = clock.now();
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Something arrived (a message, a poll that returned work). */
  touch(): void {
    this.lastActivity = this.clock.now();
  }

  /** Runs `work` counted as in flight. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    this.touch();
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
      this.touch();
    }
  }

  close(): void {
    this.closed = true;
  }

  /** Starts the watch (no-op without `idleMs`); idleness counts from now. */
  async stopWhenIdle(idleMs: number | undefined, onIdle: () => void): Promise<void> {
    if (idleMs === undefined) return;
    this.touch();
    const tickMs = Math.max(5, Math.min(50, idleMs / 4));
    while (!this.closed) {
      await this.clock.sleep(tickMs);
      if (!this.closed && this.inFlight === 0 && this.clock.now() - this.lastActivity >= idleMs) {
        this.closed = true;
        onIdle();
      }
    }
  }
}
