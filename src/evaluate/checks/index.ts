import type { Checks, CheckName } from '../../policy/types.js';
import type { Check } from './check.js';
import { consumerRetry } from './consumer-retry.js';
import { deadLetter } from './dead-letter.js';
import { retryBudget } from './retry-budget.js';
import { retryDelay } from './retry-delay.js';
import { visibilityTimeout } from './visibility-timeout.js';

/** Every policy check by its name in `checks:`. */
export const CHECKS: { [Name in CheckName]: Check<NonNullable<Checks[Name]>> } = {
  retryBudget,
  retryDelay,
  deadLetter,
  visibilityTimeout,
  consumerRetry,
};

export type { Check, CheckContext, Verdict } from './check.js';
