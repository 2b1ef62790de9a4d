import type { ConsumerRetryCheck } from '../../policy/types.js';
import type { ConsumerRetry, QueueSettings } from '../../sources/queue-settings.js';
import { describeProvenance } from '../effective.js';
import type { Check } from './check.js';

function lossOnFailure(queue: QueueSettings, consumer: ConsumerRetry): string | null {
  const hasDeadLetter = queue.deadLetterTarget.value !== null;
  if (hasDeadLetter) return null;
  if (queue.broker === 'sqs' && consumer.deletesOnFailureWithoutRedrive) {
    return 'the consumer deletes a failed message because the queue has no RedrivePolicy: every failure is a loss';
  }
  if (queue.broker === 'rabbitmq' && !consumer.requeueRejected) {
    return 'the consumer rejects a failed message without requeue and the queue has no dead-letter exchange: it is dropped';
  }
  return null;
}

function describeConsumer(consumer: ConsumerRetry): string {
  const retry = consumer.enabled ? `retry on, ${consumer.maxAttempts} attempts, ${consumer.initialIntervalMs} ms initial` : 'retry off';
  return `${retry}, requeueRejected ${consumer.requeueRejected}`;
}

/** The consumer's own settings must not undo the broker's: no silent delete or drop, the requeue and attempts the policy asks. */
export const consumerRetry: Check<ConsumerRetryCheck> = (queue, config) => {
  if (queue.role !== 'work') return null;
  const wants = [
    config.noLossOnFailure === false ? null : 'no loss on failure',
    config.requeueRejected === undefined ? null : `requeueRejected ${config.requeueRejected}`,
    config.maxAttempts === undefined ? null : `≥ ${config.maxAttempts} attempts per delivery`,
  ].filter((want): want is string => want !== null);
  const expected = wants.join(', ') || 'consumer settings known';
  const consumer = queue.consumer;
  if (!consumer) {
    return {
      status: 'error',
      expected,
      actual: 'unknown',
      message: "the consumer's retry settings are unknown: bind its config with consumerConfig in the environment",
      from: queue.deadLetterTarget.from,
    };
  }
  const problems = [
    config.noLossOnFailure === false ? null : lossOnFailure(queue, consumer),
    config.requeueRejected === undefined || config.requeueRejected === consumer.requeueRejected
      ? null
      : `requeueRejected is ${consumer.requeueRejected}, the policy needs ${config.requeueRejected}`,
    config.maxAttempts !== undefined && (consumer.enabled ? consumer.maxAttempts : 1) < config.maxAttempts
      ? `the consumer makes ${consumer.enabled ? consumer.maxAttempts : 1} attempt(s) per delivery, the policy needs ${config.maxAttempts}`
      : null,
  ].filter((problem): problem is string => problem !== null);
  const actual = `${describeConsumer(consumer)} (${describeProvenance(consumer.from)})`;
  if (problems.length > 0) return { status: 'fail', expected, actual, message: problems.join('; '), from: consumer.from };
  return { status: 'pass', expected, actual, message: 'consumer retry settings hold', from: consumer.from };
};
