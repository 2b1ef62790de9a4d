/**
 * What every Source promises, run against each implementation (test/sources/source-contract.test.ts):
 * a description without secrets, well-formed QueueSettings with provenance, unique ids, dead-letter
 * targets that name queues, and the same answer when read twice.
 */
import { expect, it } from 'vitest';
import type { QueueSettings, Setting, Source } from '../../src/sources/queue-settings.js';

export interface SourceContractCase {
  /** Builds the source; called once per test. */
  source: () => Source;
  /** Strings that must never appear in the description or the settings (passwords, secret keys). */
  secrets: string[];
  /** At least this many queues are read. */
  minQueues: number;
}

const ROLES = ['work', 'dead-letter', 'wait'];
const TYPES = ['classic', 'quorum', 'stream', 'standard', 'fifo'];
const ORIGINS = ['x-argument', 'policy', 'operator-policy', 'attribute', 'broker-default', 'file', 'consumer-config'];

function checkSetting(queue: QueueSettings, field: string, setting: Setting<unknown>): void {
  const where = `${queue.id} ${field}`;
  expect(ORIGINS, where).toContain(setting.from.origin);
  expect(setting.from.source, where).toMatch(/^[a-z-]+$/);
  if (setting.unknown) expect(setting.value, `${where}: unknown values are null`).toBeNull();
  if (typeof setting.value === 'number') expect(Number.isFinite(setting.value) && setting.value >= 0, where).toBe(true);
}

export function sourceContract(make: () => SourceContractCase): void {
  it('has a description and settings that contain no secret', async () => {
    const { source, secrets } = make();
    const s = source();
    const text = `${s.description}\n${JSON.stringify(await s.load())}`;
    expect(s.description.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('reads well-formed settings: roles, types, provenance, unique ids, dead-letter targets naming queues', async () => {
    const { source, minQueues } = make();
    const queues = await source().load();
    expect(queues.length).toBeGreaterThanOrEqual(minQueues);
    expect(new Set(queues.map((q) => q.id)).size).toBe(queues.length);
    for (const queue of queues) {
      expect(ROLES).toContain(queue.role);
      expect(TYPES).toContain(queue.queueType);
      expect(queue.name.length).toBeGreaterThan(0);
      const settings = {
        maxDeliveries: queue.maxDeliveries,
        deadLetterTarget: queue.deadLetterTarget,
        retryDelaySeconds: queue.retryDelaySeconds,
        visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
        retentionSeconds: queue.retentionSeconds,
        messageTtlSeconds: queue.messageTtlSeconds,
      };
      for (const [field, setting] of Object.entries(settings)) checkSetting(queue, field, setting);
      const max = queue.maxDeliveries.value;
      if (max !== null) expect(max === 'unlimited' || (Number.isInteger(max) && max >= 1), queue.id).toBe(true);
      const target = queue.deadLetterTarget.value;
      if (target !== null) {
        expect(target.kind).toBe(queue.broker === 'sqs' ? 'queue' : 'exchange');
        for (const name of target.resolvedQueues ?? []) expect(name, queue.id).not.toMatch(/^arn:|^https?:/);
      }
      if (queue.role === 'dead-letter') {
        // some other queue dead-letters to it (known, or unknown until apply: a plan names the target resource)
        const targeted = queues.some((other) => other !== queue && (other.deadLetterTarget.value?.resolvedQueues ?? []).includes(queue.name));
        expect(targeted || queues.some((other) => other.deadLetterTarget.unknown === true), queue.id).toBe(true);
      }
    }
  });

  it('gives the same answer when read twice (read-only, deterministic)', async () => {
    const { source } = make();
    const s = source();
    expect(await s.load()).toEqual(await s.load());
  });
}
