import type { RetryBudgetCheck } from '../../policy/types.js';
import { effectiveAttempts, formatCount } from '../effective.js';
import type { QueueSettings } from '../../sources/queue-settings.js';
import { besideOf, unknownUntilApply, type Check, type CheckContext } from './check.js';

/** The wait queue this queue dead-letters into (the delayed-retry pattern), if any. */
function waitQueueOf(queue: QueueSettings, context: CheckContext): string | undefined {
  const targets = queue.deadLetterTarget.value?.resolvedQueues ?? [];
  return targets.map((name) => besideOf(context.queues, queue, name)).find((other) => other?.role === 'wait')?.name;
}

/**
 * Bounded both ways: too few attempts and a burst of conflicting commands is lost (2021);
 * no bound and a poison message loops forever.
 */
export const retryBudget: Check<RetryBudgetCheck> = (queue, config, context) => {
  if (queue.role !== 'work') return null;
  const expected = `${config.minDeliveries}..${config.maxDeliveries} deliveries`;
  const attempts = effectiveAttempts(queue, waitQueueOf(queue, context));
  if (attempts.unknown || attempts.value === null) return unknownUntilApply('the delivery limit', expected, attempts.from);
  const actual = `${formatCount(attempts.value)} (${attempts.because})`;
  if (attempts.value === 'unlimited') {
    return { status: 'fail', expected, actual, message: `nothing bounds redeliveries: a poison message loops forever (${attempts.because})`, from: attempts.from };
  }
  if (attempts.value < config.minDeliveries) {
    return {
      status: 'fail',
      expected,
      actual,
      message: `a message gets only ${attempts.value} attempt(s) before it is dead-lettered or lost; the policy needs at least ${config.minDeliveries}`,
      from: attempts.from,
    };
  }
  if (attempts.value > config.maxDeliveries) {
    return {
      status: 'fail',
      expected,
      actual,
      message: `${attempts.value} attempts exceed the maximum of ${config.maxDeliveries}: a poison message keeps the consumer busy too long`,
      from: attempts.from,
    };
  }
  return { status: 'pass', expected, actual, message: `${attempts.value} attempts are within ${expected}`, from: attempts.from };
};
