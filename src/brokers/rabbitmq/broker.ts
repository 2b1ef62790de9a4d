/**
 * The RabbitMQ broker adapter (amqplib). It declares the retry topology it relies on, so the
 * retry policy lives in the code and cannot be lost in a move to another broker (2021).
 * See docs/rabbitmq.md for the topology per mechanism and the broker rules it relies on.
 */
import { strict as assert } from 'node:assert';
import type { ExportCommand } from '../../domain/command.js';
import { systemClock, type Clock } from '../../engine/clock.js';
import { silentLogger, type Logger } from '../../engine/log.js';
import type { Broker, ConsumeOptions, Consumption, DeliveryHandler, RetryConfig } from '../../engine/broker.js';
import { LiveChannel } from './channel.js';
import {
  DEFAULT_RECONNECT,
  RabbitLink,
  backoffDelayMs,
  isPreconditionFailed,
  isRetryableConnectionError,
  messageOf,
  wrap,
  type ReconnectOptions,
} from './connection.js';
import { startConsumption } from './consumer.js';
import { RabbitDeadLetters } from './dead-letters.js';
import { parseMismatch, QueueMismatchError } from './mismatch.js';
import { resolveNames, topologyOf, type RabbitMqNames, type RetryMechanism, type Topology } from './topology.js';

export { BrokerRefusedError, BrokerTopologyError, BrokerUnavailableError, PublishRejectedError, isConnectionError } from './connection.js';
export { QueueMismatchError, type ArgumentMismatch } from './mismatch.js';
export { deliveryLimitFor, resolveNames, topologyOf, type RabbitMqNames, type RetryMechanism, type Topology } from './topology.js';

export interface RabbitMqOptions {
  /** e.g. `amqp://guest:guest@127.0.0.1:5672/%2F` */
  url: string;
  /** Defaults follow the real system: `esr.exchange`, `esr.queue.appfilegenerationcommand`, `esr.dlx`, `esr.dlq`; wait queue `<queue>.wait`. */
  names?: Partial<RabbitMqNames>;
  retry: RetryConfig;
  /**
   * How a `budget` retry is carried out. Default `quorum-delivery-limit`: the broker counts
   * deliveries (an `x-delivery-limit` the application declares, so no broker policy can lose it,
   * and `policy-check` can see it); the consumer waits `delayMs` holding the message, then requeues
   * it. `wait-queue`: a TTL queue gives the delay, the consumer counts `x-death` — invisible to a
   * verifier, which then cannot prove the bound.
   */
  mechanism?: RetryMechanism;
  log?: Logger;
  /** Backoff after the connection drops. Default 100 ms doubling to 5 s, at most 10 attempts within 20 s. */
  reconnect?: Partial<ReconnectOptions>;
  /** Every wait (reconnect backoff, retry delay) is this clock's. Default the system clock. */
  clock?: Clock;
  /** Told each failed connect attempt in one line, while it retries. */
  progress?: (line: string) => void;
  /** Shown by the management API as the connection's name, so an operator can find it. Default `esr-export`. */
  connectionName?: string;
}

export class RabbitMqBroker implements Broker {
  readonly kind = 'rabbitmq' as const;
  readonly names: RabbitMqNames;
  readonly mechanism: RetryMechanism;
  readonly deadLetters: RabbitDeadLetters;
  private readonly retry: RetryConfig;
  private readonly reconnect: ReconnectOptions;
  private readonly log: Logger;
  private readonly link: RabbitLink;
  private publisher: LiveChannel | null = null;
  private publisherPending: Promise<LiveChannel> | null = null;

  constructor(options: RabbitMqOptions) {
    if (options.retry.mode === 'budget') {
      const { maxDeliveries, delayMs } = options.retry;
      assert(Number.isInteger(maxDeliveries) && maxDeliveries >= 1, `maxDeliveries must be a positive integer, got ${maxDeliveries}`);
      assert(Number.isInteger(delayMs) && delayMs >= 0, `delayMs must be a non-negative integer, got ${delayMs}`);
    }
    this.names = resolveNames(options.names);
    this.mechanism = options.mechanism ?? 'quorum-delivery-limit';
    this.retry = options.retry;
    this.reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.log = options.log ?? silentLogger;
    this.link = new RabbitLink(options.url, this.reconnect, this.log, options.connectionName ?? 'esr-export', options.clock ?? systemClock, options.progress);
    this.deadLetters = new RabbitDeadLetters(this.link, this.names, this.retry);
  }

  /** What `setup` declares: exposed for docs, checks and tests. */
  get topology(): Topology {
    return topologyOf(this.names, this.retry, this.mechanism);
  }

  /** Declares exchanges, queues and bindings. A queue that exists with other x-arguments is a BrokerTopologyError. */
  async setup(): Promise<void> {
    const live = new LiveChannel(await this.link.confirmChannel());
    try {
      const { exchanges, queues } = this.topology;
      for (const exchange of exchanges) await live.channel.assertExchange(exchange, 'direct', { durable: true });
      for (const queue of queues) {
        await live.channel.assertQueue(queue.name, { durable: true, arguments: queue.arguments });
        await live.channel.bindQueue(queue.name, queue.boundTo, queue.name);
      }
    } catch (error) {
      const mismatch = isPreconditionFailed(error) ? parseMismatch(messageOf(error)) : null;
      if (mismatch) throw new QueueMismatchError(mismatch, { cause: error });
      throw wrap('could not declare the RabbitMQ topology', error);
    } finally {
      await live.close();
    }
  }

  /** Persistent, confirmed, `messageId` = commandId. Retried on a new connection if the old one dropped. */
  async publish(command: ExportCommand): Promise<void> {
    const content = Buffer.from(JSON.stringify(command));
    const properties = { messageId: command.commandId, correlationId: command.correlationId, contentType: 'application/json' };
    for (let attempt = 0; ; attempt += 1) {
      try {
        const live = await this.publishChannel();
        return await live.publish(this.names.exchange, this.names.queue, content, properties);
      } catch (error) {
        const wrapped = wrap(`could not publish command ${command.commandId}`, error);
        if (!isRetryableConnectionError(wrapped) || attempt + 1 >= this.reconnect.maxAttempts) throw wrapped;
        await this.link.clock.sleep(backoffDelayMs(attempt, this.reconnect));
      }
    }
  }

  consume(handler: DeliveryHandler, options?: ConsumeOptions): Promise<Consumption> {
    const settings = { link: this.link, names: this.names, retry: this.retry, mechanism: this.mechanism, reconnect: this.reconnect, log: this.log, clock: this.link.clock };
    return startConsumption(settings, handler, options);
  }

  async close(): Promise<void> {
    await this.publisher?.close();
    await this.link.close();
  }

  /** One confirm channel for all publishes, replaced when it dies; concurrent callers share the one being opened. */
  private publishChannel(): Promise<LiveChannel> {
    if (this.publisher?.open) return Promise.resolve(this.publisher);
    this.publisherPending ??= this.link
      .confirmChannel()
      .then((channel) => (this.publisher = new LiveChannel(channel)))
      .finally(() => {
        this.publisherPending = null;
      });
    return this.publisherPending;
  }
}
