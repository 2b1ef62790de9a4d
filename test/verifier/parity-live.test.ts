import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/policy-check.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { capture, makeWorkspace } from './workspace.js';

/**
 * Done-when of the verifier: the 2021 migration on a live RabbitMQ. Two vhosts with the same
 * queues; the baseline has the retry policy (set like `rabbitmqctl set_policy`, through
 * PUT /api/policies), the target does not — exactly what the move to the AWS broker lost.
 */
const API = 'http://127.0.0.1:15672/api';
const AUTH = `Basic ${Buffer.from('guest:guest').toString('base64')}`;
const suffix = randomBytes(4).toString('hex');
const BASELINE_VHOST = `pc-legacy-${suffix}`;
const TARGET_VHOST = `pc-aws-${suffix}`;
const RETRY_POLICY = { pattern: '^esr\\.queue\\.', 'apply-to': 'queues', priority: 1, definition: { 'delivery-limit': 20, 'dead-letter-exchange': 'esr.dlx' } };

async function api(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${API}${path}`, {
    method,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok && !(method === 'DELETE' && response.status === 404)) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
}

async function declareEsrTopology(vhost: string): Promise<void> {
  const v = encodeURIComponent(vhost);
  await api('PUT', `/vhosts/${v}`, {});
  await api('PUT', `/permissions/${v}/guest`, { configure: '.*', write: '.*', read: '.*' });
  for (const name of ['esr.queue.appfilegenerationcommand', 'esr.queue.apprecord.created.dataexporter']) {
    await api('PUT', `/queues/${v}/${name}`, { durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum' } });
  }
  await api('PUT', `/queues/${v}/esr.dlq`, { durable: true, auto_delete: false, arguments: {} });
  await api('PUT', `/exchanges/${v}/esr.dlx`, { type: 'fanout', durable: true });
  await api('POST', `/bindings/${v}/e/esr.dlx/q/esr.dlq`, { routing_key: '' });
}

let workspace: Awaited<ReturnType<typeof makeWorkspace>>;

beforeAll(async () => {
  workspace = await makeWorkspace();
  await Promise.all([declareEsrTopology(BASELINE_VHOST), declareEsrTopology(TARGET_VHOST)]);
  await api('PUT', `/policies/${encodeURIComponent(BASELINE_VHOST)}/esr-retry`, RETRY_POLICY);
  const environment = (name: string, vhost: string) => `name: ${name}
rabbitmq:
  managementUrl: http://127.0.0.1:15672
  vhost: ${vhost}
queues:
  export-commands:
    name: esr.queue.appfilegenerationcommand
    consumerConfig: ../consumers/esr-data-exporter.yml
  apprecord-created:
    name: esr.queue.apprecord.created.dataexporter
    consumerConfig: ../consumers/esr-data-exporter.yml
  dead-letters:
    name: esr.dlq
`;
  await writeFile(join(workspace.policies, 'environments', 'live-legacy.yaml'), environment('live-legacy', BASELINE_VHOST));
  await writeFile(join(workspace.policies, 'environments', 'live-aws.yaml'), environment('live-aws', TARGET_VHOST));
});

afterAll(async () => {
  await Promise.all([api('DELETE', `/vhosts/${encodeURIComponent(BASELINE_VHOST)}`), api('DELETE', `/vhosts/${encodeURIComponent(TARGET_VHOST)}`)]);
  await workspace?.cleanup();
});

async function check(args: string[]) {
  const captured = capture();
  const code = await main(['--policies', workspace.policies, ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

interface JsonFinding {
  queue: string;
  check: string;
  status: string;
  expected: string;
  actual: string;
  fix?: string;
}

describe('parity on live RabbitMQ: the 2021 migration reproduced and caught', () => {
  it('the baseline broker, with its retry policy, satisfies the ESR policies', async () => {
    const result = await check(['--env', 'live-legacy']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('the target broker lost the policy: --baseline reports every lost setting, exit 1', async () => {
    const result = await check(['--env', 'live-aws', '--baseline', 'live-legacy', '--format', 'json']);
    expect(result.code).toBe(1);
    const findings = (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings;
    const lost = (queue: string) => findings.filter((finding) => finding.queue === queue && finding.status === 'fail' && finding.check.startsWith('parity.')).map((finding) => finding.check);
    expect(lost('export-commands')).toEqual(['parity.deadLetterTarget', 'parity.maxDeliveries']);
    expect(lost('apprecord-created')).toEqual(['parity.deadLetterTarget', 'parity.maxDeliveries']);
    const limit = findings.find((finding) => finding.queue === 'export-commands' && finding.check === 'parity.maxDeliveries');
    expect(limit?.expected).toMatch(/as in live-legacy: 21 \(rabbitmq-live policy 'esr-retry/);
    expect(limit?.actual).toMatch(/^unlimited/);
    expect(limit?.fix).toContain(`rabbitmqctl set_policy --vhost '${TARGET_VHOST}'`);
  });

  it('restoring the policy on the target (the 12/08/2021 fix) makes parity hold', async () => {
    await api('PUT', `/policies/${encodeURIComponent(TARGET_VHOST)}/esr-retry`, RETRY_POLICY);
    const result = await check(['--env', 'live-aws', '--baseline', 'live-legacy']);
    expect(result.stdout).toMatch(/0 failed, 0 could not be checked/);
    expect(result.code).toBe(0);
  });
});
