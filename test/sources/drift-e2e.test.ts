/**
 * End to end: each drift of test/sources/rabbitmq-drift.test.ts, made on the real RabbitMQ, fails
 * `policy-check` (exit 1) with the right check — read through the live source.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/policy-check.js';
import { TestVhost } from './rabbit-admin.js';

const KEY = 'appfilegenerationcommand';
const RETRY_POLICY = { pattern: '^esr\\.queue\\.', definition: { 'delivery-limit': 12, 'dead-letter-exchange': 'esr.dlx' }, priority: 10 };

let vhost: TestVhost;
let dir: string;

interface Finding {
  queue: string;
  check: string;
  status: string;
}

async function policyCheck(): Promise<{ code: number; failed: string[]; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    environ: {},
    isTTY: false,
    today: () => '2026-11-27',
  };
  const code = await main(['--policies', join(dir, 'policies'), '--env', 'drift', '--format', 'json'], io);
  const findings = stdout === '' ? [] : (JSON.parse(stdout) as { findings: Finding[] }).findings;
  const failed = findings.filter((f) => f.status === 'fail' || f.status === 'error').map((f) => `${f.queue}:${f.check}`);
  return { code, failed: failed.sort(), stderr };
}

beforeAll(async () => {
  vhost = await TestVhost.create('h7-e2e');
  const ch = vhost.channel;
  await ch.assertExchange('esr.commands', 'direct', { durable: true });
  await ch.assertExchange('esr.dlx', 'direct', { durable: true });
  await ch.assertQueue('esr.queue.commands', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.bindQueue('esr.queue.commands', 'esr.commands', KEY);
  await ch.assertQueue('esr.dlq', { durable: true });
  await ch.bindQueue('esr.dlq', 'esr.dlx', KEY);
  await ch.assertQueue('esr.classic', { durable: true, arguments: { 'x-dead-letter-exchange': 'esr.dlx', 'x-dead-letter-routing-key': KEY } });
  await ch.assertQueue('esr.qq', { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 12, 'x-dead-letter-exchange': 'esr.dlx', 'x-dead-letter-routing-key': KEY } });
  await vhost.setPolicy('esr-retry', RETRY_POLICY);

  dir = await mkdtemp(join(tmpdir(), 'h7-e2e-'));
  await mkdir(join(dir, 'policies', 'environments'), { recursive: true });
  await writeFile(
    join(dir, 'policies', 'quorum.yaml'),
    `name: drift-quorum\nappliesTo: [commands, qq]\nchecks:\n  retryBudget: { minDeliveries: 5, maxDeliveries: 100, severity: error }\n  deadLetter: { required: true, severity: error }\n`,
  );
  await writeFile(join(dir, 'policies', 'classic.yaml'), `name: drift-classic\nappliesTo: [classic]\nchecks:\n  deadLetter: { required: true, severity: error }\n`);
  await writeFile(
    join(dir, 'policies', 'environments', 'drift.yaml'),
    `name: drift\nrabbitmq:\n  managementUrl: http://127.0.0.1:15672\n  vhost: ${vhost.name}\nqueues:\n  commands:\n    name: esr.queue.commands\n  qq:\n    name: esr.qq\n  classic:\n    name: esr.classic\n`,
  );
}, 60_000);

afterAll(async () => {
  await vhost?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('policy-check on live RabbitMQ drifts (end to end)', () => {
  it('the correct topology passes', async () => {
    expect(await policyCheck()).toEqual({ code: 0, failed: [], stderr: '' });
  });

  it('policy deleted: retry budget and dead-letter fail', async () => {
    await vhost.deletePolicy('esr-retry');
    try {
      expect(await policyCheck()).toMatchObject({ code: 1, failed: ['commands:ESR-DLQ-001', 'commands:ESR-RETRY-001'] });
    } finally {
      await vhost.setPolicy('esr-retry', RETRY_POLICY);
    }
  });

  it('priority shadowed by another policy: retry budget and dead-letter fail', async () => {
    await vhost.setPolicy('esr-max-length', { pattern: '^esr\\.', definition: { 'max-length': 100_000 }, priority: 20 });
    try {
      expect(await policyCheck()).toMatchObject({ code: 1, failed: ['commands:ESR-DLQ-001', 'commands:ESR-RETRY-001'] });
    } finally {
      await vhost.deletePolicy('esr-max-length');
    }
  });

  it('operator policy lowering the limit: retry budget fails', async () => {
    await vhost.setOperatorPolicy('ops-cap', { pattern: '^esr\\.', definition: { 'delivery-limit': 1 } });
    try {
      expect(await policyCheck()).toMatchObject({ code: 1, failed: ['commands:ESR-RETRY-001', 'qq:ESR-RETRY-001'] });
    } finally {
      await vhost.deleteOperatorPolicy('ops-cap');
    }
  });

  it('DLX pointing at an exchange with no queue: dead-letter fails', async () => {
    await vhost.channel.unbindQueue('esr.dlq', 'esr.dlx', KEY);
    try {
      expect(await policyCheck()).toMatchObject({ code: 1, failed: ['classic:ESR-DLQ-001', 'commands:ESR-DLQ-001', 'qq:ESR-DLQ-001'] });
    } finally {
      await vhost.channel.bindQueue('esr.dlq', 'esr.dlx', KEY);
    }
  });

  it('classic queue without DLX: dead-letter fails', async () => {
    await vhost.channel.deleteQueue('esr.classic');
    await vhost.channel.assertQueue('esr.classic', { durable: true });
    expect(await policyCheck()).toMatchObject({ code: 1, failed: ['classic:ESR-DLQ-001'] });
  });

  it('quorum queue without delivery-limit on 3.x: retry budget fails', async () => {
    await vhost.channel.deleteQueue('esr.qq');
    await vhost.channel.assertQueue('esr.qq', { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'esr.dlx', 'x-dead-letter-routing-key': KEY } });
    expect(await policyCheck()).toMatchObject({ code: 1, failed: ['classic:ESR-DLQ-001', 'qq:ESR-RETRY-001'] });
  });
});
