import type { QueueSettings, Setting } from '../sources/queue-settings.js';
import type { LoadedEnvironment } from './bind.js';
import { brokerDeliveries, describeProvenance, formatCount } from './effective.js';
import { fixFor, type Wanted } from './remediation.js';
import type { Finding } from './report.js';

/** One retry/redrive setting the target lost or weakened compared with the baseline. */
interface Loss {
  setting: string;
  baseline: string;
  target: string;
  status: 'fail' | 'error';
  message: string;
  wanted: Wanted;
}

function numericLoss(setting: string, base: Setting<number>, target: Setting<number>, wanted: (value: number) => Wanted, what: string): Loss | null {
  if (base.value === null || base.value === 0) return null;
  const baseline = `${base.value} s (${describeProvenance(base.from)})`;
  if (target.unknown) return { setting, baseline, target: 'unknown until apply', status: 'error', message: `${what} of the target is known only after apply`, wanted: {} };
  if (target.value !== null && target.value >= base.value) return null;
  const missing = target.value === null;
  return {
    setting,
    baseline,
    target: missing ? 'none' : `${target.value} s (${describeProvenance(target.from)})`,
    status: 'fail',
    message: missing ? `${what} of ${base.value} s was lost` : `${what} dropped from ${base.value} s to ${target.value} s`,
    wanted: wanted(base.value),
  };
}

function deliveriesLoss(base: QueueSettings, target: QueueSettings): Loss | null {
  const before = brokerDeliveries(base);
  if (typeof before.value !== 'number') return null;
  const after = brokerDeliveries(target);
  const baseline = `${before.value} (${before.because})`;
  if (after.unknown) return { setting: 'maxDeliveries', baseline, target: 'unknown until apply', status: 'error', message: 'the delivery limit of the target is known only after apply', wanted: {} };
  if (typeof after.value === 'number' && after.value >= before.value) return null;
  return {
    setting: 'maxDeliveries',
    baseline,
    target: `${formatCount(after.value)} (${after.because})`,
    status: 'fail',
    message:
      after.value === 'unlimited'
        ? `the delivery limit of ${before.value} was lost: nothing bounds redeliveries any more`
        : `the delivery limit dropped from ${before.value} to ${formatCount(after.value)}`,
    wanted: { maxDeliveries: before.value, ...restoring(base) },
  };
}

/** Parity fixes restore the baseline's own values and say where it set them. */
function restoring(base: QueueSettings): Wanted {
  const target = base.deadLetterTarget;
  return {
    ...(target.value ? { deadLetterName: target.value.name } : {}),
    note: `as in the baseline: ${describeProvenance(base.maxDeliveries.value !== null && base.maxDeliveries.from.origin !== 'broker-default' ? base.maxDeliveries.from : target.from)}`,
  };
}

function deadLetterLoss(base: QueueSettings, target: QueueSettings): Loss | null {
  const before = base.deadLetterTarget;
  if (before.value === null) return null;
  const baseline = `${before.value.kind} ${before.value.name} (${describeProvenance(before.from)})`;
  if (target.deadLetterTarget.unknown) return null; // present but not yet known: the plan sets one
  if (target.deadLetterTarget.value !== null) return null;
  return { setting: 'deadLetterTarget', baseline, target: 'none', status: 'fail', message: `the dead-letter target ${before.value.name} was lost: failed messages are dropped or retried forever`, wanted: { deadLetter: true, ...restoring(base) } };
}

function consumerLoss(base: QueueSettings, target: QueueSettings): Loss | null {
  const before = base.consumer;
  if (!before?.enabled) return null;
  const after = target.consumer;
  const baseline = `retry on, ${before.maxAttempts} attempts (${describeProvenance(before.from)})`;
  const wanted = { consumerAttempts: before.maxAttempts, consumerRequeueRejected: before.requeueRejected };
  if (!after?.enabled) {
    return { setting: 'consumerRetry', baseline, target: after ? 'retry off' : 'unknown (no consumerConfig bound)', status: after ? 'fail' : 'error', message: "the consumer's own retry was lost", wanted };
  }
  if (after.maxAttempts >= before.maxAttempts && (before.deletesOnFailureWithoutRedrive || !after.deletesOnFailureWithoutRedrive)) return null;
  return {
    setting: 'consumerRetry',
    baseline,
    target: `retry on, ${after.maxAttempts} attempts${after.deletesOnFailureWithoutRedrive ? ', deletes failed messages without redrive' : ''}`,
    status: 'fail',
    message: "the consumer's retry is weaker than in the baseline",
    wanted,
  };
}

