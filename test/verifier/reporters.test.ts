import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildReport, type Finding, type Report } from '../../src/evaluate/report.js';
import { stepSummary, STEP_SUMMARY_MAX_BYTES } from '../../src/reporters/github.js';
import { FORMAT_NAMES, loadReporter, type FormatName } from '../../src/reporters/reporter.js';
import { fingerprint } from '../../src/reporters/sarif.js';
import { VERSION } from '../../src/version.js';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { XMLValidator } from 'fast-xml-parser';
import type { Log, Result } from 'sarif';

/** The official schema is draft-04 (`id`); ajv validates it as draft-07 with `$id` (the keywords it uses are the same). */
async function sarifValidator(): Promise<ValidateFunction> {
  const schema = JSON.parse(await readFile(new URL('../fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const { $schema: _draft04, id, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile({ ...rest, $id: id } as object);
}

const base = { policy: 'esr-export-commands', env: 'aws', queue: 'export-commands', source: 'rabbitmq-live https://b-1.mq.eu-west-2.amazonaws.com vhost /: rabbitmq-live broker-default' };
const findings: Finding[] = [
  {
    ...base,
    check: 'ESR-RETRY-001',
    severity: 'error',
    status: 'fail',
    expected: '13..100 deliveries',
    actual: 'unlimited (no delivery limit (classic queue, RabbitMQ 3.13))',
    message: 'nothing bounds redeliveries: a poison message loops forever',
    fix: `rabbitmqctl set_policy --vhost '/' --apply-to queues --priority 10 'retry-esr.q' '^esr\\.q$' '{"delivery-limit":12,"dead-letter-exchange":"esr.dlx"}'`,
    queueId: '//esr.q',
    location: { file: 'policies/esr-export-commands.yaml', line: 11 },
    queueLocation: { file: 'infra/definitions.json', line: 42 },
  },
  { ...base, check: 'ESR-DLQ-001', severity: 'error', status: 'pass', expected: 'a dead-letter exchange that routes to a queue', actual: 'exchange esr.dlx', message: 'dead-letters via esr.dlx to esr.dlq', queueId: '//esr.q', location: { file: 'policies/esr-export-commands.yaml', line: 13 } },
  {
    ...base,
    check: 'ESR-RETRY-002',
    severity: 'warning',
    status: 'waived',
    expected: '≥ 1 s between attempts',
    actual: '0 s (no delay configured)',
    message: 'attempts are 0 s apart: a requeued message is redelivered at once and collides again',
    waiver: { reason: 'wait queue | arrives <in> sprint 12 & later', expires: '2027-03-31' },
    location: { file: 'policies/esr-export-commands.yaml', line: 12 },
  },
  { ...base, queue: 'apprecord-created', check: 'ESR-CONSUMER-001', severity: 'error', status: 'error', expected: 'no loss on failure', actual: 'unknown', message: "the consumer's retry settings are unknown: bind its config with consumerConfig in the environment" },
  { ...base, policy: 'parity', check: 'ESR-PARITY-001', severity: 'error', status: 'fail', expected: 'as in legacy: exchange esr.dlx', actual: 'none', message: 'export-commands: the dead-letter target esr.dlx was lost, 100% sure', location: { file: 'policies/environments/aws.yaml', line: 16 } },
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

  it('sarif: problems are results (IaC line first, policy line related), could-not-check are notifications', async () => {
    const sarif = JSON.parse((await loadReporter('sarif')).render(report, { color: false, root: '/repo' })) as Log;
    const run = sarif.runs[0]!;
    const results = run.results ?? [];
    expect(results.map((result) => result.ruleId).sort()).toEqual(['ESR-PARITY-001', 'ESR-RETRY-001', 'ESR-RETRY-002']);
    expect(new Set(results.map((result) => result.partialFingerprints?.['policyCheck/v1'])).size).toBe(3);
    const anchored = results.find((result) => result.ruleId === 'ESR-RETRY-001')!;
    expect(anchored.locations?.[0]?.physicalLocation).toEqual({ artifactLocation: { uri: 'infra/definitions.json', uriBaseId: '%SRCROOT%' }, region: { startLine: 42 } });
    expect(anchored.relatedLocations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('policies/esr-export-commands.yaml');
    expect(anchored.relatedLocations?.[0]?.physicalLocation?.region?.startLine).toBe(11);
    expect(results.find((result) => result.ruleId === 'ESR-RETRY-002')?.locations?.[0]?.physicalLocation?.region?.startLine).toBe(12);
    expect(results.filter((result) => result.suppressions)).toHaveLength(1);
    expect(run.originalUriBaseIds?.['%SRCROOT%']?.uri).toBe('file:///repo/');
    expect(run.tool.driver.version).toBe(VERSION);
    for (const rule of run.tool.driver.rules ?? []) expect(rule.helpUri).toMatch(new RegExp(`^https://unpkg\\.com/esr-retry-toolkit@${VERSION}/docs/policies\\.md#`));
    expect(results.every((result) => run.tool.driver.rules?.[result.ruleIndex ?? -1]?.id === result.ruleId)).toBe(true);
    const notifications = run.invocations?.[0]?.toolExecutionNotifications ?? [];
    expect(notifications.map((notification) => notification.descriptor?.id)).toEqual(['ESR-CONSUMER-001']);
    expect(run.invocations?.[0]?.executionSuccessful).toBe(false);
    expect(fingerprint({ ...findings[0]!, message: 'other', location: { file: 'x', line: 99 } })).toBe(fingerprint(findings[0]!));
  });

  it('sarif validates against the official SARIF 2.1.0 schema (test/fixtures/sarif)', async () => {
    const validate = await sarifValidator();
    for (const options of [{ color: false }, { color: false, root: '/repo' }]) {
      const log: unknown = JSON.parse((await loadReporter('sarif')).render(report, options));
      expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    }
    // The validator can fail: a result without a message is rejected.
    const broken = JSON.parse((await loadReporter('sarif')).render(report, { color: false })) as Log;
    delete (broken.runs[0]!.results![0] as Partial<Result>).message;
    expect(validate(broken)).toBe(false);
  });

  it('junit: time, timestamp and hostname; control characters never break the XML', async () => {
    const hostile = buildReport('aws', undefined, [
      ...findings,
      { ...findings[0]!, queue: 'esr.q\u0000\u0007\u001b[31m', message: 'bell \u0007 nul \u0000 vt \u000b "quotes" <tags> & ]]>' },
    ]);
    const xml = (await loadReporter('junit')).render(hostile, { color: false, run: { startedAt: '2026-12-01T10:00:00.250Z', seconds: 1.5, hostname: 'ci-runner-1' } });
    expect(XMLValidator.validate(xml)).toBe(true);
    // eslint-disable-next-line no-control-regex -- XML 1.0 forbids these: none may reach the file
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(xml).toContain('<testsuite name="esr-export-commands" tests="5" failures="2" errors="1" skipped="1" time="1.500" timestamp="2026-12-01T10:00:00" hostname="ci-runner-1">');
    // The parser does reject what unescaped outside text would produce (it does not reject raw control characters: the regex above does).
    expect(XMLValidator.validate('<testcase name="q "quoted" <tags>"></testcase>')).not.toBe(true);
  });

  it('the table never cuts a value for a file or a pipe, only on a terminal', async () => {
    const long = buildReport('aws', undefined, [{ ...findings[0]!, actual: `x${'y'.repeat(200)}z` }]);
    const table = await loadReporter('table');
    expect(table.render(long, { color: false }).split('\n')[1]).toContain(`x${'y'.repeat(200)}z`);
    expect(table.render(long, { color: false, clip: true }).split('\n')[1]).toContain('…');
  });

  it.each(['table', 'github', 'markdown'] as const)('%s: outside text cannot start a workflow command line (issue 13 row 6)', async (format) => {
    const evil = buildReport('aws', undefined, [{ ...findings[0]!, actual: 'exchange esr.dlx\n::error::x', message: 'dead-letters via esr.dlx\n::error::x', fix: "rabbitmqctl set_policy x '{\"dead-letter-exchange\":\"esr.dlx\n::error::x\"}'" }]);
    const text = (await loadReporter(format)).render(evil, { color: false });
    expect(text).not.toMatch(/^::error::x/m);
    expect(text).toContain('esr.dlx\\n::error::x');
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
