import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/policy-check.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { capture, makeWorkspace } from './workspace.js';
import { MANAGEMENT_URL } from '../support/rabbitmq-management.js';
import { stageRabbitMq, type StagedBrokers } from '../../src/live/staging.js';

/**
 * Done-when of the verifier: the 2021 migration on a live RabbitMQ. Two vhosts with the same
 * queues; the baseline has the retry policy (set like `rabbitmqctl set_policy`, through
 * PUT /api/policies), the target does not — exactly what the move to the AWS broker lost.
 */
let workspace: Awaited<ReturnType<typeof makeWorkspace>>;
let staged: StagedBrokers;
let TARGET_VHOST: string;

beforeAll(async () => {
  workspace = await makeWorkspace();
  // The same staging the README's story uses: the legacy vhost has the retry policy, the new one lost it.
  staged = await stageRabbitMq(MANAGEMENT_URL, randomBytes(4).toString('hex'));
  TARGET_VHOST = staged.target;
  await writeFile(join(workspace.policies, 'environments', 'live-legacy.yaml'), staged.legacyEnvironment.replace('name: legacy', 'name: live-legacy'));
  await writeFile(join(workspace.policies, 'environments', 'live-aws.yaml'), staged.targetEnvironment.replace('name: aws', 'name: live-aws'));
});

afterAll(async () => {
  await staged?.cleanup();
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
  setting?: string;
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
    const lost = (queue: string) => findings.filter((finding) => finding.queue === queue && finding.status === 'fail' && finding.check === 'ESR-PARITY-001').map((finding) => `parity.${finding.setting ?? ''}`);
    expect(lost('export-commands')).toEqual(['parity.deadLetterTarget', 'parity.maxDeliveries']);
    expect(lost('apprecord-created')).toEqual(['parity.deadLetterTarget', 'parity.maxDeliveries']);
    const limit = findings.find((finding) => finding.queue === 'export-commands' && finding.setting === 'maxDeliveries');
    expect(limit?.expected).toMatch(/as in live-legacy: 21 \(rabbitmq-live policy 'esr-retry/);
    expect(limit?.actual).toMatch(/^unlimited/);
    expect(limit?.fix).toContain(`rabbitmqctl set_policy --vhost '${TARGET_VHOST}'`);
  });

  it('restoring the policy on the target (the 12/08/2021 fix) makes parity hold', async () => {
    await staged.applyFix();
    const result = await check(['--env', 'live-aws', '--baseline', 'live-legacy']);
    expect(result.stdout).toMatch(/0 failed, 0 could not be checked/);
    expect(result.code).toBe(0);
  });
});
