import type { ExportCommand } from '../domain/command.js';
import type { Clock } from '../engine/clock.js';
import { decide, exhaustedReason, IdleWatch } from '../engine/consumption.js';
import { dispositionOf, describeOutcome } from '../engine/outcome.js';
import type {
  Broker,
  ConsumeOptions,
  Consumption,
  DeadLetter,
  DeadLetterQueue,
  Delivery,
  DeliveryHandler,
  ReplayOptions,
  ReplayResult,
  RetryConfig,
} from '../engine/broker.js';

interface Message {
  body: string;
  messageId: string;
  correlationId: string;
  deliveries: number;
  visibleAt: number;
}

/**
 * An in-process queue with the same contract as the real adapters: for one-process runs and
 * demos. Retry follows `RetryConfig`; `none` drops a failed command, as the 2021 broker did.
 */
export class MemoryBroker implements Broker {
  readonly kind = 'memory' as const;
  private readonly queue: Message[] = [];
  private readonly dead: DeadLetter[] = [];
  private readonly holding = new Map<string, DeadLetter[]>();

  constructor(
    private readonly retry: RetryConfig,
    private readonly clock: Clock,
    private readonly pollMs = 5,
  ) {}

  async setup(): Promise<void> {}
  async close(): Promise<void> {}

  async publish(command: ExportCommand): Promise<void> {
    this.enqueue(JSON.stringify(command), command.commandId, command.correlationId, 0);
  }

  /** Puts a raw body on the queue (a malformed command, a replay). */
  enqueue(body: string, messageId: string, correlationId: string, deliveries: number): void {
    this.queue.push({ body, messageId, correlationId, deliveries, visibleAt: this.clock.now() });
  }

  get depth(): number {
    return this.queue.length;
  }

  /** The holding queues replays have made (operators' dated queues). */
  get holdingQueues(): string[] {
    return [...this.holding.keys()];
  }

  async consume(handler: DeliveryHandler, options: ConsumeOptions = {}): Promise<Consumption> {
    let stopping = false;
    const activity = new IdleWatch(this.clock);
    const worker = async () => {
      while (!stopping) {
        const now = this.clock.now();
        const index = this.queue.findIndex((m) => m.visibleAt <= now);
        if (index < 0) {
          // A command waiting out its retry delay is not idleness: it will be delivered.
          if (this.queue.length > 0) activity.touch();
          await this.clock.sleep(this.pollMs);
          continue;
        }
        const [message] = this.queue.splice(index, 1);
        await activity.track(() => this.deliver(message!, handler));
      }
    };
    const stopped = Promise.all(Array.from({ length: options.consumers ?? 1 }, worker)).then(() => undefined);
    const stop = async () => {
      stopping = true;
      activity.close();
      await stopped;
    };
    void activity.stopWhenIdle(options.stopWhenIdleMs, () => void stop());
    return { stopped, stop };
  }

  private async deliver(message: Message, handler: DeliveryHandler): Promise<void> {
    message.deliveries++;
    const delivery: Delivery = {
      body: message.body,
      messageId: message.messageId,
      correlationId: message.correlationId,
      deliveryCount: message.deliveries,
    };
    const outcome = await decide(handler, delivery);
    const disposition = dispositionOf(outcome);
    const reason = describeOutcome(outcome);
    if (disposition === 'ack') return;
    if (this.retry.mode === 'none') return; // dropped: the lost policy of 2021
    if (disposition === 'retry' && message.deliveries < this.retry.maxDeliveries) {
      message.visibleAt = this.clock.now() + this.retry.delayMs;
      this.queue.push(message);
      return;
    }
    this.dead.push({
      messageId: message.messageId,
      body: message.body,
      correlationId: message.correlationId,
      reason: disposition === 'retry' ? exhaustedReason(outcome, this.retry.maxDeliveries) : reason,
      deathCount: message.deliveries,
      sourceQueue: 'memory',
    });
  }

  readonly deadLetters: DeadLetterQueue = {
    list: async (limit = Infinity) => this.dead.slice(0, limit),
    show: async (messageId) => this.dead.find((m) => m.messageId === messageId) ?? null,
    replay: async (options: ReplayOptions = {}): Promise<ReplayResult> => {
      // Nothing dead: no holding queue is made for nothing.
      if (this.dead.length === 0 && options.holdingQueue !== undefined) return { replayed: 0, heldIn: null };
      let source = this.dead;
      if (options.holdingQueue) {
        const held = this.holding.get(options.holdingQueue) ?? [];
        held.push(...this.dead.splice(0));
        this.holding.set(options.holdingQueue, held);
        source = held;
      }
      const batch = source.splice(0, options.limit ?? source.length);
      for (const message of batch) this.enqueue(message.body, message.messageId, message.correlationId ?? message.messageId, 0);
      return { replayed: batch.length, heldIn: options.holdingQueue ?? null };
    },
  };
}
