/**
 * The operators' shovel, made safe: peeking never takes a message away (it is held unacked and
 * returned when the channel closes), and moving acks a message from its source only after the
 * broker confirmed the publish to its destination.
 */
import type { GetMessage } from 'amqplib';
import type { DeadLetter, DeadLetterQueue, ReplayOptions, ReplayResult, RetryConfig } from '../../engine/broker.js';
import { LiveChannel } from './channel.js';
import { wrap, type RabbitLink } from './connection.js';
import { deadLetterOf, replayHeaders, type Headers, type RabbitMqNames } from './topology.js';

/** Upper bound on a peek: a DLQ flood of this size is read in pages by the caller (`list(limit)`). */
const PEEK_MAX = 100_000;

interface Destination {
  exchange: string;
  routingKey: string;
  headers: (headers: Headers | undefined) => Headers;
}

export class RabbitDeadLetters implements DeadLetterQueue {
  constructor(
    private readonly link: RabbitLink,
    private readonly names: RabbitMqNames,
    private readonly retry: RetryConfig,
  ) {}

  async list(limit = 1_000): Promise<DeadLetter[]> {
    return this.peek(this.names.deadLetterQueue, Math.min(limit, PEEK_MAX));
  }

  async show(messageId: string): Promise<DeadLetter | null> {
    const letters = await this.peek(this.names.deadLetterQueue, PEEK_MAX);
    return letters.find((letter) => letter.messageId === messageId) ?? null;
  }

  async replay(options: ReplayOptions = {}): Promise<ReplayResult> {
    let source = this.names.deadLetterQueue;
    if (options.holdingQueue !== undefined) {
      // Nothing dead: no holding queue is made for nothing.
      if ((await this.depthOf(source)) === 0) return { replayed: 0, heldIn: null };
      await this.declareHoldingQueue(options.holdingQueue);
      // The operators' practice: everything goes to the dated holding queue first, with its history, for inspection.
      await this.move(source, { exchange: '', routingKey: options.holdingQueue, headers: (headers) => ({ ...headers }) }, Infinity);
      source = options.holdingQueue;
    }
    const backToWork: Destination = { exchange: this.names.exchange, routingKey: this.names.queue, headers: replayHeaders };
    const replayed = await this.move(source, backToWork, options.limit ?? Infinity);
    return { replayed, heldIn: options.holdingQueue ?? null };
  }

  /** Reads up to `limit` messages and keeps them unacked; closing the channel puts every one back. */
  private async peek(queue: string, limit: number): Promise<DeadLetter[]> {
    const live = new LiveChannel(await this.link.confirmChannel());
    try {
      const letters: DeadLetter[] = [];
      while (letters.length < limit) {
        const message = await live.channel.get(queue, { noAck: false });
        if (message === false) break;
        letters.push(deadLetterOf(readDead(message), this.retry));
      }
      return letters;
    } catch (error) {
      throw wrap(`could not read ${queue}`, error);
    } finally {
      await live.close();
    }
  }

  /**
   * Moves at most `limit` messages, and never more than the source held when the move began (a
   * replayed command that fails straight back into the DLQ is not moved twice in one run).
   */
  private async move(source: string, destination: Destination, limit: number): Promise<number> {
    const live = new LiveChannel(await this.link.confirmChannel());
    try {
      const { messageCount } = await live.channel.checkQueue(source);
      const max = Math.min(limit, messageCount);
      let moved = 0;
      while (moved < max) {
        const message = await live.channel.get(source, { noAck: false });
        if (message === false) break;
        const properties = message.properties as { messageId?: string; correlationId?: string; contentType?: string; headers?: Headers };
        await live.publish(destination.exchange, destination.routingKey, message.content, {
          messageId: properties.messageId,
          correlationId: properties.correlationId,
          contentType: properties.contentType,
          headers: destination.headers(properties.headers),
        });
        live.ack(message);
        moved += 1;
      }
      return moved;
    } catch (error) {
      throw wrap(`could not move messages from ${source} to ${destination.routingKey}`, error);
    } finally {
      await live.close();
    }
  }

  private async depthOf(queue: string): Promise<number> {
    const live = new LiveChannel(await this.link.confirmChannel());
    try {
      return (await live.channel.checkQueue(queue)).messageCount;
    } catch (error) {
      throw wrap(`could not read ${queue}`, error);
    } finally {
      await live.close();
    }
  }

  private async declareHoldingQueue(name: string): Promise<void> {
    const live = new LiveChannel(await this.link.confirmChannel());
    try {
      await live.channel.assertQueue(name, { durable: true });
    } catch (error) {
      throw wrap(`could not declare holding queue ${name}`, error);
    } finally {
      await live.close();
    }
  }
}

function readDead(message: GetMessage) {
  const properties = message.properties as { messageId?: string; correlationId?: string; headers?: Headers };
  return {
    body: message.content.toString('utf8'),
    messageId: properties.messageId,
    correlationId: properties.correlationId,
    headers: properties.headers,
  };
}
