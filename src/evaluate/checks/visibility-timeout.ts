import type { VisibilityTimeoutCheck } from '../../policy/types.js';
import { SQS_DEFAULTS } from '../../semantics/sqs/queue-attributes.js';
import { describeProvenance } from '../effective.js';
import { unknownUntilApply, type Check } from './check.js';

/** The seconds the policy asks for: minSeconds, the handler-time multiple, or the larger of both. */
export function requiredVisibilitySeconds(config: VisibilityTimeoutCheck): number {
  const multiple = config.minHandlerTimeMultiple !== undefined && config.handlerTimeSeconds !== undefined ? config.minHandlerTimeMultiple * config.handlerTimeSeconds : 0;
  return Math.max(config.minSeconds ?? 0, multiple);
}

function describeRequirement(config: VisibilityTimeoutCheck, needed: number): string {
  if (config.minHandlerTimeMultiple === undefined || config.handlerTimeSeconds === undefined || needed === config.minSeconds) return `≥ ${needed} s`;
  return `≥ ${needed} s (${config.minHandlerTimeMultiple} × handler time ${config.handlerTimeSeconds} s)`;
}

/** SQS only: a visibility timeout shorter than the handler makes a second consumer take the same message. */
export const visibilityTimeout: Check<VisibilityTimeoutCheck> = (queue, config) => {
  if (queue.broker !== 'sqs' || queue.role !== 'work') return null;
  const needed = requiredVisibilitySeconds(config);
  const expected = describeRequirement(config, needed);
  const setting = queue.visibilityTimeoutSeconds;
  if (setting.unknown) return unknownUntilApply('the visibility timeout', expected, setting.from);
  const value = setting.value ?? SQS_DEFAULTS.visibilityTimeoutSeconds;
  const actual = `${value} s (${setting.value === null ? 'SQS default' : describeProvenance(setting.from)})`;
  if (value < needed) {
    return {
      status: 'fail',
      expected,
      actual,
      message: `a message becomes visible again after ${value} s while its handler may still run: another consumer takes it too`,
      from: setting.from,
    };
  }
  return { status: 'pass', expected, actual, message: `visibility timeout ${value} s covers the handler`, from: setting.from };
};
