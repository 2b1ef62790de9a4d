/**
 * Accuracy on the corpus (test/fixtures/exports/): policy-check runs on every artefact of every
 * topology and must give the verdict the real broker's behaviour decided (index.json: deliveries
 * counted, where a rejected message came to rest). The same topology read live — its per-vhost
 * export imported into a fresh vhost of the RabbitMQ here — must give the same verdict.
 * Zero findings other than passes on a queue the broker really dead-letters to.
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCode, type Finding } from '../../src/evaluate/report.js';
import { runPolicyCheck } from '../../src/evaluate/run.js';
import { filesSource } from '../../src/sources/files.js';
import type { QueueSettings } from '../../src/sources/queue-settings.js';
import { rabbitmqLiveSource } from '../../src/sources/rabbitmq-live.js';
import { createVhost, deleteVhost, managementApi, MANAGEMENT_URL } from '../support/rabbitmq-management.js';
import { corpusArtefacts, CorpusPolicies, expectedExitCode, verdictsOf, type CorpusCase } from '../fixtures/exports/corpus.js';

const policies = new CorpusPolicies();

function expectVerdicts(c: CorpusCase, findings: readonly Finding[], code: number): void {
  const { work, dlqStatuses } = verdictsOf(findings);
  expect(work, `${c.topology} ${c.kind}: ${c.title}`).toEqual(c.expected);
  if (c.dlqIsDeadLetter) expect(dlqStatuses.every((s) => s.endsWith(':pass')), `findings on the DLQ ${c.dlq}: ${dlqStatuses.join(', ')}`).toBe(true);
  expect(code, `${c.topology} ${c.kind} exit code`).toBe(expectedExitCode(c));
}

const cases = corpusArtefacts();

const SETTING_KEYS = ['maxDeliveries', 'deadLetterTarget', 'retryDelaySeconds', 'visibilityTimeoutSeconds', 'retentionSeconds', 'messageTtlSeconds'] as const;

/** A queue's settings as the semantics decided them: everything but where the source found them (the vhost's name, file, line, reader). */
function decided(queue: QueueSettings): object {
  const settings = Object.fromEntries(
    SETTING_KEYS.map((key) => {
      const { value, unknown, from } = queue[key];
      return [key, { value, unknown: unknown === true, origin: from.origin, detail: from.detail }];
    }),
  );
  return { name: queue.name, role: queue.role, queueType: queue.queueType, brokerVersion: queue.brokerVersion, settings };
}
const tally = new Map<string, { right: number; total: number }>();

function count(kind: string, check: () => void): void {
  const entry = tally.get(kind) ?? { right: 0, total: 0 };
  tally.set(kind, entry);
  entry.total++;
  check();
  entry.right++;
}

afterAll(() => {
  rmSync(policies.dir, { recursive: true, force: true });
  process.stderr.write(`corpus verdicts right per source kind: ${[...tally].map(([kind, t]) => `${kind} ${t.right}/${t.total}`).join(', ')}\n`);
});

describe('accuracy corpus: every artefact gives the verdict the broker showed', () => {
  it('has at least 15 RabbitMQ topologies, each in every RabbitMQ shape, and SQS topologies in every AWS shape', () => {
    const rabbit = new Set(cases.filter((c) => c.broker === 'rabbitmq').map((c) => c.topology));
    expect(rabbit.size).toBeGreaterThanOrEqual(15);
    for (const kind of ['whole-broker', 'per-vhost', 'rabbitmqadmin', 'api-folder', 'api-files', 'rabbitmqctl']) {
      expect(cases.filter((c) => c.kind === kind).length, kind).toBe(rabbit.size);
    }
    const sqs = new Set(cases.filter((c) => c.broker === 'sqs').map((c) => c.topology));
    expect(sqs.size).toBeGreaterThanOrEqual(5);
    for (const kind of ['aws-cli', 'aws-cli-files', 'terraform-plan', 'terraform-config', 'cloudformation-yaml', 'cloudformation-json']) {
      expect(cases.filter((c) => c.kind === kind).length, kind).toBe(sqs.size);
    }
  });

  it.each(cases.map((c) => [`${c.topology} ${c.kind}`, c] as const))('%s', async (_name, c) => {
    const report = await runPolicyCheck({ env: policies.environment(c), policiesDir: policies.dir, sources: c.paths, asOf: '2026-12-01', environ: {} });
    count(c.kind, () => expectVerdicts(c, report.findings, exitCode(report)));
  });
});

describe('the same topology read live gives the same verdict', () => {
  const vhosts: string[] = [];
  afterAll(async () => {
    for (const vhost of vhosts) await deleteVhost(vhost);
  });

  const perVhost = cases.filter((c) => c.kind === 'per-vhost');
  it.each(perVhost.map((c) => [c.topology, c] as const))('%s live', async (_name, c) => {
    const vhost = `readers-live-${c.topology}-${Math.random().toString(36).slice(2, 8)}`;
    vhosts.push(vhost);
    await createVhost(vhost);
    await managementApi('POST', `/definitions/${encodeURIComponent(vhost)}`, JSON.parse(readFileSync(c.paths[0] ?? '', 'utf8')));
    const live = { ...c, kind: 'live' };
    const env = policies.environment(live, `rabbitmq:\n  managementUrl: ${MANAGEMENT_URL}\n  vhost: ${vhost}\n`);
    // the source computes policies itself: no wait for the broker to apply them is needed
    const report = await runPolicyCheck({ env, policiesDir: policies.dir, asOf: '2026-12-01', environ: {} });
    count('live', () => expectVerdicts(live, report.findings, exitCode(report)));
    // one parser: the live answers and the management API's own files of the topology make the same settings
    const apiFolder = cases.find((other) => other.topology === c.topology && other.kind === 'api-folder');
    const fromFiles = await filesSource(apiFolder?.paths ?? []).load();
    const fromLive = await rabbitmqLiveSource({ managementUrl: MANAGEMENT_URL, vhost, username: 'guest', password: 'guest' }).load();
    expect(fromLive.length, `${c.topology}: queues read live`).toBeGreaterThan(0);
    expect(fromLive.map(decided)).toEqual(fromFiles.map(decided));
  });
});
