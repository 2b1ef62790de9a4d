/**
 * Accuracy on the corpus (test/fixtures/exports/): policy-check runs on every artefact of every
 * topology and must give the verdict the real broker's behaviour decided (index.json: deliveries
 * counted, where a rejected message came to rest). The same topology read live — its per-vhost
 * export imported into a fresh vhost of the RabbitMQ here — must give the same verdict.
 * Zero findings other than passes on a queue the broker really dead-letters to.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECK_REGISTRY } from '../../src/evaluate/checks/registry.js';
import { exitCode, type Finding } from '../../src/evaluate/report.js';
import { runPolicyCheck } from '../../src/evaluate/run.js';
import { createVhost, deleteVhost, managementApi, MANAGEMENT_URL } from '../support/rabbitmq-management.js';
import { corpusArtefacts, type CorpusCase, type Verdicts } from '../fixtures/exports/corpus.js';

/** The policy key a finding's check id belongs to (`ESR-RETRY-001` → `retryBudget`). */
function policyCheckOf(finding: Finding): string {
  const info: { policyCheck?: string } | undefined = CHECK_REGISTRY.find((check) => check.id === finding.check);
  return info?.policyCheck ?? finding.check;
}

const policiesDir = mkdtempSync(join(tmpdir(), 'readers-corpus-'));
mkdirSync(join(policiesDir, 'environments'));
copyFileSync('test/fixtures/exports/policies/corpus.yaml', join(policiesDir, 'corpus.yaml'));

function environment(c: CorpusCase, extra = ''): string {
  const name = `${c.topology}-${c.kind}`.replace(/[^A-Za-z0-9-]/g, '-');
  writeFileSync(join(policiesDir, 'environments', `${name}.yaml`), `name: ${name}\n${extra}queues:\n  work: { name: ${c.work} }\n  dlq: { name: ${c.dlq} }\n`);
  return name;
}

/** What the report says about the case, in the terms index.json records. */
function verdictsOf(findings: readonly Finding[]): { work: Verdicts; dlqStatuses: string[] } {
  const on = (queue: string, check: string): string[] => findings.filter((f) => f.queue === queue && policyCheckOf(f) === check).map((f) => f.status);
  // a policy check may yield several ids (ESR-DLQ-001 path, ESR-DLQ-002 DLQ type and retention): it holds when all pass
  const single = (statuses: string[]): string =>
    statuses.length > 0 && statuses.every((s) => s === 'pass') ? 'pass' : statuses.includes('fail') ? 'fail' : statuses.join('+') || 'none';
  return {
    work: { retryBudget: single(on('work', 'retryBudget')) as Verdicts['retryBudget'], deadLetter: single(on('work', 'deadLetter')) as Verdicts['deadLetter'] },
    dlqStatuses: findings.filter((f) => f.queue === 'dlq').map((f) => `${f.check}:${f.status}`),
  };
}

function expectVerdicts(c: CorpusCase, findings: readonly Finding[], code: number): void {
  const { work, dlqStatuses } = verdictsOf(findings);
  expect(work, `${c.topology} ${c.kind}: ${c.title}`).toEqual(c.expected);
  if (c.dlqIsDeadLetter) expect(dlqStatuses.every((s) => s.endsWith(':pass')), `findings on the DLQ ${c.dlq}: ${dlqStatuses.join(', ')}`).toBe(true);
  const allPass = c.expected.retryBudget === 'pass' && c.expected.deadLetter === 'pass';
  expect(code, `${c.topology} ${c.kind} exit code`).toBe(allPass ? 0 : 1);
}

const cases = corpusArtefacts();
const tally = new Map<string, { right: number; total: number }>();

afterAll(() => {
  rmSync(policiesDir, { recursive: true, force: true });
  const lines = [...tally].map(([kind, t]) => `${kind} ${t.right}/${t.total}`);
  process.stderr.write(`corpus verdicts right per source kind: ${lines.join(', ')}\n`);
});

describe('accuracy corpus: every artefact gives the verdict the broker showed', () => {
  it('has at least 15 RabbitMQ topologies, each in every RabbitMQ shape', () => {
    const topologies = new Set(cases.filter((c) => c.broker === 'rabbitmq').map((c) => c.topology));
    expect(topologies.size).toBeGreaterThanOrEqual(15);
    for (const kind of ['whole-broker', 'per-vhost', 'rabbitmqadmin', 'api-folder', 'api-files', 'rabbitmqctl']) {
      expect(cases.filter((c) => c.kind === kind).length, kind).toBe(topologies.size);
    }
  });

  it.each(cases.map((c) => [`${c.topology} ${c.kind}`, c] as const))('%s', async (_name, c) => {
    const report = await runPolicyCheck({ env: environment(c), policiesDir, sources: c.paths, asOf: '2026-12-01', environ: {} });
    const entry = tally.get(c.kind) ?? { right: 0, total: 0 };
    tally.set(c.kind, entry);
    entry.total++;
    expectVerdicts(c, report.findings, exitCode(report));
    entry.right++;
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
    const env = environment(live, `rabbitmq:\n  managementUrl: ${MANAGEMENT_URL}\n  vhost: ${vhost}\n`);
    // policies reach queues within seconds of an import; the source computes them itself, so no wait is needed
    const report = await runPolicyCheck({ env, policiesDir, asOf: '2026-12-01', environ: {} });
    const entry = tally.get('live') ?? { right: 0, total: 0 };
    tally.set('live', entry);
    entry.total++;
    expectVerdicts(live, report.findings, exitCode(report));
    entry.right++;
  });
});
