/**
 * An estate read live: one environment over several vhosts of the real broker, one policy selecting
 * by pattern and role across all of them, and the queues nobody covers listed (failing with --strict).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/evaluate/evaluate.js';
import { readEnvironment } from '../../src/evaluate/load-environment.js';
import { exitCode } from '../../src/evaluate/report.js';
import { MANAGEMENT_URL, TestVhost } from '../sources/rabbit-admin.js';
import { policy } from './fixtures.js';

let first: TestVhost;
let second: TestVhost;

beforeAll(async () => {
  [first, second] = await Promise.all([TestVhost.create('sem-estate-a'), TestVhost.create('sem-estate-b')]);
  for (const vhost of [first, second]) {
    await vhost.channel.assertExchange('esr.dlx', 'fanout', { durable: true });
    await vhost.channel.assertQueue('esr.dlq', { durable: true });
    await vhost.channel.bindQueue('esr.dlq', 'esr.dlx', '');
  }
  const quorum = (limit: number) => ({ durable: true, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': limit, 'x-dead-letter-exchange': 'esr.dlx' } });
  await first.channel.assertQueue('esr.commands', quorum(12));
  await second.channel.assertQueue('esr.commands', quorum(2));
  await second.channel.assertQueue('reports', { durable: true });
}, 30_000);

afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
});

describe('policies that cover an estate, read live across vhosts', () => {
  it('checks every work queue the selector matches in every vhost, never a DLQ as a work queue, and lists the uncovered', async () => {
    const environment = {
      name: 'estate',
      file: 'policies/environments/estate.yaml',
      rabbitmq: { managementUrl: MANAGEMENT_URL, vhost: first.name, vhosts: [second.name] },
      queues: {},
      queueLines: {},
    };
    const target = await readEnvironment(environment, { environ: {} });
    const estatePolicy = policy({
      appliesTo: [],
      selectors: [{ selector: { pattern: '^esr\\.', role: 'work' }, line: 3 }],
      checks: { retryBudget: { minDeliveries: 5, maxDeliveries: 50, severity: 'error' }, deadLetter: { required: true, severity: 'error' } },
    });
    const report = evaluate({ policies: [estatePolicy], target, asOf: '2026-12-01' });
    expect(report.findings.map((finding) => [finding.queueId, finding.check, finding.status]).sort()).toEqual([
      [`${first.name}/esr.commands`, 'ESR-DLQ-001', 'pass'],
      [`${first.name}/esr.commands`, 'ESR-DLQ-002', 'pass'],
      [`${first.name}/esr.commands`, 'ESR-RETRY-001', 'pass'],
      [`${second.name}/esr.commands`, 'ESR-DLQ-001', 'pass'],
      [`${second.name}/esr.commands`, 'ESR-DLQ-002', 'pass'],
      [`${second.name}/esr.commands`, 'ESR-RETRY-001', 'fail'],
    ]);
    expect(report.notCovered?.map((queue) => queue.queueId)).toEqual([`${second.name}/reports`]);
    expect(exitCode(report)).toBe(1);
    const strict = evaluate({ policies: [estatePolicy], target, asOf: '2026-12-01', strict: true });
    expect(strict.findings.filter((finding) => finding.check === 'ESR-COVER-001').map((finding) => finding.queueId)).toEqual([`${second.name}/reports`]);
  }, 30_000);
});
