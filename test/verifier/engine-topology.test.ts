import { mkdir, mkdtemp, cp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker } from '../../src/brokers/create-broker.js';
import { main } from '../../src/cli/policy-check.js';
import { systemClock } from '../../src/engine/clock.js';
import { createVhost, deleteVhost, MANAGEMENT_URL } from '../support/rabbitmq-management.js';
import { capture } from './workspace.js';

/**
 * The engine must pass its own gate: the topology `esr-export run --broker rabbitmq` declares, with
 * its default retry, satisfies the shipped ESR export-commands policy — checked live, read-only.
 */
const VHOST = `engine-${randomBytes(4).toString('hex')}`;
let policies: string;

beforeAll(async () => {
  await createVhost(VHOST);
  const broker = await createBroker({
    kind: 'rabbitmq',
    amqpUrl: `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(VHOST)}`,
    retry: { mode: 'budget', maxDeliveries: 20, delayMs: 1000 },
    clock: systemClock,
  });
  await broker.setup();
  await broker.close();

  const dir = await mkdtemp(join(tmpdir(), 'engine-topology-'));
  policies = join(dir, 'policies');
  await mkdir(join(policies, 'environments'), { recursive: true });
  await cp('policies/esr-export-commands.yaml', join(policies, 'esr-export-commands.yaml'));
  await cp('policies/consumers', join(policies, 'consumers'), { recursive: true });
  await writeFile(
    join(policies, 'environments', 'engine.yaml'),
    `name: engine
rabbitmq:
  managementUrl: ${MANAGEMENT_URL}
  vhost: ${VHOST}
queues:
  export-commands:
    name: esr.queue.appfilegenerationcommand
    consumerConfig: ../consumers/esr-export-engine.yml
`,
  );
});

afterAll(async () => {
  await deleteVhost(VHOST);
  if (policies) await rm(join(policies, '..'), { recursive: true, force: true });
});

describe("the engine's own RabbitMQ topology", () => {
  it('passes the shipped export-commands policy (exit 0)', async () => {
    const captured = capture();
    const code = await main(['--policies', policies, '--env', 'engine', '--format', 'json'], captured.io);
    const report = JSON.parse(captured.stdout()) as { findings: { check: string; status: string; actual: string }[] };
    const failed = report.findings.filter((f) => f.status !== 'pass');
    expect(failed.filter((f) => f.check !== 'ESR-RETRY-002'), JSON.stringify(failed, null, 2)).toEqual([]);
    expect(code).toBe(0);
    expect(report.findings.find((f) => f.check === 'ESR-RETRY-001')?.actual).toMatch(/^20\b/);
  });
});
