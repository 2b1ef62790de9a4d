/**
 * Consuming from RabbitMQ: `consumers` channels share the work queue, each with its own prefetch
 * and manual acks. The handler decides; `actionFor` says what that means on this topology; the
 * channel that delivered a message is the only one that may settle it.
 */
import { strict as assert } from 'node:assert';
import type { Message } from 'amqplib';
import type { Logger } from '../../engine/log.js';
import { describeOutcome, dispositionOf, type Outcome } from '../../engine/outcome.js';
import type { ConsumeOptions, Consumption, Delivery, DeliveryHandler, RetryConfig } from '../../engine/broker.js';
import type { Clock } from '../../engine/clock.js';
import { decide, exhaustedReason, IdleWatch } from '../../engine/consumption.js';
import { LiveChannel } from './channel.js';
import { backoffDelayMs, isRetryableConnectionError, messageOf, wrap, type RabbitLink, type ReconnectOptions } from './connection.js';
import { actionFor, deadLetterHeaders, deliveryCountOf, type RabbitMqNames, type RetryMechanism } from './topology.js';

export interface ConsumerSettings {
  link: RabbitLink;
  names: RabbitMqNames;
  retry: RetryConfig;
  mechanism: RetryMechanism;
  reconnect: ReconnectOptions;
  log: Logger;
  clock: Clock;
}

export function toDelivery(message: Message, workQueue: string): Delivery {
  const properties = message.properties as { messageId?: string; correlationId?: string; headers?: Record<string, unknown> };
  return {
    body: message.content.toString('utf8'),
    messageId: properties.messageId ?? '',
    correlationId: properties.correlationId ?? null,
    deliveryCount: deliveryCountOf(properties.headers, workQueue),
  };
}

