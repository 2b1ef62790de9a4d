/**
 * Test-side administration of the real RabbitMQ (the sources under test only ever read): a private
 * vhost per test file, policies, queues, and a delivery counter that establishes the broker's rules
 * by experiment — publish one message, reject it with requeue, count deliveries, see where it went.
 */
import { randomBytes } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { managementApi } from '../support/rabbitmq-management.js';

export { MANAGEMENT_URL } from '../support/rabbitmq-management.js';
export const api = managementApi;

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface PolicyBody {
  pattern: string;
  definition: Record<string, unknown>;
  priority?: number;
  'apply-to'?: string;
}

export async function pollUntil<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A private vhost with an AMQP channel; `close()` deletes everything in it. */
export class TestVhost {
  private constructor(
    readonly name: string,
    readonly connection: ChannelModel,
    readonly channel: Channel,
  ) {}

  static async create(prefix: string): Promise<TestVhost> {
    const name = uniqueName(prefix);
    const v = encodeURIComponent(name);
    await api('PUT', `/vhosts/${v}`, {});
    await api('PUT', `/permissions/${v}/guest`, { configure: '.*', write: '.*', read: '.*' });
    const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:5672/${v}`);
    const channel = await connection.createChannel();
    return new TestVhost(name, connection, channel);
  }

  get path(): string {
    return encodeURIComponent(this.name);
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
    await api('DELETE', `/vhosts/${this.path}`);
  }

  setPolicy(name: string, body: PolicyBody): Promise<unknown> {
    return api('PUT', `/policies/${this.path}/${encodeURIComponent(name)}`, { 'apply-to': 'queues', priority: 0, ...body });
  }

  deletePolicy(name: string): Promise<unknown> {
    return api('DELETE', `/policies/${this.path}/${encodeURIComponent(name)}`);
  }

  setOperatorPolicy(name: string, body: PolicyBody): Promise<unknown> {
    return api('PUT', `/operator-policies/${this.path}/${encodeURIComponent(name)}`, { 'apply-to': 'queues', priority: 0, ...body });
  }

  deleteOperatorPolicy(name: string): Promise<unknown> {
    return api('DELETE', `/operator-policies/${this.path}/${encodeURIComponent(name)}`);
  }

  /** Waits until the broker reports the policy on the queue (the management API lags a few seconds). */
  async waitForPolicy(queue: string, policy: string | null, field: 'policy' | 'operator_policy' = 'policy'): Promise<void> {
    await pollUntil(`${field} ${String(policy)} on ${queue}`, async () => {
      const q = (await api('GET', `/queues/${this.path}/${encodeURIComponent(queue)}`)) as Record<string, unknown>;
      return (q[field] ?? null) === policy;
    });
  }

  /** A fanout dead-letter exchange with one queue bound; returns the queue name. */
  async deadLetterExchange(exchange: string): Promise<string> {
    await this.channel.assertExchange(exchange, 'fanout', { durable: true });
    const queue = `${exchange}.q`;
    await this.channel.assertQueue(queue, { durable: true });
    await this.channel.bindQueue(queue, exchange, '');
    return queue;
  }

  /**
   * Publishes one message to `queue` and rejects it with requeue every time it comes back. Returns how
   * many times it was delivered and which of `deadLetterQueues` it ended in ('dropped' when it vanished,
   * 'still-looping' when it was still coming back after `cap` deliveries).
   */
  async countDeliveries(queue: string, deadLetterQueues: readonly string[], cap = 40): Promise<{ deliveries: number; endedIn: string }> {
    const ch = this.channel;
    ch.sendToQueue(queue, Buffer.from(uniqueName('probe')), { persistent: true });
    let deliveries = 0;
    let emptyPolls = 0;
    const deadline = performance.now() + 20_000;
    while (performance.now() < deadline) {
      const message = await ch.get(queue, { noAck: false });
      if (message !== false) {
        deliveries++;
        emptyPolls = 0;
        if (deliveries >= cap) {
          ch.ack(message);
          return { deliveries, endedIn: 'still-looping' };
        }
        ch.nack(message, false, true);
        continue;
      }
      for (const dlq of deadLetterQueues) {
        const dead = await ch.get(dlq, { noAck: true });
        if (dead !== false) return { deliveries, endedIn: dlq };
      }
      const { messageCount } = await ch.checkQueue(queue);
      emptyPolls = messageCount === 0 ? emptyPolls + 1 : 0;
      if (emptyPolls >= 20) return { deliveries, endedIn: 'dropped' };
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    throw new Error(`countDeliveries(${queue}) did not settle`);
  }

  /** Publishes one message, rejects it without requeue once; returns which dead-letter queue got it. */
  async rejectOnce(queue: string, deadLetterQueues: readonly string[]): Promise<string> {
    const ch = this.channel;
    ch.sendToQueue(queue, Buffer.from('probe'), { persistent: true });
    const message = await pollUntil(`a message on ${queue}`, () => ch.get(queue, { noAck: false }));
    ch.nack(message, false, false);
    return pollUntil(`the rejected message in one of ${deadLetterQueues.join(', ')}`, async () => {
      for (const dlq of deadLetterQueues) if ((await ch.get(dlq, { noAck: true })) !== false) return dlq;
      return null;
    });
  }
}
