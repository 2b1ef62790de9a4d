/**
 * Every finding policy-check can make, by its stable id (contract: ids are never renamed or reused).
 * A finding's `check` field is one of these ids; `list-checks`, `--check/--skip-check`, SARIF rules
 * and waivers all read this one table. docs/policies.md#check-ids documents each row.
 */
import type { CheckName } from '../../policy/types.js';

export interface CheckInfo {
  id: string;
  title: string;
  /** What the check reads, in the words of the sources (for `list-checks` and SARIF rule help). */
  reads: string;
  /** Anchor in docs/policies.md (`docs/policies.md#<docsAnchor>`). */
  docsAnchor: string;
  /** The policy's `checks:` key that asks for it; absent for findings the evaluator makes itself. */
  policyCheck?: CheckName;
}

export const CHECK_REGISTRY = [
  {
    id: 'ESR-DLQ-001',
    title: 'A dead-letter path exists and routes to a queue',
    reads: 'dead-letter-exchange + bindings (RabbitMQ), RedrivePolicy.deadLetterTargetArn (SQS)',
    docsAnchor: 'esr-dlq-001',
    policyCheck: 'deadLetter',
  },
  {
    id: 'ESR-DLQ-002',
    title: 'The dead-letter queue has the right type and keeps messages longer than its source',
    reads: 'the DLQ\'s FifoQueue and MessageRetentionPeriod against the source queue\'s (SQS)',
    docsAnchor: 'esr-dlq-002',
    policyCheck: 'deadLetter',
  },
  {
    id: 'ESR-RETRY-001',
    title: 'Deliveries before dead-lettering are within the policy\'s budget',
    reads: 'delivery-limit and queue type (RabbitMQ), RedrivePolicy.maxReceiveCount (SQS), consumer retry',
    docsAnchor: 'esr-retry-001',
    policyCheck: 'retryBudget',
  },
  {
    id: 'ESR-RETRY-002',
    title: 'Attempts are spaced by at least the policy\'s delay',
    reads: 'wait-queue message-ttl (RabbitMQ), DelaySeconds (SQS), consumer back-off',
    docsAnchor: 'esr-retry-002',
    policyCheck: 'retryDelay',
  },
  {
    id: 'ESR-VIS-001',
    title: 'The visibility timeout covers the handler',
    reads: 'VisibilityTimeout (SQS; default 30 s)',
    docsAnchor: 'esr-vis-001',
    policyCheck: 'visibilityTimeout',
  },
  {
    id: 'ESR-CONSUMER-001',
    title: 'The consumer\'s own retry does not lose or drop a failed message',
    reads: 'Spring AMQP / Spring Cloud AWS consumer config with the queue\'s dead-letter path',
    docsAnchor: 'esr-consumer-001',
    policyCheck: 'consumerRetry',
  },
  {
    id: 'ESR-BIND-001',
    title: 'A logical queue the policy names is bound by the environment',
    reads: 'policies/environments/<env>.yaml queues:',
    docsAnchor: 'esr-bind-001',
  },
  {
    id: 'ESR-EXISTS-001',
    title: 'A queue the policy covers exists in a source',
    reads: 'every source of the environment',
    docsAnchor: 'esr-exists-001',
  },
  {
    id: 'ESR-COVER-001',
    title: 'Every queue a source finds is covered by a policy',
    reads: 'every queue of every source against each policy\'s appliesTo',
    docsAnchor: 'esr-cover-001',
  },
  {
    id: 'ESR-PARITY-001',
    title: 'The target keeps every retry/redrive setting of the baseline',
    reads: 'the same queue in --baseline <env> and --env <env>',
    docsAnchor: 'esr-parity-001',
  },
  {
    id: 'ESR-PARITY-002',
    title: 'The baseline\'s queue can be read to compare',
    reads: 'the baseline environment\'s sources',
    docsAnchor: 'esr-parity-002',
  },
  {
    id: 'ESR-WAIVER-001',
    title: 'A waiver has not expired',
    reads: 'waivers: in the policy file',
    docsAnchor: 'esr-waiver-001',
  },
  {
    id: 'ESR-PROVE-001',
    title: 'The scenario that justifies the policy resolves at its minimums',
    reads: 'provenBy scenario, run by the simulator (--prove)',
    docsAnchor: 'esr-prove-001',
  },
] as const satisfies readonly CheckInfo[];

export type CheckId = (typeof CHECK_REGISTRY)[number]['id'];

export const CHECK_IDS: readonly CheckId[] = CHECK_REGISTRY.map((check) => check.id);

const BY_ID = new Map<string, CheckInfo>(CHECK_REGISTRY.map((check) => [check.id, check]));

export function checkInfo(id: string): CheckInfo | undefined {
  return BY_ID.get(id);
}

export function isCheckId(text: string): text is CheckId {
  return BY_ID.has(text);
}

/** The ids a policy's `checks:` key produces (a waiver of `deadLetter` waives both ESR-DLQ ids). */
export function idsOfPolicyCheck(name: CheckName): CheckId[] {
  return CHECK_REGISTRY.filter((check) => 'policyCheck' in check && check.policyCheck === name).map((check) => check.id);
}
