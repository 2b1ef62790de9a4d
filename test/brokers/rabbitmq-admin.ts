/** Test-side access to the real RabbitMQ: a raw amqplib channel and the management HTTP API. */
import { randomUUID } from 'node:crypto';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import type { RetryConfig } from '../../src/engine/broker.js';
import { RabbitMqBroker, type RabbitMqNames, type RetryMechanism } from '../../src/brokers/rabbitmq/broker.js';
import { managementApi } from '../support/rabbitmq-management.js';
import { HOLDING_QUEUE_PREFIX, type BrokerUnderTest } from './broker.contract.js';

export const AMQP_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672/%2F';
export { MANAGEMENT_URL } from '../support/rabbitmq-management.js';

export async function management(method: 'GET' | 'DELETE', path: string): Promise<unknown> {
  return managementApi(method, path);
}

export interface ManagedQueue {
  name: string;
  type: string;
  durable: boolean;
  arguments: Record<string, unknown>;
}

export async function queueInfo(name: string): Promise<ManagedQueue> {
  return (await management('GET', `/queues/%2F/${encodeURIComponent(name)}`)) as ManagedQueue;
}

export async function bindingsOf(queue: string): Promise<Array<{ source: string; routing_key: string }>> {
  return (await management('GET', `/queues/%2F/${encodeURIComponent(queue)}/bindings`)) as Array<{ source: string; routing_key: string }>;
}

/** Names of the broker's connections whose client gave this connection_name. */
export async function connectionsNamed(connectionName: string): Promise<string[]> {
  const connections = (await management('GET', '/connections')) as Array<{ name: string; client_properties?: { connection_name?: string } }>;
  return connections.filter((c) => c.client_properties?.connection_name === connectionName).map((c) => c.name);
}

/** What an operator does from the management UI: the server closes the connection (CONNECTION_FORCED). */
export async function closeConnection(name: string): Promise<void> {
  await management('DELETE', `/connections/${encodeURIComponent(name)}`);
}

export async function queueNamesStartingWith(prefix: string): Promise<string[]> {
  const queues = (await management('GET', '/queues/%2F?columns=name')) as Array<{ name: string }>;
  return queues.map((q) => q.name).filter((name) => name.startsWith(prefix));
}

/** A raw channel for declaring, counting and deleting; reopened if a test's 404/406 closed it. */
export class RawRabbit {
  private channel: Channel | null = null;

  private constructor(private readonly connection: ChannelModel) {}

  static async open(): Promise<RawRabbit> {
    const connection = await connect(AMQP_URL);
    connection.on('error', () => undefined);
    return new RawRabbit(connection);
  }

  async ch(): Promise<Channel> {
    if (this.channel) return this.channel;
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (this.channel === channel) this.channel = null;
    });
    this.channel = channel;
    return channel;
  }

  /** Ready messages (unacked ones are not counted: read this after consumers stopped). */
  async messageCount(queue: string): Promise<number> {
    return (await (await this.ch()).checkQueue(queue)).messageCount;
  }

  async deleteQueues(names: string[]): Promise<void> {
    for (const name of names) await (await this.ch()).deleteQueue(name);
  }

  async deleteExchanges(names: string[]): Promise<void> {
    for (const name of names) await (await this.ch()).deleteExchange(name);
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

export type RabbitUnderTest = BrokerUnderTest & { broker: RabbitMqBroker; connectionName: string };

/** Queue and exchange names unique to one test, under the file's tag. */
export function uniqueNames(tag: string): RabbitMqNames {
  const prefix = `${tag}.${randomUUID().slice(0, 8)}`;
  return {
    exchange: `${prefix}.exchange`,
    queue: `${prefix}.queue`,
    deadLetterExchange: `${prefix}.dlx`,
    deadLetterQueue: `${prefix}.dlq`,
    waitQueue: `${prefix}.wait`,
  };
}

/** A RabbitMqBroker on its own queues, with the depth and cleanup the broker contract needs. */
export function openRabbit(raw: RawRabbit, tag: string, mechanism: RetryMechanism, retry: RetryConfig): RabbitUnderTest {
  const names = uniqueNames(tag);
  const connectionName = `${tag}-${randomUUID().slice(0, 8)}`;
  const broker = new RabbitMqBroker({ url: AMQP_URL, names, retry, mechanism, connectionName, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
  const hasWaitQueue = broker.topology.queues.some((queue) => queue.name === names.waitQueue);
  return {
    broker,
    connectionName,
    async depth() {
      const waiting = hasWaitQueue ? await raw.messageCount(names.waitQueue) : 0;
      return { work: (await raw.messageCount(names.queue)) + waiting, deadLetter: await raw.messageCount(names.deadLetterQueue) };
    },
    async queueExists(name) {
      return (await queueNamesStartingWith(name)).includes(name);
    },
    async cleanup() {
      const holding = await queueNamesStartingWith(HOLDING_QUEUE_PREFIX);
      await raw.deleteQueues([names.queue, names.waitQueue, names.deadLetterQueue, ...holding]);
      await raw.deleteExchanges([names.exchange, names.deadLetterExchange]);
    },
  };
}
