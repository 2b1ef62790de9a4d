import { sqsErrors } from './errors.js';

/**
 * Queue attributes: names, ranges and defaults from the SQS API reference (CreateQueue,
 * SetQueueAttributes, GetQueueAttributes). Pure: the checks that need other queues (the
 * redrive target exists, has the same type, allows this source) live in the model.
 */

interface NumericRule {
  min: number;
  max: number;
  default: number;
}

const NUMERIC: Record<string, NumericRule> = {
  DelaySeconds: { min: 0, max: 900, default: 0 },
  MaximumMessageSize: { min: 1_024, max: 1_048_576, default: 262_144 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
  VisibilityTimeout: { min: 0, max: 43_200, default: 30 },
  KmsDataKeyReusePeriodSeconds: { min: 60, max: 86_400, default: 300 },
};

/** The defaults the checks and the simulator assume when an attribute is absent (AWS SQS API reference, CreateQueue). */
export const SQS_DEFAULTS = {
  visibilityTimeoutSeconds: NUMERIC.VisibilityTimeout!.default,
  retentionSeconds: NUMERIC.MessageRetentionPeriod!.default,
  delaySeconds: NUMERIC.DelaySeconds!.default,
} as const;

const FREE_TEXT = new Set(['Policy', 'KmsMasterKeyId', 'RedrivePolicy', 'RedriveAllowPolicy']);
const BOOLEAN = new Set(['SqsManagedSseEnabled']);
const FIFO_ONLY: Record<string, readonly string[] | 'boolean'> = {
  ContentBasedDeduplication: 'boolean',
  DeduplicationScope: ['messageGroup', 'queue'],
  FifoThroughputLimit: ['perQueue', 'perMessageGroupId'],
};

/** Read-only attributes GetQueueAttributes answers; they cannot be set. */
export const COMPUTED_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

export interface RedriveAllowPolicy {
  redrivePermission: 'allowAll' | 'denyAll' | 'byQueue';
  sourceQueueArns: string[];
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;

/** Validates a CreateQueue name; true for a FIFO queue (the name ends with `.fifo`). */
export function isFifoQueueName(name: string): boolean {
  const fifo = name.endsWith('.fifo');
  if (!(fifo ? FIFO_QUEUE_NAME : QUEUE_NAME).test(name)) {
    throw sqsErrors.invalidParameter(
      fifo
        ? 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.'
        : 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    );
  }
  return fifo;
}

/** The `.fifo` suffix and the `FifoQueue` attribute must agree. */
export function checkQueueType(fifoName: boolean, fifoAttribute: boolean): void {
  if (fifoName === fifoAttribute) return;
  throw sqsErrors.invalidParameter(
    fifoName ? 'The FifoQueue attribute must be set to true for a queue whose name ends with .fifo.' : 'The name of a FIFO queue must end with the .fifo suffix.',
  );
}

/** The settable attributes of a new queue, as GetQueueAttributes reports them. */
export function defaultAttributes(fifo: boolean): Record<string, string> {
  const attributes: Record<string, string> = { SqsManagedSseEnabled: 'true' };
  for (const [name, rule] of Object.entries(NUMERIC)) {
    if (name !== 'KmsDataKeyReusePeriodSeconds') attributes[name] = String(rule.default);
  }
  if (fifo) {
    Object.assign(attributes, { FifoQueue: 'true', ContentBasedDeduplication: 'false', DeduplicationScope: 'queue', FifoThroughputLimit: 'perQueue' });
  }
  return attributes;
}

function parseBoundedInteger(name: string, value: string, rule: NumericRule): string {
  if (!/^\d+$/.test(value.trim())) throw sqsErrors.invalidAttributeValue(name);
  const parsed = Number(value.trim());
  if (parsed < rule.min || parsed > rule.max) throw sqsErrors.invalidAttributeValue(name);
  return String(parsed);
}

/**
 * Validates attributes given to CreateQueue/SetQueueAttributes and returns them normalised
 * (numbers without padding, RedrivePolicy re-serialised the way AWS answers it).
 * `FifoQueue` is only accepted by CreateQueue, which checks it against the name.
 */
export function normaliseAttributes(input: Record<string, string>, fifo: boolean, creating: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(input)) {
    const value = String(raw);
    const numeric = NUMERIC[name];
    const fifoRule = FIFO_ONLY[name];
    if (numeric) out[name] = parseBoundedInteger(name, value, numeric);
    else if (FREE_TEXT.has(name)) out[name] = normaliseFreeText(name, value);
    else if (BOOLEAN.has(name)) out[name] = parseBoolean(name, value);
    else if (fifoRule && fifo) out[name] = fifoRule === 'boolean' ? parseBoolean(name, value) : oneOf(name, value, fifoRule);
    else if (name === 'FifoQueue' && creating) out[name] = parseBoolean(name, value);
    else throw sqsErrors.invalidAttributeName(name);
  }
  return out;
}

function parseBoolean(name: string, value: string): string {
  const lower = value.toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw sqsErrors.invalidAttributeValue(name);
  return lower;
}

function oneOf(name: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) throw sqsErrors.invalidAttributeValue(name);
  return value;
}

