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
export interface VisibilityTimeoutCheck {
  minHandlerTimeMultiple: number;
  handlerTimeSeconds: number;
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
  queue: string;
  check: CheckName;
  /** Only in this environment; all environments when absent. */
  env?: string;
  reason: string;
  /** YYYY-MM-DD; the waiver holds through that day. */
  expires: string;
}

export interface PolicyDocument {
  name: string;
  description?: string;
  appliesTo: string[];
  provenBy?: string;
  checks: Checks;
  waivers?: Waiver[];
}

/** Where a thing was written, for findings anchored to a line (SARIF, GitHub annotations). */
export interface Location {
  file: string;
  line: number;
}

export interface Policy extends PolicyDocument {
  file: string;
  /** Line of each check's key, and of each waiver entry. */
  checkLines: Partial<Record<CheckName, number>>;
  appliesToLines: number[];
  provenByLine?: number;
  waiverLines: number[];
}

export interface RabbitmqBinding {
  managementUrl: string;
  vhost: string;
  version?: string;
  credentials?: { usernameEnv: string; passwordEnv: string };
}

export interface SqsBinding {
  region: string;
  endpoint?: string;
  queueNamePrefix?: string;
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
