import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsLocal } from '../../src/brokers/sqs-local/server.js';
import { main } from '../../src/cli/esr-export.js';
import { connect } from 'amqplib';
import { createVhost, deleteVhost, managementApi } from '../support/rabbitmq-management.js';
import { createBroker } from '../../src/brokers/create-broker.js';
import { systemClock } from '../../src/engine/clock.js';

const VHOST = `esr-cli-${process.pid}-${Date.now()}`;

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'esr-run-'));
  await createVhost(VHOST);
});
afterAll(async () => {
  await deleteVhost(VHOST);
  await rm(dir, { recursive: true, force: true });
});

/** The 13-office burst is published by `schedule`, then `run` (a separate command, as a separate process would) exports it. */
async function burstThroughBroker(brokerArgs: string[], name: string) {
  const common = ['--state', join(dir, `${name}.sqlite`), '--outbox', join(dir, name), ...brokerArgs, '--retry-delay-ms', '100'];
  expect((await run('seed', ...common, '--date', '2021-07-31', '--per-office', '5', '--dnc-per-office', '0')).code).toBe(0);
  const scheduled = await run('schedule', ...common, '--date', '2021-07-31', '--type', 'APP');
  expect(scheduled.code).toBe(0);
  expect(scheduled.out).toMatch(/published 13 command\(s\)/);
  const consumed = await run('run', ...common, '--consumers', '4', '--until-idle', '1500');
  expect(consumed.code, consumed.err).toBe(0);
  const files = (await readdir(join(dir, name))).filter((f) => f.endsWith('.DAT'));
  expect(files).toHaveLength(13);
  expect(new Set(files.map((f) => f.slice(3, 6))).size).toBe(13);
  expect((await run('audit', ...common, '--as-of', '2021-07-31')).code).toBe(0);
}

/** A command that can never succeed is dead-lettered at once; the operators list it, hold it, replay it. */
async function dlqRoundTrip(brokerArgs: string[], name: string, holdingPattern: RegExp) {
  const common = ['--state', join(dir, `${name}-dlq.sqlite`), '--outbox', join(dir, `${name}-dlq`), ...brokerArgs, '--retry-delay-ms', '100'];
  const broker = await createBroker({ kind: brokerArgs[1] as 'rabbitmq' | 'sqs', retry: { mode: 'budget', maxDeliveries: 20, delayMs: 100 }, clock: systemClock, amqpUrl: brokerArgs[3], sqsEndpoint: brokerArgs[3], region: 'eu-west-2' });
  await broker.setup();
  await broker.publish({ commandId: `bad-${name}`, type: 'APP', localOffice: 'SEV', runDate: '2021-02-30', correlationId: `corr-bad-${name}` });
  await broker.close();

  expect((await run('run', ...common, '--until-idle', '1000')).code).toBe(0);
  const listed = await run('dlq', 'list', ...common, '--json');
  expect(listed.code, listed.err).toBe(0);
  const letters = JSON.parse(listed.out) as { messageId: string; reason: string; correlationId: string }[];
  expect(letters.map((l) => l.messageId)).toEqual([`bad-${name}`]);
  expect(letters[0]!.reason).toMatch(/invalid export command/);
  expect(letters[0]!.correlationId).toBe(`corr-bad-${name}`);
  expect((await run('dlq', 'show', `bad-${name}`, ...common)).out).toMatch(/2021-02-30/);
  expect((await run('dlq', 'show', 'no-such-id', ...common)).code).toBe(2);

  const replayed = await run('dlq', 'replay', '--hold', ...common);
  expect(replayed.code, replayed.err).toBe(0);
  expect(replayed.out).toMatch(holdingPattern);
  expect((await run('dlq', 'list', ...common)).out).toMatch(/the dead-letter queue is empty/);
  // Back in the work queue: the handler sees it again, and it dead-letters again — never dropped.
  expect((await run('run', ...common, '--until-idle', '1000')).code).toBe(0);
  expect(JSON.parse((await run('dlq', 'list', ...common, '--json')).out)).toHaveLength(1);
}

async function queuesOf(vhost: string): Promise<string[]> {
  return ((await managementApi('GET', `/queues/${encodeURIComponent(vhost)}?columns=name`)) as { name: string }[]).map((q) => q.name).sort();
}

