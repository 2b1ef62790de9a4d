/**
 * Closing while the broker's socket goes away (a broker outage as a daemon is stopped): amqplib's own
 * close() never settles then, so every close of the adapter is bounded. Both halves are tried on the
 * real RabbitMQ through a TCP proxy stopped mid-close.
 */
import { connect } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { LiveChannel } from '../../src/brokers/rabbitmq/channel.js';
import { CLOSE_TIMEOUT_MS, DEFAULT_RECONNECT, RabbitLink, settledWithin } from '../../src/brokers/rabbitmq/connection.js';
import { systemClock } from '../../src/engine/clock.js';
import { silentLogger } from '../../src/engine/log.js';
import { tcpProxy } from '../support/tcp-proxy.js';

async function startedProxy() {
  const proxy = tcpProxy(5672);
  await proxy.start();
  return { proxy, url: `amqp://guest:guest@127.0.0.1:${proxy.port()}/` };
}

describe('RabbitMQ close while the socket drops (the real broker)', () => {
  it('amqplib alone: the channel close started before the drop is still unsettled long after it', async () => {
    const { proxy, url } = await startedProxy();
    const connection = await connect(url);
    connection.on('error', () => undefined);
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    const closing = channel.close();
    await proxy.stop();
    expect(await settledWithin(closing, 2 * CLOSE_TIMEOUT_MS)).toBe(false);
  }, 15_000);

  it('the adapter: channel and connection close within their bound', async () => {
    const { proxy, url } = await startedProxy();
    const link = new RabbitLink(url, DEFAULT_RECONNECT, silentLogger, 'close-test', systemClock);
    const channel = new LiveChannel(await link.confirmChannel());
    const started = systemClock.now();
    const closing = channel.close().then(() => link.close());
    await proxy.stop();
    await closing;
    const tookMs = systemClock.now() - started;
    expect(tookMs).toBeLessThan(2 * CLOSE_TIMEOUT_MS + 1_000);
  }, 15_000);
});
