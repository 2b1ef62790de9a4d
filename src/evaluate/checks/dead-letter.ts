import type { DeadLetterCheck } from '../../policy/types.js';
import type { DeadLetterTarget, QueueSettings } from '../../sources/queue-settings.js';
import { SQS_DEFAULTS } from '../../semantics/sqs/queue-attributes.js';
import { describeProvenance } from '../effective.js';
import { unknownUntilApply, type Check, type CheckContext, type Verdict } from './check.js';

/** `arn:aws:sqs:eu-west-2:123456789012:esr-dlq` or a queue URL → `esr-dlq`. */
export function queueNameFromArnOrUrl(address: string): string {
  return address.split(/[:/]/).at(-1) ?? address;
}

function findSqsQueue(target: DeadLetterTarget, context: CheckContext): QueueSettings | undefined {
  const name = queueNameFromArnOrUrl(target.name);
  return context.queues.find((queue) => queue.broker === 'sqs' && (queue.id === target.name || queue.name === name));
}

/** The DLQ must exist, be the same type, and keep messages longer: its retention counts from the original enqueue. */
function sqsVerdict(queue: QueueSettings, target: DeadLetterTarget, context: CheckContext, base: Omit<Verdict, 'status' | 'message'>): Verdict {
  const dlq = findSqsQueue(target, context);
  if (!dlq) {
    return { ...base, status: 'fail', message: `the dead-letter queue ${target.name} does not exist among the ${context.queues.length} queue(s) read` };
  }
  if ((dlq.queueType === 'fifo') !== (queue.queueType === 'fifo')) {
    return { ...base, status: 'fail', message: `the dead-letter queue ${dlq.name} is ${dlq.queueType} but the queue is ${queue.queueType}: SQS requires the same type` };
  }
  if (queue.retentionSeconds.unknown || dlq.retentionSeconds.unknown) return unknownUntilApply('the message retention', base.expected, base.from);
  const sourceRetention = queue.retentionSeconds.value ?? SQS_DEFAULTS.retentionSeconds;
  const dlqRetention = dlq.retentionSeconds.value ?? SQS_DEFAULTS.retentionSeconds;
  if (dlqRetention <= sourceRetention) {
    return {
      ...base,
      status: 'fail',
      actual: `${base.actual}, retention ${dlqRetention} s ≤ source ${sourceRetention} s`,
      message: `the dead-letter queue ${dlq.name} keeps messages ${dlqRetention} s, not longer than the source's ${sourceRetention} s: a dead-lettered message can expire before anyone sees it`,
    };
  }
  return { ...base, status: 'pass', message: `dead-letters to ${dlq.name} (${dlq.queueType}, retention ${dlqRetention} s > ${sourceRetention} s)` };
}

/** A dead-letter exchange only helps if it routes to a queue; otherwise RabbitMQ drops the message silently. */
function rabbitmqVerdict(target: DeadLetterTarget, context: CheckContext, base: Omit<Verdict, 'status' | 'message'>): Verdict {
  const routes =
    target.resolvedQueues ??
    (target.name === '' && target.routingKey !== undefined && context.queues.some((queue) => queue.name === target.routingKey) ? [target.routingKey] : undefined);
  if (routes === undefined) {
    return { ...base, status: 'error', message: `cannot tell where dead-letter exchange '${target.name}' routes: the source does not report its bindings` };
  }
  if (routes.length === 0) {
    return { ...base, status: 'fail', message: `dead-letter exchange '${target.name}' routes to no queue: dead-lettered messages are dropped silently` };
  }
  return { ...base, status: 'pass', message: `dead-letters via '${target.name}' to ${routes.join(', ')}` };
}

/** Role-aware: a work or wait queue needs a working dead-letter path; a dead-letter queue does not need one of its own. */
export const deadLetter: Check<DeadLetterCheck> = (queue, config, context) => {
  if (!config.required || queue.role === 'dead-letter') return null;
  const expected = queue.broker === 'sqs' ? 'a RedrivePolicy to an existing DLQ of the same type with longer retention' : 'a dead-letter exchange that routes to a queue';
  const setting = queue.deadLetterTarget;
  if (setting.unknown) return unknownUntilApply('the dead-letter target', expected, setting.from);
  const target = setting.value;
  if (target === null) {
    const loss = queue.broker === 'sqs' ? 'SQS retries until retention expires, then deletes it' : 'a rejected message is dropped silently';
    return { status: 'fail', expected, actual: 'none', message: `no dead-letter target: ${loss}`, from: setting.from };
  }
  const describedTarget = `${target.kind} ${target.name === '' ? "'' (default exchange)" : target.name}${target.routingKey ? ` routing key ${target.routingKey}` : ''}`;
  const base = { expected, actual: `${describedTarget} (${describeProvenance(setting.from)})`, from: setting.from };
  return queue.broker === 'sqs' ? sqsVerdict(queue, target, context, base) : rabbitmqVerdict(target, context, base);
};
