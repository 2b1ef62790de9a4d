/**
 * Closing while the broker's socket goes away (a broker outage as a daemon is stopped): amqplib's own
 * close() never settles then, so every close of the adapter is bounded. Both halves are tried on the
 * real RabbitMQ through a TCP proxy that drops every socket.
 */
import { createServer, connect as connectTcp, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect } from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveChannel } from '../../src/brokers/rabbitmq/channel.js';
import { CLOSE_TIMEOUT_MS, DEFAULT_RECONNECT, RabbitLink, settledWithin } from '../../src/brokers/rabbitmq/connection.js';
import { systemClock } from '../../src/engine/clock.js';
import { silentLogger } from '../../src/engine/log.js';

/** A proxy to the local RabbitMQ whose `dropAll()` destroys every socket at once. */
async function droppingProxy(): Promise<{ url: string; dropAll(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connectTcp(5672, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}/`,
    dropAll: () => sockets.forEach((socket) => socket.destroy()),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let proxy: Awaited<ReturnType<typeof droppingProxy>> | null = null;
afterEach(async () => {
  await proxy?.close();
  proxy = null;
});

describe('RabbitMQ close while the socket drops (the real broker)', () => {
  it('amqplib alone: the channel close started before the drop is still unsettled long after it', async () => {
    proxy = await droppingProxy();
    const connection = await connect(proxy.url);
    connection.on('error', () => undefined);
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    const closing = channel.close();
    proxy.dropAll();
    expect(await settledWithin(closing, 2 * CLOSE_TIMEOUT_MS)).toBe(false);
  }, 15_000);

  it('the adapter: channel and connection close within their bound', async () => {
    proxy = await droppingProxy();
    const link = new RabbitLink(proxy.url, DEFAULT_RECONNECT, silentLogger, 'close-test', systemClock);
    const channel = new LiveChannel(await link.confirmChannel());
    const started = systemClock.now();
    const closing = channel.close().then(() => link.close());
    proxy.dropAll();
    await closing;
    const tookMs = systemClock.now() - started;
    expect(tookMs).toBeLessThan(2 * CLOSE_TIMEOUT_MS + 1_000);
  }, 15_000);
});
