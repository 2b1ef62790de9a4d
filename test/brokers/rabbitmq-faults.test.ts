import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrokerUnavailableError, PublishRejectedError } from '../../src/brokers/rabbitmq/broker.js';
import { command, ScriptedHandler, waitFor } from './broker.contract.js';
import { closeConnection, connectionsNamed, openRabbit, RawRabbit, type RabbitUnderTest } from './rabbitmq-admin.js';

const FILE_TAG = `h3f-${randomUUID().slice(0, 6)}`;
let raw: RawRabbit;
beforeAll(async () => {
  raw = await RawRabbit.open();
});
afterAll(async () => {
  await raw.close();
});

describe('RabbitMQ adapter: faults', () => {
  const opened: RabbitUnderTest[] = [];
  afterEach(async () => {
    for (const under of opened.splice(0)) {
      await under.cleanup();
      await under.broker.close();
    }
  });

  /** The management API lists a new connection only after a few seconds: find it before the burst starts. */
  async function listedConnections(connectionName: string): Promise<string[]> {
    let names: string[] = [];
    await waitFor('the adapter connection listed by the management API', async () => (names = await connectionsNamed(connectionName)).length > 0);
    return names;
  }

  /** The server closes the connections (CONNECTION_FORCED), as an operator would from the management UI. */
  async function kill(names: string[]): Promise<void> {
    for (const name of names) await closeConnection(name);
  }

  for (const mechanism of ['wait-queue', 'quorum-delivery-limit'] as const) {
    it(`${mechanism}: server closes the connection mid-burst; after reconnect every command is handled, none lost`, async () => {
      const under = openRabbit(raw, FILE_TAG, mechanism, { mode: 'budget', maxDeliveries: 5, delayMs: 50 });
      opened.push(under);
      await under.broker.setup();
      const connections = await listedConnections(under.connectionName);
      const burst = Array.from({ length: 300 }, (_, i) => command(`fault${i}`));
      await Promise.all(burst.map((c) => under.broker.publish(c)));
      const handler = new ScriptedHandler(20);
      const consumption = await under.broker.consume(handler.handle, { consumers: 2, prefetch: 5 });
      await waitFor('some commands handled', () => handler.succeeded.size >= 30);
      await kill(connections);
      expect(handler.succeeded.size).toBeLessThan(burst.length);

      await waitFor('every command handled after reconnect', () => handler.succeeded.size === burst.length);
      await consumption.stop();
      expect([...handler.succeeded].sort()).toEqual(burst.map((c) => c.commandId).sort());
      expect(await under.depth()).toEqual({ work: 0, deadLetter: 0 });
      const now = await connectionsNamed(under.connectionName);
      expect(now.some((name) => connections.includes(name))).toBe(false);
    });
  }

  it('server closes the connection mid-publish; every publish resolves and every command arrives', async () => {
    const under = openRabbit(raw, FILE_TAG, 'wait-queue', { mode: 'budget', maxDeliveries: 3, delayMs: 50 });
    opened.push(under);
    await under.broker.setup();
    const connections = await listedConnections(under.connectionName);
    const burst = Array.from({ length: 2_000 }, (_, i) => command(`pub${i}`));
    let confirmed = 0;
    const publishing = Promise.all(burst.map((c) => under.broker.publish(c).then(() => (confirmed += 1))));
    await kill(connections);
    expect(confirmed).toBeLessThan(burst.length);
    await publishing;
    const handler = new ScriptedHandler();
    const consumption = await under.broker.consume(handler.handle, { prefetch: 50 });
    await waitFor('every command handled', () => handler.succeeded.size === burst.length);
    await consumption.stop();
    expect(await under.depth()).toEqual({ work: 0, deadLetter: 0 });
  });

  it('connections closed again and again while publishing: no publish reported as a broker nack, every one confirmed', async () => {
    const under = openRabbit(raw, FILE_TAG, 'quorum-delivery-limit', { mode: 'budget', maxDeliveries: 3, delayMs: 50 });
    opened.push(under);
    await under.broker.setup();
    const rejected: unknown[] = [];
    let confirmed = 0;
    const ROUNDS = 3;
    const PER_ROUND = 2_000;
    for (let round = 0; round < ROUNDS; round += 1) {
      // The connection of this round, listed before its publishes start, closed while they are in flight.
      const connections = await listedConnections(under.connectionName);
      const wave = Array.from({ length: PER_ROUND }, (_, i) => command(`again${round}-${i}`));
      const publishing = Promise.all(wave.map((c) => under.broker.publish(c).then(() => void (confirmed += 1), (error: unknown) => void rejected.push(error))));
      await kill(connections);
      await publishing;
    }
    expect(rejected.map((e) => (e as Error).message).slice(0, 3)).toEqual([]);
    expect(rejected.filter((e) => e instanceof PublishRejectedError)).toEqual([]);
    expect(confirmed).toBe(ROUNDS * PER_ROUND);
    // A publish retried after a lost confirm may arrive twice (at-least-once); none is missing.
    expect((await under.depth()).work).toBeGreaterThanOrEqual(ROUNDS * PER_ROUND);
  });

  it('stop() drains in-flight work: what was delivered is finished and acked, the rest stays queued', async () => {
    const under = openRabbit(raw, FILE_TAG, 'wait-queue', { mode: 'budget', maxDeliveries: 3, delayMs: 50 });
    opened.push(under);
    await under.broker.setup();
    const burst = Array.from({ length: 20 }, (_, i) => command(`drain${i}`));
    for (const c of burst) await under.broker.publish(c);
    const handler = new ScriptedHandler(300);
    const consumption = await under.broker.consume(handler.handle, { consumers: 1, prefetch: 5 });
    await waitFor('a full prefetch in flight', () => handler.deliveries.size === 5);
    await consumption.stop();
    expect(handler.succeeded.size).toBe(5);
    expect(await under.depth()).toEqual({ work: 15, deadLetter: 0 });
  });

  it('a consumption whose queue is deleted under it ends: `stopped` rejects instead of hanging', async () => {
    const under = openRabbit(raw, FILE_TAG, 'wait-queue', { mode: 'budget', maxDeliveries: 3, delayMs: 50 });
    opened.push(under);
    await under.broker.setup();
    const consumption = await under.broker.consume(new ScriptedHandler().handle);
    await raw.deleteQueues([under.broker.names.queue]);
    await expect(consumption.stopped).rejects.toThrow(/could not consume/);
  });

  it('a closed adapter refuses to publish with BrokerUnavailableError, without retrying', async () => {
    const under = openRabbit(raw, FILE_TAG, 'wait-queue', { mode: 'none' });
    opened.push(under);
    await under.broker.setup();
    await under.broker.close();
    await expect(under.broker.publish(command('late'))).rejects.toBeInstanceOf(BrokerUnavailableError);
  });

  it('an unroutable publish is an error (mandatory), not a confirmed-and-dropped command', async () => {
    const under = openRabbit(raw, FILE_TAG, 'wait-queue', { mode: 'budget', maxDeliveries: 3, delayMs: 50 });
    opened.push(under);
    await under.broker.setup();
    await raw.deleteQueues([under.broker.names.queue]);
    await expect(under.broker.publish(command('nowhere'))).rejects.toBeInstanceOf(PublishRejectedError);
  });

  it('a replay whose destination is gone fails and leaves every message in the DLQ', async () => {
    const under = openRabbit(raw, FILE_TAG, 'wait-queue', { mode: 'budget', maxDeliveries: 1, delayMs: 50 });
    opened.push(under);
    await under.broker.setup();
    const doomed = [command('keep-a'), command('keep-b')];
    for (const c of doomed) await under.broker.publish(c);
    const handler = new ScriptedHandler();
    for (const c of doomed) handler.fail(c.commandId, 'conflict');
    const consumption = await under.broker.consume(handler.handle);
    await waitFor('both in the DLQ', async () => (await under.depth()).deadLetter === 2);
    await consumption.stop();
    await raw.deleteQueues([under.broker.names.queue]);
    await expect(under.broker.deadLetters.replay()).rejects.toThrow(/unroutable/);
    expect((await under.broker.deadLetters.list()).map((letter) => letter.messageId).sort()).toEqual(doomed.map((c) => c.commandId).sort());
  });

  it('a handler that throws is retried within the budget, then dead-lettered: never dropped', async () => {
    const under = openRabbit(raw, FILE_TAG, 'wait-queue', { mode: 'budget', maxDeliveries: 2, delayMs: 50 });
    opened.push(under);
    await under.broker.setup();
    const c = command('throws');
    await under.broker.publish(c);
    let calls = 0;
    const consumption = await under.broker.consume(async () => {
      calls += 1;
      throw new Error('bug in the handler');
    });
    await waitFor('the command in the DLQ', async () => (await under.depth()).deadLetter === 1);
    await consumption.stop();
    expect(calls).toBe(2);
    expect((await under.broker.deadLetters.show(c.commandId))?.reason).toMatch(/handler threw: bug in the handler/);
  });
});
