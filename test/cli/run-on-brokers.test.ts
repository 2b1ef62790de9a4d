import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsLocal } from '../../src/brokers/sqs-local/server.js';
import { main } from '../../src/cli/esr-export.js';

const MANAGEMENT = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672';
const AUTH = `Basic ${Buffer.from('guest:guest').toString('base64')}`;
const VHOST = `esr-cli-${process.pid}-${Date.now()}`;

async function management(method: 'PUT' | 'DELETE', path: string, body?: unknown) {
  const response = await fetch(`${MANAGEMENT}${path}`, {
    method,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok && response.status !== 404) throw new Error(`${method} ${path}: ${response.status}`);
}

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'esr-run-'));
  await management('PUT', `/api/vhosts/${encodeURIComponent(VHOST)}`);
  await management('PUT', `/api/permissions/${encodeURIComponent(VHOST)}/guest`, { configure: '.*', write: '.*', read: '.*' });
});
afterAll(async () => {
  await management('DELETE', `/api/vhosts/${encodeURIComponent(VHOST)}`);
  await rm(dir, { recursive: true, force: true });
});

/** The 13-office burst is published by `schedule`, then `run` (a separate command, as a separate process would) exports it. */
async function burstThroughBroker(brokerArgs: string[], name: string) {
  const common = ['--state', join(dir, `${name}.json`), '--outbox', join(dir, name), ...brokerArgs, '--retry-delay-ms', '100'];
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

describe('esr-export run on real brokers', () => {
  it('processes a 13-office burst from RabbitMQ into files', async () => {
    await burstThroughBroker(['--broker', 'rabbitmq', '--amqp-url', `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(VHOST)}`], 'rabbitmq');
  });

  it('processes a 13-office burst from the local SQS endpoint into files', async () => {
    const sqs = await startSqsLocal({ port: 0 });
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    try {
      await burstThroughBroker(['--broker', 'sqs', '--sqs-endpoint', sqs.endpoint, '--region', 'eu-west-2'], 'sqs');
    } finally {
      process.env = saved;
      await sqs.close();
    }
  });
});
