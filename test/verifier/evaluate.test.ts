import { describe, expect, it } from 'vitest';
import { bindQueues, type LoadedEnvironment } from '../../src/evaluate/bind.js';
import { evaluate } from '../../src/evaluate/evaluate.js';
import { exitCode } from '../../src/evaluate/report.js';
import type { Policy } from '../../src/policy/types.js';
import type { QueueSettings } from '../../src/sources/queue-settings.js';
import { consumer, environment, policy, rabbitQueue, setting } from './fixtures.js';

function loaded(name: string, queues: QueueSettings[], bindings: Record<string, string> = { 'export-commands': 'esr.queue.appfilegenerationcommand' }): LoadedEnvironment {
  return bindQueues(environment(name, bindings), queues.map((settings) => ({ settings, source: `rabbitmq-live ${name}` })), new Map());
}

const dlq = rabbitQueue({ name: 'esr.dlq', id: '//esr.dlq', role: 'dead-letter', deadLetterTarget: setting(null) });
const run = (policies: Policy[], target: LoadedEnvironment, asOf = '2026-11-27', baseline?: LoadedEnvironment) =>
  evaluate({ policies, target, asOf, ...(baseline ? { baseline } : {}) });

describe('evaluate: policies × bound queues → one report, one exit code', () => {
  it('passes a healthy queue: exit 0', () => {
    const report = run([policy()], loaded('local', [rabbitQueue(), dlq]));
    expect(report.summary).toEqual({ passed: 4, failed: 0, errors: 0, waived: 0 });
    expect(exitCode(report)).toBe(0);
  });

  it('a violated error-severity check exits 1 and says how to fix it', () => {
    const report = run([policy()], loaded('aws', [rabbitQueue({ maxDeliveries: setting<number | 'unlimited'>(2) }), dlq]));
    const finding = report.findings[0];
    expect(finding).toMatchObject({ policy: 'esr-export-commands', env: 'aws', queue: 'export-commands', check: 'ESR-RETRY-001', status: 'fail', severity: 'error' });
    expect(finding?.location).toEqual({ file: 'policies/esr-export-commands.yaml', line: 5 });
    expect(finding?.fix).toContain(`rabbitmqctl set_policy --vhost '/' --apply-to queues --priority 10 'retry-esr.queue.appfilegenerationcommand' '^esr\\.queue\\.appfilegenerationcommand$' '{"delivery-limit":12,"dead-letter-exchange":"esr.dlx"}'`);
    expect(exitCode(report)).toBe(1);
  });

  it('a violated warning is reported but does not fail the run', () => {
    const report = run([policy()], loaded('aws', [rabbitQueue({ retryDelaySeconds: setting<number>(0) }), dlq]));
    expect(report.summary.failed).toBe(1);
    expect(exitCode(report)).toBe(0);
  });

  it('a queue bound but missing from the broker is a violation', () => {
    const report = run([policy()], loaded('aws', [dlq]));
    expect(report.findings).toMatchObject([{ check: 'ESR-EXISTS-001', status: 'fail', location: { file: 'policies/environments/aws.yaml', line: 8 } }]);
    expect(exitCode(report)).toBe(1);
  });

  it('a logical queue the environment does not bind cannot be checked: exit 2', () => {
    const report = run([policy()], loaded('aws', [rabbitQueue()], { other: 'x' }));
    expect(report.findings).toMatchObject([{ check: 'ESR-BIND-001', status: 'error', location: { line: 3 } }]);
    expect(exitCode(report)).toBe(2);
  });

  it('a bound queue whose role exempts it from every check still shows it exists', () => {
    const report = run([policy({ appliesTo: ['dead-letters'] })], loaded('aws', [dlq], { 'dead-letters': 'esr.dlq' }));
    expect(report.findings).toMatchObject([{ check: 'ESR-EXISTS-001', status: 'pass' }]);
  });

  it('attaches the consumer config of a binding without mutating the source queue', () => {
    const queue = rabbitQueue({ maxDeliveries: setting<number | 'unlimited'>('unlimited') });
    const target = bindQueues(environment('aws', { 'export-commands': queue.name }), [{ settings: queue, source: 's' }], new Map([['export-commands', consumer()]]));
    expect(queue.consumer).toBeUndefined();
    expect(exitCode(run([policy()], target))).toBe(0);
  });
});

