import type { ConfirmChannel, Message, Options } from 'amqplib';
import { BrokerUnavailableError, PublishRejectedError, settledWithin, wrap } from './connection.js';

function isNack(error: unknown): boolean {
  return error instanceof Error && error.message === 'message nacked';
}

/**
 * A confirm channel that knows whether it is still open. A delivery tag belongs to the channel
 * that delivered it: acking it on a dead channel (or on another one) is a channel error, so every
 * ack goes through `ack`/`nack` here, which do nothing once the channel is gone — the broker
 * redelivers the message instead.
 */
export class LiveChannel {
  private isOpen = true;
  /** messageIds the broker returned as unroutable; their confirm follows the return. */
  private readonly returned = new Set<string>();

  constructor(readonly channel: ConfirmChannel) {
    channel.on('close', () => {
      this.isOpen = false;
    });
    channel.on('return', (message: Message) => {
      const id = message.properties.messageId as string | undefined;
      if (id !== undefined) this.returned.add(id);
    });
  }

  get open(): boolean {
    return this.isOpen;
  }

  /** Resolves once the broker confirmed it; mandatory, so an unroutable message is an error, not a silent loss. */
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    if (!this.isOpen) return Promise.reject(new BrokerUnavailableError('channel closed before publish'));
    return new Promise((resolve, reject) => {
      const onConfirm = (error: unknown) => {
        const id = options.messageId;
        if (error) {
          // amqplib calls back 'message nacked' for a real basic.nack, and 'channel closed' for every
          // confirm lost with the channel — before the channel's own 'close' event: a lost connection, to retry.
          reject(isNack(error) ? new PublishRejectedError(`broker nacked message ${id ?? ''}`, { cause: error }) : wrap('publish not confirmed', error));
        } else if (id !== undefined && this.returned.delete(id)) {
          reject(new PublishRejectedError(`message ${id} is unroutable: nothing bound to ${exchange || '(default)'} with key ${routingKey}`));
        } else {
          resolve();
        }
      };
      try {
        this.channel.publish(exchange, routingKey, content, { persistent: true, ...options, mandatory: true }, onConfirm);
      } catch (error) {
        reject(wrap('publish failed', error));
      }
    });
  }

  /** @returns whether the ack reached a live channel. */
  ack(message: Message): boolean {
    return this.settle(() => this.channel.ack(message));
  }

  nack(message: Message, requeue: boolean): boolean {
    return this.settle(() => this.channel.nack(message, false, requeue));
  }

  private settle(send: () => void): boolean {
    if (!this.isOpen) return false;
    try {
      send();
      return true;
    } catch {
      // The connection died before the channel heard of it: same as closed.
      this.isOpen = false;
      return false;
    }
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    await settledWithin(this.channel.close());
  }
}