function normaliseFreeText(name: string, value: string): string {
  if (value === '') return '';
  if (name === 'RedrivePolicy') return JSON.stringify(parseRedrivePolicy(value));
  if (name === 'RedriveAllowPolicy') {
    const policy = parseRedriveAllowPolicy(value);
    return JSON.stringify(policy.redrivePermission === 'byQueue' ? policy : { redrivePermission: policy.redrivePermission });
  }
  if (name === 'Policy') {
    try {
      JSON.parse(value);
    } catch {
      throw sqsErrors.invalidAttributeValue('Policy', 'Invalid JSON');
    }
  }
  return value;
}

function parseJsonObject(value: string, invalid: (reason: string) => Error): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid('Invalid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('Invalid JSON');
  return parsed as Record<string, unknown>;
}

export function parseRedrivePolicy(value: string): RedrivePolicy {
  const invalid = (reason: string) => sqsErrors.invalidRedrivePolicy(value, reason);
  const policy = parseJsonObject(value, invalid);
  const { deadLetterTargetArn, maxReceiveCount } = policy;
  for (const key of Object.keys(policy)) {
    if (key !== 'deadLetterTargetArn' && key !== 'maxReceiveCount') throw invalid(`Only following attributes are supported:[deadLetterTargetArn, maxReceiveCount].`);
  }
  if (typeof deadLetterTargetArn !== 'string' || deadLetterTargetArn === '') throw invalid('Redrive policy does not contain mandatory attribute: deadLetterTargetArn.');
  if (maxReceiveCount === undefined) throw invalid('Redrive policy does not contain mandatory attribute: maxReceiveCount.');
  const count = typeof maxReceiveCount === 'number' ? maxReceiveCount : typeof maxReceiveCount === 'string' && /^\d+$/.test(maxReceiveCount) ? Number(maxReceiveCount) : NaN;
  if (!Number.isInteger(count) || count < 1 || count > 1_000) {
    throw invalid(`Invalid value for maxReceiveCount: ${String(maxReceiveCount)}, valid values are from 1 to 1000 both inclusive.`);
  }
  return { deadLetterTargetArn, maxReceiveCount: count };
}

/** The RedrivePolicy as any source holds it: the attribute's JSON string, or an object (CloudFormation, Terraform config). */
export function readRedrivePolicy(raw: string | object): RedrivePolicy {
  return parseRedrivePolicy(typeof raw === 'string' ? raw : JSON.stringify(raw));
}

export function parseRedriveAllowPolicy(value: string): RedriveAllowPolicy {
  const invalid = (reason: string) => sqsErrors.invalidAttributeValue('RedriveAllowPolicy', reason);
  const policy = parseJsonObject(value, invalid);
  const permission = policy['redrivePermission'];
  if (permission !== 'allowAll' && permission !== 'denyAll' && permission !== 'byQueue') {
    throw invalid('redrivePermission must be one of allowAll, denyAll, byQueue.');
  }
  const arns = policy['sourceQueueArns'];
  if (permission !== 'byQueue') return { redrivePermission: permission, sourceQueueArns: [] };
  if (!Array.isArray(arns) || arns.length < 1 || arns.length > 10 || !arns.every((arn) => typeof arn === 'string')) {
    throw invalid('byQueue needs sourceQueueArns: 1 to 10 queue ARNs.');
  }
  return { redrivePermission: permission, sourceQueueArns: arns as string[] };
}

/** The typed view of a queue's attributes that the model works with. */
export interface QueueConfig {
  delaySeconds: number;
  maximumMessageSize: number;
  messageRetentionPeriod: number;
  receiveMessageWaitTimeSeconds: number;
  visibilityTimeout: number;
  redrivePolicy: RedrivePolicy | null;
  redriveAllowPolicy: RedriveAllowPolicy | null;
  contentBasedDeduplication: boolean;
}

export function configOf(attributes: Record<string, string>): QueueConfig {
  const number = (name: string) => Number(attributes[name] ?? NUMERIC[name]!.default);
  const redrive = attributes['RedrivePolicy'];
  const allow = attributes['RedriveAllowPolicy'];
  return {
    delaySeconds: number('DelaySeconds'),
    maximumMessageSize: number('MaximumMessageSize'),
    messageRetentionPeriod: number('MessageRetentionPeriod'),
    receiveMessageWaitTimeSeconds: number('ReceiveMessageWaitTimeSeconds'),
    visibilityTimeout: number('VisibilityTimeout'),
    redrivePolicy: redrive ? parseRedrivePolicy(redrive) : null,
    redriveAllowPolicy: allow ? parseRedriveAllowPolicy(allow) : null,
    contentBasedDeduplication: attributes['ContentBasedDeduplication'] === 'true',
  };
}

export const ALL_ATTRIBUTE_NAMES = new Set<string>([
  ...Object.keys(NUMERIC),
  ...FREE_TEXT,
  ...BOOLEAN,
  ...Object.keys(FIFO_ONLY),
  'FifoQueue',
  ...COMPUTED_ATTRIBUTES,
]);