describe('waivers: reason and expiry, an expired one fails the run', () => {
  const failing = () => loaded('aws', [rabbitQueue({ maxDeliveries: setting<number | 'unlimited'>(2) }), dlq]);
  const waived = (expires: string, env?: string) =>
    policy({ waivers: [{ queue: 'export-commands', check: 'retryBudget', reason: 'migration in progress, see ticket ESR-123', expires, ...(env ? { env } : {}) }], waiverLines: [12] });

  it('a live waiver turns the failure into waived: exit 0', () => {
    const report = run([waived('2026-11-27')], failing());
    expect(report.findings[0]).toMatchObject({ status: 'waived', waiver: { expires: '2026-11-27' } });
    expect(exitCode(report)).toBe(0);
  });

  it('an expired waiver waives nothing and is a violation of its own', () => {
    const report = run([waived('2026-11-26')], failing());
    expect(report.findings.map((finding) => [finding.check, finding.status])).toEqual([
      ['ESR-RETRY-001', 'fail'],
      ['ESR-WAIVER-001', 'fail'],
      ['ESR-DLQ-001', 'pass'],
      ['ESR-DLQ-002', 'pass'],
      ['ESR-RETRY-002', 'pass'],
    ]);
    expect(report.findings[1]?.location).toEqual({ file: 'policies/esr-export-commands.yaml', line: 12 });
    expect(exitCode(report)).toBe(1);
  });

  it('an expired waiver fails even when the queue now passes', () => {
    expect(exitCode(run([waived('2020-01-01')], loaded('aws', [rabbitQueue(), dlq])))).toBe(1);
  });

  it('a waiver for another environment does not apply', () => {
    expect(run([waived('2027-01-01', 'legacy')], failing()).findings[0]?.status).toBe('fail');
  });
});

describe('policies that cover an estate: selectors, coverage, --strict', () => {
  const work = (name: string, vhost: string, overrides: Partial<QueueSettings> = {}) => rabbitQueue({ name, id: `${vhost}/${name}`, vhost, ...overrides });
  const deadLetter = (name: string, vhost: string) => work(name, vhost, { role: 'dead-letter', deadLetterTarget: setting(null) });
  const estate = (queues: QueueSettings[]) => bindQueues(environment('aws', {}), queues.map((settings) => ({ settings, source: 'definitions estate.json' })), new Map());
  const byPattern = policy({ appliesTo: [], selectors: [{ selector: { pattern: '^esr\\.', role: 'work' }, line: 3 }] });

  it('a selector checks every matching work queue of every vhost, each once, never its DLQ', () => {
    const queues = [work('esr.a', 'v1'), work('esr.a', 'v2', { maxDeliveries: setting<number | 'unlimited'>(2) }), deadLetter('esr.dlq', 'v1'), work('other', 'v1')];
    const report = run([byPattern], estate(queues));
    const checked = [...new Set(report.findings.map((finding) => finding.queueId))].sort();
    expect(checked).toEqual(['v1/esr.a', 'v2/esr.a']);
    expect(report.findings.filter((finding) => finding.status === 'fail').map((finding) => [finding.queueId, finding.check])).toEqual([['v2/esr.a', 'ESR-RETRY-001']]);
    expect(report.findings.some((finding) => finding.queueId === 'v1/esr.dlq')).toBe(false);
  });

  it('a queue no policy covers is listed; --strict makes it an ESR-COVER-001 failure; a covered queue\'s DLQ is covered', () => {
    const queues = [work('esr.a', 'v1'), rabbitQueue({ name: 'esr.dlq', id: 'v1/esr.dlq', vhost: 'v1', role: 'dead-letter', deadLetterTarget: setting(null) }), work('other', 'v1')];
    queues[0] = work('esr.a', 'v1', { deadLetterTarget: setting({ kind: 'exchange' as const, name: 'esr.dlx', resolvedQueues: ['esr.dlq'] }) });
    const lenient = run([byPattern], estate(queues));
    expect(lenient.notCovered?.map((queue) => queue.queueId)).toEqual(['v1/other']);
    expect(exitCode(lenient)).toBe(0);
    const strict = evaluate({ policies: [byPattern], target: estate(queues), asOf: '2026-11-27', strict: true });
    expect(strict.findings.filter((finding) => finding.check === 'ESR-COVER-001').map((finding) => [finding.queueId, finding.status, finding.severity])).toEqual([['v1/other', 'fail', 'error']]);
    expect(exitCode(strict)).toBe(1);
  });

  it('a waiver names one check id and waives exactly that one', () => {
    const failingBoth = work('esr.a', 'v1', { maxDeliveries: setting<number | 'unlimited'>(2), retryDelaySeconds: setting(0) });
    const waiving = policy({ ...byPattern, waivers: [{ queue: 'v1/esr.a', check: 'ESR-RETRY-001', reason: 'replaced next sprint, ticket ESR-9', expires: '2027-01-01' }], waiverLines: [9] });
    const report = run([waiving], estate([failingBoth]));
    expect(report.findings.filter((finding) => finding.status !== 'pass').map((finding) => [finding.check, finding.status])).toEqual([['ESR-RETRY-002', 'fail'], ['ESR-RETRY-001', 'waived']]);
  });

  it('a stream is found but no retry check applies to it', () => {
    const report = run([byPattern], estate([work('esr.events', 'v1', { queueType: 'stream', maxDeliveries: setting<number | 'unlimited'>(null, 'broker-default') })]));
    expect(report.findings).toMatchObject([{ check: 'ESR-EXISTS-001', status: 'pass', message: /a stream: no retry check applies/ }]);
  });
});
