import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildReport, type Finding, type Report } from '../../src/evaluate/report.js';
import { stepSummary, STEP_SUMMARY_MAX_BYTES } from '../../src/reporters/github.js';
import { FORMAT_NAMES, loadReporter, type FormatName } from '../../src/reporters/reporter.js';
import { fingerprint } from '../../src/reporters/sarif.js';

const base = { policy: 'esr-export-commands', env: 'aws', queue: 'export-commands', source: 'rabbitmq-live https://b-1.mq.eu-west-2.amazonaws.com vhost /: rabbitmq-live broker-default' };
const findings: Finding[] = [
  {
    ...base,
    check: 'retryBudget',
    severity: 'error',
    status: 'fail',
    expected: '13..100 deliveries',
    actual: 'unlimited (no delivery limit (classic queue, RabbitMQ 3.13))',
    message: 'nothing bounds redeliveries: a poison message loops forever',
    fix: `rabbitmqctl set_policy --vhost '/' --apply-to queues --priority 10 'retry-esr.q' '^esr\\.q$' '{"delivery-limit":12,"dead-letter-exchange":"esr.dlx"}'`,
    queueId: '//esr.q',
    location: { file: 'policies/esr-export-commands.yaml', line: 11 },
  },
  { ...base, check: 'deadLetter', severity: 'error', status: 'pass', expected: 'a dead-letter exchange that routes to a queue', actual: 'exchange esr.dlx', message: 'dead-letters via esr.dlx to esr.dlq', queueId: '//esr.q', location: { file: 'policies/esr-export-commands.yaml', line: 13 } },
  {
    ...base,
    check: 'retryDelay',
    severity: 'warning',
    status: 'waived',
    expected: '≥ 1 s between attempts',
    actual: '0 s (no delay configured)',
    message: 'attempts are 0 s apart: a requeued message is redelivered at once and collides again',
    waiver: { reason: 'wait queue | arrives <in> sprint 12 & later', expires: '2027-03-31' },
    location: { file: 'policies/esr-export-commands.yaml', line: 12 },
  },
  { ...base, queue: 'apprecord-created', check: 'consumerRetry', severity: 'error', status: 'error', expected: 'no loss on failure', actual: 'unknown', message: "the consumer's retry settings are unknown: bind its config with consumerConfig in the environment" },
  { ...base, policy: 'parity', check: 'parity.deadLetterTarget', severity: 'error', status: 'fail', expected: 'as in legacy: exchange esr.dlx', actual: 'none', message: 'export-commands: the dead-letter target esr.dlx was lost, 100% sure', location: { file: 'policies/environments/aws.yaml', line: 16 } },
];
const report: Report = buildReport('aws', 'legacy', findings);
const EXTENSION: Record<FormatName, string> = { table: 'txt', json: 'json', junit: 'xml', sarif: 'sarif', github: 'txt', markdown: 'md' };

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe('reporters: one golden file per format, pure render(report)', () => {
  it.each(FORMAT_NAMES)('%s', async (format) => {
    const reporter = await loadReporter(format);
    const frozen = deepFreeze(structuredClone(report));
    const text = reporter.render(frozen, { color: false });
    expect(frozen).toEqual(report);
    const golden = new URL(`golden/report.${format}.${EXTENSION[format]}`, import.meta.url);
    if (process.env.UPDATE_GOLDEN) await writeFile(golden, text);
    expect(text).toBe(await readFile(golden, 'utf8'));
  });

  it('the json reporter follows the documented schema', async () => {
    const parsed = JSON.parse((await loadReporter('json')).render(report, { color: false })) as { summary: unknown; findings: Record<string, unknown>[] };
    expect(parsed.summary).toEqual({ passed: 1, failed: 2, errors: 1, waived: 1 });
    for (const finding of parsed.findings) {
      expect(Object.keys(finding).slice(0, 10)).toEqual(['policy', 'env', 'queue', 'check', 'severity', 'status', 'expected', 'actual', 'message', 'source']);
    }
  });

  it('the table is coloured only when asked', async () => {
    const table = await loadReporter('table');
    expect(table.render(report, { color: true })).toContain('\u001b[31m');
    expect(table.render(report, { color: false })).not.toContain('\u001b[');
  });

  it('sarif fingerprints are stable and distinct, anchored to the policy line', async () => {
    const sarif = JSON.parse((await loadReporter('sarif')).render(report, { color: false })) as {
      version: string;
      runs: { results: { partialFingerprints: Record<string, string>; locations: { physicalLocation: { region: { startLine: number } } }[]; suppressions?: unknown[] }[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    const results = sarif.runs[0]?.results ?? [];
    expect(results).toHaveLength(4);
    expect(new Set(results.map((result) => result.partialFingerprints['policyCheck/v1'])).size).toBe(4);
    expect(results.find((result) => result.locations.length > 0)?.locations[0]?.physicalLocation.region.startLine).toBe(11);
    expect(results.filter((result) => result.suppressions)).toHaveLength(1);
    expect(fingerprint({ ...findings[0]!, message: 'other', location: { file: 'x', line: 99 } })).toBe(fingerprint(findings[0]!));
  });

  it("github annotations respect GitHub's limits and escape workflow-command syntax", async () => {
    const many = buildReport('aws', undefined, Array.from({ length: 25 }, (_, index) => ({ ...findings[0]!, queue: `q${String(index).padStart(2, '0')}` })));
    const lines = (await loadReporter('github')).render(many, { color: false }).trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('::error '))).toHaveLength(10);
    expect(lines).toContain("::notice title=policy-check::15 more finding(s) are not annotated (GitHub's limit): see the step summary");
    const escaped = (await loadReporter('github')).render(report, { color: false });
    expect(escaped).toContain('100%25 sure');
    const escapedLines = escaped.trimEnd().split('\n');
    expect(escapedLines.slice(0, -1).every((line) => line.startsWith('::'))).toBe(true);
    expect(escapedLines.at(-1)).toMatch(/^policy-check aws \(baseline legacy\): 2 failed/);
  });

  it('the step summary stays under 1 MiB', () => {
    const huge = buildReport('aws', undefined, Array.from({ length: 5000 }, (_, index) => ({ ...findings[0]!, queue: `queue-${index}`, message: 'x'.repeat(300) })));
    const summary = stepSummary(huge);
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(STEP_SUMMARY_MAX_BYTES);
    expect(summary).toContain('truncated');
  });
});
