/**
 * `esr-export schedule --daemon` as a real process on the real RabbitMQ, reached through a TCP proxy
 * the test stops and starts again: the broker goes away between two daily runs and comes back while
 * the second run's burst is being published. The burst must arrive once and only once, and the daemon
 * must keep saying what it is doing while the broker is away.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFICE_CODES } from '../../src/domain/offices.js';
import { createVhost, deleteVhost, managementApi } from '../support/rabbitmq-management.js';
import { tcpProxy } from '../support/tcp-proxy.js';

const BIN = new URL('../../bin/esr-export.js', import.meta.url).pathname;

/** `HH:MM:SS` in UTC of a moment `ms` from now, rounded up to the next whole second. */
const utcTimeIn = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 1000) * 1000).toISOString().slice(11, 19);

/** Lines a child prints, each with when it arrived. */
function lines(stream: NodeJS.ReadableStream) {
  const seen: { atMs: number; text: string }[] = [];
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    for (const text of parts) seen.push({ atMs: Date.now(), text });
  });
  return seen;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const vhost = `daemon-outage-${randomUUID().slice(0, 8)}`;
beforeAll(() => createVhost(vhost));
afterAll(() => deleteVhost(vhost));

describe('schedule --daemon through a broker outage (real process, real RabbitMQ)', () => {
  it('publishes the burst that falls due while the broker is away once it is back: once per office, none twice, none skipped', { timeout: 90_000 }, async () => {
    const proxy = tcpProxy(5672);
    await proxy.start();
    // APP a few seconds after start-up; DNC 12 s later, inside the outage that starts once APP is out.
    const appAt = utcTimeIn(8_000);
    const dncAt = utcTimeIn(20_000);
    const dncAtMs = Date.parse(`${new Date().toISOString().slice(0, 11)}${dncAt}Z`);
    const child = spawn(
      process.execPath,
      [BIN, 'schedule', '--daemon', '--broker', 'rabbitmq', '--amqp-url', `amqp://guest:guest@127.0.0.1:${proxy.port()}/${vhost}`,
        '--time-zone', 'UTC', '--run-times', `APP=${appAt},DNC=${dncAt}`, '--rabbitmq-connect-timeout', '2000'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out = lines(child.stdout!);
    const err = lines(child.stderr!);
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await waitFor('the APP burst', () => out.some((l) => / published 13 APP command\(s\)/.test(l.text)), 30_000);
      await proxy.stop();
      const awayFrom = Date.now();
      // The DNC run falls due during the outage; the broker stays away 6 s past it.
      await waitFor('the DNC run time + 6 s', () => Date.now() >= dncAtMs + 6_000, 40_000);
      const awayUntil = Date.now();
      await proxy.start();
      await waitFor('the DNC burst', () => out.some((l) => / published 13 DNC command\(s\)/.test(l.text)), 30_000);

      // While the broker was away, the daemon said so, with no silence longer than 6 s from the DNC run time on.
      const during = err.filter((l) => l.atMs >= awayFrom && l.atMs <= awayUntil).map((l) => l.atMs);
      expect(during.length, err.map((l) => l.text).join('\n')).toBeGreaterThan(0);
      const marks = [dncAtMs, ...during.filter((at) => at >= dncAtMs), awayUntil];
      const longestSilenceMs = Math.max(...marks.slice(1).map((at, i) => at - marks[i]!));
      expect(longestSilenceMs).toBeLessThan(6_000);
      expect(err.some((l) => /publishing the DNC burst for \S+ failed .*; retrying in \d+ ms/.test(l.text) || /RabbitMQ at .* not reachable/.test(l.text))).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await proxy.stop().catch(() => undefined);
    }
    expect(await exited).toBe(0);
    expect(out.at(-1)?.text).toBe('stopped after 2 firing(s)');

    // What reached the queue, read straight from the broker (not through the proxy).
    const queues = (await managementApi('GET', `/queues/${encodeURIComponent(vhost)}`)) as { name: string }[];
    const connection = await connect(`amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`);
    const commands: { type: string; localOffice: string }[] = [];
    try {
      const channel = await connection.createChannel();
      for (const { name } of queues.filter((q) => !/dlq|dead/i.test(q.name))) {
        for (let message = await channel.get(name, { noAck: true }); message; message = await channel.get(name, { noAck: true })) {
          commands.push(JSON.parse(message.content.toString()) as { type: string; localOffice: string });
        }
      }
    } finally {
      await connection.close();
    }
    const sorted = (type: string) => commands.filter((c) => c.type === type).map((c) => c.localOffice).sort();
    expect(sorted('APP')).toEqual([...OFFICE_CODES].sort());
    expect(sorted('DNC')).toEqual([...OFFICE_CODES].sort());
    expect(commands).toHaveLength(2 * OFFICE_CODES.length);
  });
});
