/**
 * Commands/s end to end through the real RabbitMQ: publish (confirmed, pipelined) → consume
 * (prefetch, manual ack) → a trivial handler that answers `exported` at once. Compared with a
 * bare amqplib loop doing the same work, so the adapter's overhead is a ratio, not a guess.
 * Target: ≥ 5,000 commands/s through the adapter.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Channel } from 'amqplib';
import { RabbitMqBroker } from '../src/brokers/rabbitmq/broker.js';
import type { ExportCommand } from '../src/domain/command.js';
import type { Outcome } from '../src/engine/outcome.js';

const URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672/%2F';
const MESSAGES = Number(process.env.RABBITMQ_BENCH_MESSAGES ?? 20_000);
const ROUNDS = 3;
const PREFETCH = 100;
/** Both publishers pipeline: a window of publishes in flight, confirms awaited per window, never per message. */
const PUBLISH_WINDOW = 1_000;

const exported: Outcome = { kind: 'exported', fileName: 'DE_LDN_APP_20260101_00000001.DAT', recordCount: 0, sequence: 1, resumed: false };

function commands(count: number): ExportCommand[] {
  return Array.from({ length: count }, (_, i) => ({
    commandId: `bench-${i}`,
    type: 'APP',
    localOffice: 'LDN',
    runDate: '2026-01-01',
    correlationId: `bench-corr-${i}`,
  }));
}

function countdown(count: number): { tick: () => void; done: Promise<void> } {
  let left = count;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    tick: () => {
      left -= 1;
      if (left === 0) finish();
    },
    done,
  };
}

async function adapterRate(consumers: number): Promise<number> {
  const tag = `bench.${randomUUID().slice(0, 8)}`;
  const broker = new RabbitMqBroker({
    url: URL,
    names: { exchange: `${tag}.x`, queue: `${tag}.q`, deadLetterExchange: `${tag}.dlx`, deadLetterQueue: `${tag}.dlq`, waitQueue: `${tag}.wait` },
    retry: { mode: 'budget', maxDeliveries: 3, delayMs: 100 },
  });
  await broker.setup();
  const all = commands(MESSAGES);
  const { tick, done } = countdown(all.length);
  const started = performance.now();
  const consumption = await broker.consume(
    async () => {
      tick();
      return exported;
    },
    { consumers, prefetch: PREFETCH },
  );
  for (let from = 0; from < all.length; from += PUBLISH_WINDOW) {
    await Promise.all(all.slice(from, from + PUBLISH_WINDOW).map((command) => broker.publish(command)));
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  await consumption.stop();
  await dropAll([`${tag}.q`, `${tag}.wait`, `${tag}.dlq`], [`${tag}.x`, `${tag}.dlx`]);
  await broker.close();
  return all.length / seconds;
}

async function bareRate(consumers: number): Promise<number> {
  const queue = `bench.bare.${randomUUID().slice(0, 8)}`;
  const connection = await connect(URL);
  const publisher = await connection.createConfirmChannel();
  await publisher.assertQueue(queue, { durable: true });
  const all = commands(MESSAGES);
  const { tick, done } = countdown(all.length);
  const started = performance.now();
  const channels: Channel[] = [];
  for (let i = 0; i < consumers; i += 1) {
    const channel = await connection.createChannel();
    await channel.prefetch(PREFETCH);
    await channel.consume(queue, (message) => {
      if (!message) return;
      JSON.parse(message.content.toString('utf8'));
      channel.ack(message);
      tick();
    });
    channels.push(channel);
  }
  for (let i = 0; i < all.length; i += 1) {
    const command = all[i]!;
    publisher.sendToQueue(queue, Buffer.from(JSON.stringify(command)), { persistent: true, messageId: command.commandId, correlationId: command.correlationId });
    if ((i + 1) % PUBLISH_WINDOW === 0) await publisher.waitForConfirms();
  }
  await publisher.waitForConfirms();
  await done;
  const seconds = (performance.now() - started) / 1000;
  for (const channel of channels) await channel.close();
  await publisher.deleteQueue(queue);
  await connection.close();
  return all.length / seconds;
}

async function dropAll(queues: string[], exchanges: string[]): Promise<void> {
  const connection = await connect(URL);
  const channel = await connection.createChannel();
  for (const queue of queues) await channel.deleteQueue(queue);
  for (const exchange of exchanges) await channel.deleteExchange(exchange);
  await connection.close();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(): Promise<Record<string, unknown>> {
  const figures: Record<string, unknown> = { messages: MESSAGES, rounds: ROUNDS, prefetch: PREFETCH, targetCommandsPerSecond: 5_000 };
  for (const consumers of [1, 4]) {
    // Rounds alternate adapter and bare, so load from elsewhere on the machine hits both alike.
    const adapter: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      adapter.push(await adapterRate(consumers));
      bare.push(await bareRate(consumers));
    }
    const adapterMedian = Math.round(median(adapter));
    figures[`consumers${consumers}`] = {
      adapterCommandsPerSecond: adapterMedian,
      bareAmqplibMessagesPerSecond: Math.round(median(bare)),
      ratioAdapterToBare: Number(median(adapter.map((rate, i) => rate / bare[i]!)).toFixed(2)),
      meetsTarget: adapterMedian >= 5_000,
    };
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await run(), null, 2));
}