/** One consumer: one channel on the shared connection, re-subscribed after the connection comes back. */
class QueueConsumer {
  private live: LiveChannel | null = null;
  private consumerTag: string | null = null;
  private stopping = false;
  private resubscribing = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly settings: ConsumerSettings,
    private readonly handler: DeliveryHandler,
    private readonly prefetch: number,
    private readonly onFatal: (error: Error) => void,
    private readonly activity: IdleWatch,
  ) {}

  async start(): Promise<void> {
    await this.subscribe();
  }

  /** Stop receiving, finish what is in flight (and settle it), then close the channel. */
  async stop(): Promise<void> {
    this.stopping = true;
    const live = this.live;
    if (live?.open && this.consumerTag !== null) await live.channel.cancel(this.consumerTag).catch(() => undefined);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await live?.close();
  }

  private async subscribe(): Promise<void> {
    const live = new LiveChannel(await this.settings.link.confirmChannel());
    try {
      await live.channel.prefetch(this.prefetch);
      const { consumerTag } = await live.channel.consume(this.settings.names.queue, (message) => this.onMessage(live, message), { noAck: false });
      this.live = live;
      this.consumerTag = consumerTag;
    } catch (error) {
      await live.close();
      throw wrap(`could not consume from ${this.settings.names.queue}`, error);
    }
    if (this.stopping) {
      await live.close();
      return;
    }
    live.channel.on('close', () => this.resubscribe());
    if (!live.open) this.resubscribe();
  }

  /** After the connection (or channel) died: subscribe again, with backoff; a refused subscription is fatal. */
  private resubscribe(): void {
    if (this.stopping || this.resubscribing) return;
    this.resubscribing = true;
    const { log, reconnect } = this.settings;
    void (async () => {
      for (let attempt = 0; !this.stopping; attempt += 1) {
        try {
          await this.subscribe();
          log.log('info', 'rabbitmq consumer resubscribed', { queue: this.settings.names.queue, attempt: attempt + 1 });
          break;
        } catch (error) {
          if (!isRetryableConnectionError(error) || attempt + 1 >= reconnect.maxAttempts) {
            this.onFatal(error instanceof Error ? error : new Error(String(error)));
            break;
          }
          await this.settings.clock.sleep(backoffDelayMs(attempt, reconnect));
        }
      }
      this.resubscribing = false;
    })();
  }

  private onMessage(live: LiveChannel, message: Message | null): void {
    if (message === null) {
      // The server cancelled the consumer (queue deleted): drop this channel; `resubscribe` decides what next.
      this.settings.log.log('warn', 'rabbitmq consumer cancelled by the server', { queue: this.settings.names.queue });
      void live.close().then(() => this.resubscribe());
      return;
    }
    const work: Promise<void> = this.activity
      .track(() => this.handle(live, message))
      .catch((error: unknown) => this.settings.log.log('error', 'rabbitmq delivery not settled', { error: messageOf(error) }))
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private async handle(live: LiveChannel, message: Message): Promise<void> {
    const { names, retry, mechanism, log } = this.settings;
    const delivery = toDelivery(message, names.queue);
    const outcome = await decide(this.handler, delivery);
    const action = actionFor(dispositionOf(outcome), retry, mechanism, delivery.deliveryCount);
    const fields = { messageId: delivery.messageId, correlationId: delivery.correlationId, deliveryCount: delivery.deliveryCount, action };
    log.log('debug', describeOutcome(outcome), fields);
    let settled: boolean;
    switch (action) {
      case 'ack':
        settled = live.ack(message);
        break;
      case 'reject':
        settled = live.nack(message, false);
        break;
      case 'requeue-after-delay':
        if (retry.mode === 'budget') await this.settings.clock.sleep(retry.delayMs);
        settled = live.nack(message, true);
        break;
      case 'dead-letter':
        settled = await this.deadLetter(live, message, this.reasonOf(outcome), delivery.deliveryCount);
        break;
    }
    if (!settled) log.log('info', 'channel closed before the delivery was settled; the broker redelivers it', fields);
  }

  private reasonOf(outcome: Outcome): string {
    const { retry } = this.settings;
    return dispositionOf(outcome) === 'retry' && retry.mode === 'budget' ? exhaustedReason(outcome, retry.maxDeliveries) : describeOutcome(outcome);
  }

  /** Publish to the DLQ, and only once the broker confirmed it, ack the original. */
  private async deadLetter(live: LiveChannel, message: Message, reason: string, deliveries: number): Promise<boolean> {
    const { names, retry, log } = this.settings;
    const properties = message.properties as { messageId?: string; correlationId?: string; contentType?: string; headers?: Record<string, unknown> };
    try {
      await live.publish(names.deadLetterExchange, names.deadLetterQueue, message.content, {
        messageId: properties.messageId,
        correlationId: properties.correlationId,
        contentType: properties.contentType,
        headers: deadLetterHeaders(properties.headers, reason, deliveries, names.queue),
      });
      return live.ack(message);
    } catch (error) {
      log.log('warn', 'could not dead-letter; requeueing', { messageId: properties.messageId, error: messageOf(error) });
      await this.settings.clock.sleep(Math.max(retry.mode === 'budget' ? retry.delayMs : 0, 100));
      return live.nack(message, true);
    }
  }
}

export async function startConsumption(settings: ConsumerSettings, handler: DeliveryHandler, options: ConsumeOptions = {}): Promise<Consumption> {
  const count = options.consumers ?? 1;
  const prefetch = options.prefetch ?? 1;
  assert(Number.isInteger(count) && count >= 1, `consumers must be a positive integer, got ${count}`);
  assert(Number.isInteger(prefetch) && prefetch >= 1, `prefetch must be a positive integer, got ${prefetch}`);
  const activity = new IdleWatch(settings.clock);

  let settle!: (error?: Error) => void;
  const stopped = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  stopped.catch(() => undefined); // observed by whoever awaits `stopped`; never an unhandled rejection

  let stopping: Promise<void> | null = null;
  const finish = (error?: Error): Promise<void> => {
    stopping ??= (async () => {
      activity.close();
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      settle(error);
    })();
    return stopping;
  };
  const onFatal = (error: Error) => {
    settings.log.log('error', 'rabbitmq consumption failed', { error: error.message });
    void finish(error);
  };
  const consumers = Array.from({ length: count }, () => new QueueConsumer(settings, handler, prefetch, onFatal, activity));
  try {
    await Promise.all(consumers.map((consumer) => consumer.start()));
  } catch (error) {
    await finish();
    throw error;
  }
  void activity.stopWhenIdle(options.stopWhenIdleMs, () => void finish());
  return { stop: () => finish(), stopped };
}
