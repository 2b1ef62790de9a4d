import type { RetryDelayCheck } from '../../policy/types.js';
import { effectiveRetryDelay } from '../effective.js';
import { unknownUntilApply, type Check } from './check.js';

/** A delay between attempts lets the conflicting commands spread out instead of colliding again at once. */
export const retryDelay: Check<RetryDelayCheck> = (queue, config) => {
  if (queue.role !== 'work') return null;
  const expected = `≥ ${config.minSeconds} s between attempts`;
  const delay = effectiveRetryDelay(queue);
  if (delay.unknown || delay.value === null) return unknownUntilApply('the retry delay', expected, delay.from);
  const actual = `${delay.value} s (${delay.because})`;
  if (delay.value < config.minSeconds) {
    return {
      status: 'fail',
      expected,
      actual,
      message: `attempts are ${delay.value} s apart: a requeued message is redelivered at once and collides again`,
      from: delay.from,
    };
  }
  return { status: 'pass', expected, actual, message: `attempts are ${delay.value} s apart`, from: delay.from };
};