describe('esr-export on RabbitMQ: refusals before anything is declared, escaped output', () => {
  it('run --consumers 0 is refused before any queue is declared; replay --hold of an empty DLQ makes no holding queue', async () => {
    const vhost = `${VHOST}-refuse`;
    await createVhost(vhost);
    try {
      const url = `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`;
      const refused = await run('run', '--broker', 'rabbitmq', '--amqp-url', url, '--consumers', '0');
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/--consumers must be a positive integer, got '0'/);
      expect(await queuesOf(vhost)).toEqual([]);

      const replayed = await run('dlq', 'replay', '--hold', '--broker', 'rabbitmq', '--amqp-url', url);
      expect(replayed.code, replayed.err).toBe(0);
      expect(replayed.out).toBe('replayed 0 command(s)\n');
      expect((await queuesOf(vhost)).filter((name) => name.startsWith('esr.dlq.'))).toEqual([]);
    } finally {
      await deleteVhost(vhost);
    }
  });

  it('dlq list/show and run escape control characters from message ids and bodies (no ANSI or ::error:: reaches the terminal)', async () => {
    const vhost = `${VHOST}-escape`;
    await createVhost(vhost);
    try {
      const url = `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`;
      const common = ['--broker', 'rabbitmq', '--amqp-url', url, '--state', join(dir, 'escape.db'), '--outbox', join(dir, 'escape')];
      expect((await run('seed', ...common, '--per-office', '1')).code).toBe(0); // declares the topology
      const hostile = '\u001b[31mred\n::error::x\u009b';
      const connection = await connect(url);
      const channel = await connection.createConfirmChannel();
      channel.publish('esr.exchange', 'esr.queue.appfilegenerationcommand', Buffer.from(`{"x": "${hostile.replaceAll('\n', '\\n')}"`), { messageId: hostile, persistent: true });
      await channel.waitForConfirms();
      await connection.close();

      const consumed = await run('run', ...common, '--until-idle', '1000');
      const listed = await run('dlq', 'list', ...common);
      const shown = await run('dlq', 'show', hostile, ...common);
      expect(listed.out).toMatch(/\\u001b\[31mred\\n::error::x\\u009b/);
      for (const output of [consumed.out, listed.out, shown.out]) {
        expect(output.includes('\u001b') || output.includes('\u009b')).toBe(false);
        expect(output).not.toMatch(/^::error::/m);
      }
      expect(JSON.parse(shown.out)).toMatchObject({ messageId: hostile });
    } finally {
      await deleteVhost(vhost);
    }
  });
});

describe('esr-export run on real brokers', () => {
  it('processes a 13-office burst from RabbitMQ into files', async () => {
    await burstThroughBroker(['--broker', 'rabbitmq', '--amqp-url', `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(VHOST)}`], 'rabbitmq');
  });

  it('dlq list, show and replay --hold on RabbitMQ', async () => {
    const vhost = `${VHOST}-dlq`;
    await createVhost(vhost);
    try {
      await dlqRoundTrip(['--broker', 'rabbitmq', '--amqp-url', `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`], 'rabbitmq', /replayed 1 command\(s\) via holding queue esr\.dlq\.\d{4}\.\d{2}\.\d{2}/);
    } finally {
      await deleteVhost(vhost);
    }
  });

  it('dlq list, show and replay --hold on the local SQS endpoint', async () => {
    const sqs = await startSqsLocal({ port: 0 });
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    try {
      await dlqRoundTrip(['--broker', 'sqs', '--endpoint', sqs.endpoint], 'sqs', /replayed 1 command\(s\) via holding queue esr-dlq-\d{4}-\d{2}-\d{2}/);
    } finally {
      process.env = saved;
      await sqs.close();
    }
  });

  it('processes a 13-office burst from the local SQS endpoint into files', async () => {
    const sqs = await startSqsLocal({ port: 0 });
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    try {
      await burstThroughBroker(['--broker', 'sqs', '--endpoint', sqs.endpoint, '--region', 'eu-west-2'], 'sqs');
    } finally {
      process.env = saved;
      await sqs.close();
    }
  });
});
