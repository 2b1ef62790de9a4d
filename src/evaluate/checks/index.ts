import type { CheckName, Checks } from '../../policy/types.js';
import type { Check } from './check.js';
import { consumerRetry } from './consumer-retry.js';
import { deadLetterPath, deadLetterQueue } from './dead-letter.js';
import type { CheckId } from './registry.js';
import { retryBudget } from './retry-budget.js';
import { retryDelay } from './retry-delay.js';
import { visibilityTimeout } from './visibility-timeout.js';

/** What each key of a policy's `checks:` runs: one check per requirement, each with its registry id. */
export const CHECKS: { [Name in CheckName]: readonly { id: CheckId; run: Check<NonNullable<Checks[Name]>> }[] } = {
  retryBudget: [{ id: 'ESR-RETRY-001', run: retryBudget }],
  retryDelay: [{ id: 'ESR-RETRY-002', run: retryDelay }],
  deadLetter: [
    { id: 'ESR-DLQ-001', run: deadLetterPath },
    { id: 'ESR-DLQ-002', run: deadLetterQueue },
  ],
  visibilityTimeout: [{ id: 'ESR-VIS-001', run: visibilityTimeout }],
  consumerRetry: [{ id: 'ESR-CONSUMER-001', run: consumerRetry }],
};

export type { Check, CheckContext, Verdict } from './check.js';
