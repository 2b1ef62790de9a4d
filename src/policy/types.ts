/** The shapes of `policies/*.yaml` and `policies/environments/<env>.yaml`, as the JSON Schemas in `schemas/` define them. */
export type Severity = 'error' | 'warning' | 'note';

export const CHECK_NAMES = ['retryBudget', 'retryDelay', 'deadLetter', 'visibilityTimeout', 'consumerRetry'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface RetryBudgetCheck {
  minDeliveries: number;
  maxDeliveries: number;
  severity: Severity;
}
export interface RetryDelayCheck {
  minSeconds: number;
  severity: Severity;
}
export interface DeadLetterCheck {
  required: boolean;
  severity: Severity;
}
/** `minSeconds`, or `minHandlerTimeMultiple` × `handlerTimeSeconds`; with both, the larger holds. */
export interface VisibilityTimeoutCheck {
  minSeconds?: number;
  minHandlerTimeMultiple?: number;
  handlerTimeSeconds?: number;
  severity: Severity;
}
export interface ConsumerRetryCheck {
  /** Default true: a failed message must never be deleted or dropped without a dead-letter path. */
  noLossOnFailure?: boolean;
  requeueRejected?: boolean;
  /** The consumer must make at least this many in-process attempts per delivery. */
  maxAttempts?: number;
  severity: Severity;
}

export interface Checks {
  retryBudget?: RetryBudgetCheck;
  retryDelay?: RetryDelayCheck;
  deadLetter?: DeadLetterCheck;
  visibilityTimeout?: VisibilityTimeoutCheck;
  consumerRetry?: ConsumerRetryCheck;
}

export interface Waiver {
  /** A logical queue of appliesTo, or the real name or id of a queue a selector matched. */
  queue: string;
  /** A check key (waives every id it yields) or one check id, e.g. `ESR-DLQ-002`. */
  check: string;
  /** Only in this environment; all environments when absent. */
  env?: string;
  reason: string;
  /** YYYY-MM-DD; the waiver holds through that day. */
  expires: string;
}

/** Selects queues the sources find, across every vhost and prefix: every condition given must hold. */
export interface QueueSelector {
  pattern?: string;
  role?: 'work' | 'dead-letter' | 'wait';
  vhost?: string;
  broker?: 'rabbitmq' | 'sqs';
}

export interface PolicyDocument {
  name: string;
  description?: string;
  /** Logical names (bound by environments) and/or selectors; one selector may stand alone. */
  appliesTo: QueueSelector | (string | QueueSelector)[];
  provenBy?: string;
  checks: Checks;
  waivers?: Waiver[];
}

/** Where a thing was written, for findings anchored to a line (SARIF, GitHub annotations). */
export interface Location {
  file: string;
  line: number;
}

export interface Policy extends Omit<PolicyDocument, 'appliesTo'> {
  file: string;
  /** The logical names of appliesTo (the binding contract). */
  appliesTo: string[];
  /** The selectors of appliesTo, with the line of each. */
  selectors: { selector: QueueSelector; line: number }[];
  /** Line of each check's key, and of each waiver entry. */
  checkLines: Partial<Record<CheckName, number>>;
  appliesToLines: number[];
  provenByLine?: number;
  waiverLines: number[];
}

export interface RabbitmqBinding {
  managementUrl: string;
  /** Logical queue names bind in this vhost. */
  vhost: string;
  /** Further vhosts read: selectors and the coverage list see their queues too. */
  vhosts?: string[];
  version?: string;
  credentials?: { usernameEnv: string; passwordEnv: string };
}

export interface SqsBinding {
  region: string;
  endpoint?: string;
  queueNamePrefix?: string;
  /** Further queue-name prefixes listed: selectors and the coverage list see those queues too. */
  queueNamePrefixes?: string[];
  /** By env-var name; without it, the standard AWS credential chain. */
  credentials?: { accessKeyIdEnv: string; secretAccessKeyEnv: string };
}

export interface QueueBinding {
  name: string;
  url?: string;
  consumerConfig?: string;
}

export interface EnvironmentDocument {
  name: string;
  description?: string;
  rabbitmq?: RabbitmqBinding;
  sqs?: SqsBinding;
  files?: string[];
  queues: Record<string, QueueBinding>;
}

export interface Environment extends EnvironmentDocument {
  file: string;
  /** Line of each logical queue's binding. */
  queueLines: Record<string, number>;
  /** Line of `rabbitmq.credentials` or `sqs.credentials`, for errors about them. */
  credentialsLine?: number;
}
