import type { DeadLetterCheck } from '../../policy/types.js';
import { SQS_DEFAULTS } from '../../semantics/sqs/queue-attributes.js';
import { dlqOutlivesSource, dlqTypeMatches } from '../../semantics/sqs/redrive.js';
import type { DeadLetterTarget, QueueSettings } from '../../sources/queue-settings.js';
import { describeProvenance } from '../effective.js';
import { besideOf, queuesNamed, unknownUntilApply, type Check, type CheckContext, type Verdict } from './check.js';

/** `arn:aws:sqs:eu-west-2:123456789012:esr-dlq` or a queue URL → `esr-dlq`. */
export function queueNameFromArnOrUrl(address: string): string {
  return address.split(/[:/]/).at(-1) ?? address;
}

function findSqsQueue(target: DeadLetterTarget, context: CheckContext): QueueSettings | undefined {
  return queuesNamed(context.queues, queueNameFromArnOrUrl(target.name)).find((queue) => queue.broker === 'sqs');
}

/** The queues a RabbitMQ dead-letter exchange routes to; undefined when the source does not report bindings. */
function rabbitRoutes(target: DeadLetterTarget, context: CheckContext): string[] | undefined {
  if (target.resolvedQueues !== undefined) return target.resolvedQueues;
  const direct = target.name === '' && target.routingKey !== undefined && queuesNamed(context.queues, target.routingKey).length > 0;
  return direct ? [target.routingKey as string] : undefined;
}

function describeTarget(target: DeadLetterTarget): string {
  return `${target.kind} ${target.name === '' ? "'' (default exchange)" : target.name}${target.routingKey ? ` routing key ${target.routingKey}` : ''}`;
}

/** Work and wait queues need a dead-letter path; a DLQ needs none of its own. */
function applies(queue: QueueSettings, config: DeadLetterCheck): boolean {
  return config.required && queue.role !== 'dead-letter';
}

/** ESR-DLQ-001: a dead-letter target that exists and, on RabbitMQ, routes to a queue (else the broker drops the message silently). */
export const deadLetterPath: Check<DeadLetterCheck> = (queue, config, context) => {
  if (!applies(queue, config)) return null;
  const expected = queue.broker === 'sqs' ? 'a RedrivePolicy to an existing queue' : 'a dead-letter exchange that routes to a queue';
  const setting = queue.deadLetterTarget;
  if (setting.unknown) return unknownUntilApply('the dead-letter target', expected, setting.from);
  const target = setting.value;
  if (target === null) {
    const loss = queue.broker === 'sqs' ? 'SQS retries until retention expires, then deletes it' : 'a rejected message is dropped silently';
    return { status: 'fail', expected, actual: 'none', message: `no dead-letter target: ${loss}`, from: setting.from };
  }
  const actual = `${describeTarget(target)} (${describeProvenance(setting.from)})`;
  // one literal shape for every verdict (a spread base would give each its own hidden class)
  const verdict = (status: Verdict['status'], message: string): Verdict => ({ status, expected, actual, message, from: setting.from });
  if (queue.broker === 'sqs') {
    const dlq = findSqsQueue(target, context);
    if (!dlq) return verdict('fail', `the dead-letter queue ${target.name} does not exist among the ${context.queues.length} queue(s) read`);
    return verdict('pass', `dead-letters to ${dlq.name}`);
  }
  const routes = rabbitRoutes(target, context);
  if (routes === undefined) return verdict('error', `cannot tell where dead-letter exchange '${target.name}' routes: the source does not report its bindings`);
  if (routes.length === 0) return verdict('fail', `dead-letter exchange '${target.name}' routes to no queue: dead-lettered messages are dropped silently`);
  return verdict('pass', `dead-letters via '${target.name}' to ${routes.join(', ')}`);
};

/**
 * ESR-DLQ-002: the dead-letter queue keeps what reaches it. SQS: the same type as its source (FIFO or
 * standard) and a longer retention, which counts from the original enqueue. RabbitMQ: no message TTL
 * on the DLQ. Not applicable while there is no DLQ to judge (ESR-DLQ-001 says so).
 */
export const deadLetterQueue: Check<DeadLetterCheck> = (queue, config, context) => {
  if (!applies(queue, config) || queue.deadLetterTarget.unknown || queue.deadLetterTarget.value === null) return null;
  const target = queue.deadLetterTarget.value;
  return queue.broker === 'sqs' ? sqsDeadLetterQueue(queue, target, context) : rabbitDeadLetterQueues(queue, target, context);
};

function sqsDeadLetterQueue(queue: QueueSettings, target: DeadLetterTarget, context: CheckContext): Verdict | null {
  const dlq = findSqsQueue(target, context);
  if (!dlq) return null;
  const expected = `a ${queue.queueType} DLQ keeping messages longer than the source`;
  if (queue.retentionSeconds.unknown || dlq.retentionSeconds.unknown) return unknownUntilApply('the message retention', expected, dlq.retentionSeconds.from);
  const sourceRetention = queue.retentionSeconds.value ?? SQS_DEFAULTS.retentionSeconds;
  const dlqRetention = dlq.retentionSeconds.value ?? SQS_DEFAULTS.retentionSeconds;
  const actual = `${dlq.name}: ${dlq.queueType}, retention ${dlqRetention} s (source ${sourceRetention} s)`;
  const problems = [
    dlqTypeMatches(queue.queueType === 'fifo', dlq.queueType === 'fifo') ? null : `the dead-letter queue ${dlq.name} is ${dlq.queueType} but the queue is ${queue.queueType}: SQS requires the same type`,
    dlqOutlivesSource(sourceRetention, dlqRetention)
      ? null
      : `the dead-letter queue ${dlq.name} keeps messages ${dlqRetention} s, not longer than the source's ${sourceRetention} s: a dead-lettered message can expire before anyone sees it`,
  ].filter((problem): problem is string => problem !== null);
  const from = dlq.retentionSeconds.from;
  if (problems.length > 0) return { status: 'fail', expected, actual, message: problems.join('; '), from };
  return { status: 'pass', expected, actual, message: `dead-letters to ${dlq.name} (${dlq.queueType}, retention ${dlqRetention} s > ${sourceRetention} s)`, from };
}

function rabbitDeadLetterQueues(queue: QueueSettings, target: DeadLetterTarget, context: CheckContext): Verdict | null {
  const dlqs = (rabbitRoutes(target, context) ?? [])
    .map((name) => besideOf(context.queues, queue, name))
    .filter((dlq): dlq is QueueSettings => dlq !== undefined && dlq.role === 'dead-letter');
  if (dlqs.length === 0) return null;
  const expected = 'dead-letter queues without a message TTL';
  const expiring = dlqs.filter((dlq) => dlq.messageTtlSeconds.value !== null);
  const first = expiring[0] ?? dlqs[0];
  if (first === undefined) return null;
  const actual = dlqs.map((dlq) => `${dlq.name}: ${dlq.messageTtlSeconds.value === null ? 'no TTL' : `TTL ${dlq.messageTtlSeconds.value} s`}`).join(', ');
  if (expiring.length > 0) {
    return {
      status: 'fail',
      expected,
      actual,
      message: `${expiring.map((dlq) => dlq.name).join(', ')} expire(s) dead-lettered messages after ${expiring.map((dlq) => `${dlq.messageTtlSeconds.value} s`).join(', ')}: nobody sees them`,
      from: first.messageTtlSeconds.from,
    };
  }
  return { status: 'pass', expected, actual, message: `dead-letter queue(s) ${dlqs.map((dlq) => dlq.name).join(', ')} keep messages until consumed`, from: first.messageTtlSeconds.from };
}