/** Every retry/redrive setting present in the baseline queue and missing or weaker in the target one. */
export function compareQueues(base: QueueSettings, target: QueueSettings): Loss[] {
  return [
    deliveriesLoss(base, target),
    deadLetterLoss(base, target),
    numericLoss('retryDelaySeconds', base.retryDelaySeconds, target.retryDelaySeconds, (value) => ({ retryDelaySeconds: value }), 'the retry delay'),
    numericLoss('visibilityTimeoutSeconds', base.visibilityTimeoutSeconds, target.visibilityTimeoutSeconds, (value) => ({ visibilityTimeoutSeconds: value }), 'the visibility timeout'),
    numericLoss('retentionSeconds', base.retentionSeconds, target.retentionSeconds, (value) => ({ retentionSeconds: value }), 'the message retention'),
    base.role === 'wait' ? numericLoss('messageTtlSeconds', base.messageTtlSeconds, target.messageTtlSeconds, (value) => ({ retryDelaySeconds: value }), 'the wait-queue TTL') : null,
    consumerLoss(base, target),
  ].filter((loss): loss is Loss => loss !== null);
}

/** Parity between two environments: the 2021 failure (a retry policy lost in a broker move) as findings. */
export function parityFindings(baseline: LoadedEnvironment, target: LoadedEnvironment): Finding[] {
  const env = target.environment;
  const findings: Finding[] = [];
  for (const [logical, before] of baseline.bound) {
    const after = target.bound.get(logical);
    const base = { policy: 'parity', env: env.name, queue: logical, severity: 'error' as const };
    const location = { file: env.queueLines[logical] === undefined ? baseline.environment.file : env.file, line: env.queueLines[logical] ?? baseline.environment.queueLines[logical] ?? 1 };
    if (!before) {
      findings.push({ ...base, check: 'ESR-PARITY-002', status: 'error', expected: `${logical} readable in ${baseline.environment.name}`, actual: 'not found', message: `cannot compare '${logical}': the baseline ${baseline.environment.name} has no such queue`, source: baseline.environment.file, location });
      continue;
    }
    if (!after) {
      const bound = env.queues[logical] !== undefined;
      findings.push({
        ...base,
        check: 'ESR-PARITY-001',
        setting: 'exists',
        status: 'fail',
        expected: `${logical} as in ${baseline.environment.name} (${before.settings.id})`,
        actual: bound ? 'not found' : 'not bound',
        message: bound ? `queue ${env.queues[logical]?.name ?? logical} does not exist in ${env.name}` : `${env.file} does not bind '${logical}', which ${baseline.environment.name} has`,
        source: before.source,
        location,
      });
      continue;
    }
    for (const loss of compareQueues(before.settings, after.settings)) {
      findings.push({
        ...base,
        check: 'ESR-PARITY-001',
        setting: loss.setting,
        status: loss.status,
        expected: `as in ${baseline.environment.name}: ${loss.baseline}`,
        actual: loss.target,
        message: `${logical}: ${loss.message} (baseline ${baseline.environment.name}, target ${env.name})`,
        source: after.source,
        queueId: after.settings.id,
        location,
        fix: fixFor(after.settings, loss.wanted, target.queues),
      });
    }
    if (!findings.some((finding) => finding.queue === logical && finding.policy === 'parity')) {
      findings.push({ ...base, check: 'ESR-PARITY-001', status: 'pass', expected: `retry settings as in ${baseline.environment.name}`, actual: 'same or stronger', message: `${logical} keeps every retry/redrive setting of ${baseline.environment.name}`, source: after.source, queueId: after.settings.id, location });
    }
  }
  return findings;
}
