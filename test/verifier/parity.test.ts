import { describe, expect, it } from 'vitest';
import { bindQueues } from '../../src/evaluate/bind.js';
import { evaluate } from '../../src/evaluate/evaluate.js';
import { compareQueues } from '../../src/evaluate/parity.js';
import { exitCode } from '../../src/evaluate/report.js';
import type { QueueSettings } from '../../src/sources/queue-settings.js';
import { consumer, environment, rabbitQueue, setting, sqsQueue } from './fixtures.js';

const bindings = { 'export-commands': 'esr.queue.appfilegenerationcommand', 'dead-letters': 'esr.dlq' };
const dlq = rabbitQueue({ name: 'esr.dlq', id: '//esr.dlq', role: 'dead-letter', deadLetterTarget: setting(null) });
const env = (name: string, queues: QueueSettings[]) => bindQueues(environment(name, bindings), queues.map((settings) => ({ settings, source: name })), new Map());

/** 2021: the legacy broker had the retry policy; the new AWS broker got the queues without it. */
const legacyCommands = rabbitQueue({ brokerVersion: '3.8.9' });
const awsCommands = rabbitQueue({
  brokerVersion: '3.8.22',
  maxDeliveries: setting<number | 'unlimited'>('unlimited', 'broker-default', 'no delivery-limit'),
  deadLetterTarget: setting(null, 'broker-default'),
  retryDelaySeconds: setting<number>(null, 'broker-default'),
});

describe('parity (--baseline): every retry/redrive setting the target lost', () => {
  it('reproduces 2021: the delivery limit, the dead-letter exchange and the delay were lost', () => {
    const report = evaluate({ policies: [], target: env('aws', [awsCommands, dlq]), baseline: env('legacy', [legacyCommands, dlq]), asOf: '2026-11-27' });
    const lost = report.findings.filter((finding) => finding.status === 'fail').map((finding) => `${finding.check} ${finding.setting ?? ''}`);
    expect(lost).toEqual(['ESR-PARITY-001 deadLetterTarget', 'ESR-PARITY-001 maxDeliveries', 'ESR-PARITY-001 retryDelaySeconds']);
    expect(report.findings.find((finding) => finding.setting === 'maxDeliveries')).toMatchObject({
      policy: 'parity',
      env: 'aws',
      queue: 'export-commands',
      expected: expect.stringContaining('as in legacy: 21'),
      actual: expect.stringContaining('unlimited'),
      location: { file: 'policies/environments/aws.yaml', line: 8 },
      fix: expect.stringContaining('rabbitmqctl set_policy'),
    });
    expect(report.findings.find((finding) => finding.queue === 'dead-letters')).toMatchObject({ check: 'ESR-PARITY-001', status: 'pass' });
    expect(report.baseline).toBe('legacy');
    expect(exitCode(report)).toBe(1);
  });

  it('identical environments hold: exit 0', () => {
    const report = evaluate({ policies: [], target: env('aws', [legacyCommands, dlq]), baseline: env('legacy', [legacyCommands, dlq]), asOf: '2026-11-27' });
    expect(exitCode(report)).toBe(0);
  });

  it('a queue missing from the target is a finding', () => {
    const report = evaluate({ policies: [], target: env('aws', [legacyCommands]), baseline: env('legacy', [legacyCommands, dlq]), asOf: '2026-11-27' });
    expect(report.findings[0]).toMatchObject({ queue: 'dead-letters', check: 'ESR-PARITY-001', setting: 'exists', status: 'fail' });
  });

  it('stronger settings in the target are not findings', () => {
    expect(compareQueues(rabbitQueue({ maxDeliveries: setting<number | 'unlimited'>(5) }), rabbitQueue())).toEqual([]);
  });

  it.each([
    ['weaker SQS receive count', sqsQueue(), sqsQueue({ maxDeliveries: setting<number | 'unlimited'>(2) }), 'maxDeliveries'],
    ['shorter visibility timeout', sqsQueue(), sqsQueue({ visibilityTimeoutSeconds: setting(30) }), 'visibilityTimeoutSeconds'],
    ['shorter retention', sqsQueue(), sqsQueue({ retentionSeconds: setting(60) }), 'retentionSeconds'],
    ['consumer retry switched off', rabbitQueue({ consumer: consumer() }), rabbitQueue({ consumer: consumer({ enabled: false }) }), 'consumerRetry'],
    ['consumer now deletes without redrive', sqsQueue({ consumer: consumer() }), sqsQueue({ consumer: consumer({ deletesOnFailureWithoutRedrive: true }) }), 'consumerRetry'],
  ])('%s', (_name, base, target, setting) => {
    expect(compareQueues(base, target).map((loss) => loss.setting)).toEqual([setting]);
  });
});
