import { SqsError, sqsErrors } from './errors.js';
import { md5Hex, md5OfMessageAttributes } from './md5.js';
import { viewOf, type ReceivedMessage, type StoredMessage } from './message-view.js';
import { validateSend, type SendInput } from './message-input.js';
import {
  ALL_ATTRIBUTE_NAMES,
  checkQueueType,
  COMPUTED_ATTRIBUTES,
  configOf,
  defaultAttributes,
  isFifoQueueName,
  normaliseAttributes,
  parseRedrivePolicy,
  type QueueConfig,
} from './queue-attributes.js';
import { decodeReceiptHandle, encodeReceiptHandle } from './receipt-handle.js';
import { dlqTypeMatches } from './redrive.js';
import { batchEntryIdsOf, listPage } from './pagination.js';

export { SqsError } from './errors.js';
export type { MessageAttributeValue } from './md5.js';
export { md5OfMessageAttributes } from './md5.js';
export type { ReceivedMessage } from './message-view.js';

/**
 * THE SQS model: one in-memory implementation of the SQS semantics, driven by an injected clock
 * and nothing else (no timers, no wall time), so the simulator runs it in virtual time and the
 * local endpoint serves it over HTTP. Methods take and return the AWS JSON 1.0 wire shapes.
 * Semantics and sources: docs/sqs.md.
 */

export interface SqsModelOptions {
  clock: { now(): number };
  region?: string;
  accountId?: string;
  /** Queue URLs are `<baseUrl>/<accountId>/<name>`. Default `https://sqs.<region>.amazonaws.com`. */
  baseUrl?: string;
  /** Message ids. Default: a deterministic counter formatted as a UUID (the simulator needs determinism). */
  newMessageId?: () => string;
  /**
   * Accept a RedrivePolicy whose target is missing, of the other queue type or refused by its
   * RedriveAllowPolicy. AWS refuses those at CreateQueue/SetQueueAttributes; this exists so checkers
   * can be tested against states found in IaC plans, hand-edited definitions or laxer emulators. Default false.
   */
  acceptAnyRedriveTarget?: boolean;
}

export interface SendResult {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
  SequenceNumber?: string;
}

export interface BatchFailure {
  Id: string;
  SenderFault: boolean;
  Code: string;
  Message: string;
}

interface Queue {
  name: string;
  url: string;
  arn: string;
  fifo: boolean;
  attributes: Record<string, string>;
  config: QueueConfig;
  createdTimestamp: number;
  lastModifiedTimestamp: number;
  /** Insertion order is enqueue order: the deterministic tie-break of a standard queue. */
  messages: Map<string, StoredMessage>;
  tags: Record<string, string>;
  lastPurgeAt: number | null;
  deduplication: Map<string, { expiresAt: number; result: SendResult }>;
  /** No message can expire before this instant: lets `expire` skip its scan. */
  nextExpiryAt: number;
}

const DEDUPLICATION_WINDOW_MS = 5 * 60_000;
/** Expired deduplication ids are pruned when this many are kept. */
const DEDUPLICATION_PRUNE_SIZE = 10_000;
const QUEUE_RECREATE_DELAY_MS = 60_000;
/** The payload limit of a whole batch (the current per-message maximum, 1 MiB). */
const BATCH_MAX_BYTES = 1_048_576;
const PURGE_INTERVAL_MS = 60_000;
function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw sqsErrors.missingParameter(name);
  return value;
}

function counterId(counter: number): string {
  const hex = counter.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

export class SqsModel {
  readonly region: string;
  readonly accountId: string;
  readonly baseUrl: string;
  private readonly clock: { now(): number };
  private readonly newMessageId: () => string;
  private readonly acceptAnyRedriveTarget: boolean;
  private readonly queues = new Map<string, Queue>();
  private readonly deletedAt = new Map<string, number>();
  private readonly listeners = new Set<(queueUrl: string) => void>();
  private messageCounter = 0;
  private sequenceCounter = 0;

  constructor(options: SqsModelOptions) {
    this.clock = options.clock;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.baseUrl = (options.baseUrl ?? `https://sqs.${this.region}.amazonaws.com`).replace(/\/+$/, '');
    this.newMessageId = options.newMessageId ?? (() => counterId(++this.messageCounter));
    this.acceptAnyRedriveTarget = options.acceptAnyRedriveTarget ?? false;
  }

  /** Called (synchronously) whenever a queue may have a message to receive sooner than before. */
  onChange(listener: (queueUrl: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  arnOf(queueName: string): string {
    return `arn:aws:sqs:${this.region}:${this.accountId}:${queueName}`;
  }

  // ── queues ────────────────────────────────────────────────────────────────────────────────

  createQueue(input: { QueueName?: string; Attributes?: Record<string, string>; tags?: Record<string, string> }): { QueueUrl: string } {
    const name = requireString(input.QueueName, 'QueueName');
    const fifo = isFifoQueueName(name);
    const given = normaliseAttributes(input.Attributes ?? {}, fifo, true);
    checkQueueType(fifo, given['FifoQueue'] === 'true');
    delete given['FifoQueue'];
    const existing = this.queues.get(name);
    if (existing) {
      for (const [key, value] of Object.entries(given)) {
        if (existing.attributes[key] !== value) throw new SqsError('QueueNameExists', `A queue already exists with the same name and a different value for attribute ${key}`);
      }
      return { QueueUrl: existing.url };
    }
    const deletedAt = this.deletedAt.get(name);
    if (deletedAt !== undefined && this.clock.now() - deletedAt < QUEUE_RECREATE_DELAY_MS) {
      throw new SqsError('QueueDeletedRecently', 'You must wait 60 seconds after deleting a queue before you can create another with the same name.');
    }
    const attributes = { ...defaultAttributes(fifo), ...given };
    this.checkRedriveTarget(name, fifo, attributes['RedrivePolicy']);
    const now = this.clock.now();
    const queue: Queue = {
      name,
      url: `${this.baseUrl}/${this.accountId}/${name}`,
      arn: this.arnOf(name),
      fifo,
      attributes,
      config: configOf(attributes),
      createdTimestamp: now,
      lastModifiedTimestamp: now,
      messages: new Map(),
      tags: { ...(input.tags ?? {}) },
      lastPurgeAt: null,
      deduplication: new Map(),
      nextExpiryAt: Infinity,
    };
    this.queues.set(name, queue);
    return { QueueUrl: queue.url };
  }

  getQueueUrl(input: { QueueName?: string }): { QueueUrl: string } {
    const queue = this.queues.get(requireString(input.QueueName, 'QueueName'));
    if (!queue) throw sqsErrors.queueDoesNotExist();
    return { QueueUrl: queue.url };
  }

  /** Without MaxResults: at most 1,000 URLs and no NextToken, as AWS does. Sorted by name. */
  listQueues(input: { QueueNamePrefix?: string; MaxResults?: number; NextToken?: string } = {}): { QueueUrls?: string[]; NextToken?: string } {
    const prefix = input.QueueNamePrefix ?? '';
    const names = [...this.queues.keys()].filter((name) => name.startsWith(prefix)).sort();
    const page = listPage(names, input.MaxResults, input.NextToken);
    return { ...(page.items.length > 0 ? { QueueUrls: page.items.map((name) => this.queues.get(name)!.url) } : {}), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  }

  deleteQueue(input: { QueueUrl?: string }): void {
    const queue = this.queueOf(input.QueueUrl);
    this.queues.delete(queue.name);
    this.deletedAt.set(queue.name, this.clock.now());
  }

  purgeQueue(input: { QueueUrl?: string }): void {
    const queue = this.queueOf(input.QueueUrl);
    const now = this.clock.now();
    if (queue.lastPurgeAt !== null && now - queue.lastPurgeAt < PURGE_INTERVAL_MS) {
      throw new SqsError('PurgeQueueInProgress', `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`);
    }
    queue.lastPurgeAt = now;
    queue.messages.clear();
  }

  getQueueAttributes(input: { QueueUrl?: string; AttributeNames?: string[] }): { Attributes?: Record<string, string> } {
    const queue = this.queueOf(input.QueueUrl);
    const wanted = input.AttributeNames ?? [];
    for (const name of wanted) {
      if (name !== 'All' && !ALL_ATTRIBUTE_NAMES.has(name)) throw sqsErrors.invalidAttributeName(name);
    }
    const all = this.attributesOf(queue);
    const names = wanted.includes('All') ? Object.keys(all) : wanted;
    const answer = Object.fromEntries(names.filter((name) => all[name] !== undefined).map((name) => [name, all[name]!]));
    return Object.keys(answer).length > 0 ? { Attributes: answer } : {};
  }

  setQueueAttributes(input: { QueueUrl?: string; Attributes?: Record<string, string> }): void {
    const queue = this.queueOf(input.QueueUrl);
    const given = normaliseAttributes(input.Attributes ?? {}, queue.fifo, false);
    const attributes = { ...queue.attributes, ...given };
    for (const [name, value] of Object.entries(given)) if (value === '') delete attributes[name];
    this.checkRedriveTarget(queue.name, queue.fifo, attributes['RedrivePolicy']);
    queue.attributes = attributes;
    queue.config = configOf(attributes);
    queue.nextExpiryAt = -Infinity;
    queue.lastModifiedTimestamp = this.clock.now();
    this.changed(queue);
  }

  listDeadLetterSourceQueues(input: { QueueUrl?: string; MaxResults?: number; NextToken?: string }): { queueUrls: string[]; NextToken?: string } {
    const target = this.queueOf(input.QueueUrl);
    const sources = [...this.queues.values()].filter((queue) => queue.config.redrivePolicy?.deadLetterTargetArn === target.arn).map((queue) => queue.name).sort();
    const page = listPage(sources, input.MaxResults, input.NextToken);
    return { queueUrls: page.items.map((name) => this.queues.get(name)!.url), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  }

  tagQueue(input: { QueueUrl?: string; Tags?: Record<string, string> }): void {
    const queue = this.queueOf(input.QueueUrl);
    const tags = { ...queue.tags, ...(input.Tags ?? {}) };
    if (Object.keys(tags).length > 50) throw sqsErrors.invalidParameter('Too many tags added for queue: at most 50 are allowed.');
    queue.tags = tags;
  }

  untagQueue(input: { QueueUrl?: string; TagKeys?: string[] }): void {
    const queue = this.queueOf(input.QueueUrl);
    for (const key of input.TagKeys ?? []) delete queue.tags[key];
  }

  listQueueTags(input: { QueueUrl?: string }): { Tags?: Record<string, string> } {
    const queue = this.queueOf(input.QueueUrl);
    return Object.keys(queue.tags).length > 0 ? { Tags: { ...queue.tags } } : {};
  }

  // ── messages ──────────────────────────────────────────────────────────────────────────────

  sendMessage(input: SendInput & { QueueUrl?: string }): SendResult {
    return this.send(this.queueOf(input.QueueUrl), input);
  }

  sendMessageBatch(input: { QueueUrl?: string; Entries?: (SendInput & { Id?: string })[] }): {
    Successful: (SendResult & { Id: string })[];
    Failed: BatchFailure[];
  } {
    const queue = this.queueOf(input.QueueUrl);
    const entries = input.Entries ?? [];
    const ids = batchEntryIdsOf(entries);
    const totalBytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody ?? '', 'utf8'), 0);
    if (totalBytes > BATCH_MAX_BYTES) {
      throw new SqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${BATCH_MAX_BYTES} bytes. You have sent ${totalBytes} bytes.`);
    }
    return this.eachEntry(entries, ids, (entry) => this.send(queue, entry));
  }

  /** Answers at once (long polling is the endpoint's job): the visible messages, or []. */
  receiveMessage(input: {
    QueueUrl?: string;
    MaxNumberOfMessages?: number;
    VisibilityTimeout?: number;
    WaitTimeSeconds?: number;
    AttributeNames?: string[];
    MessageSystemAttributeNames?: string[];
    MessageAttributeNames?: string[];
  }): { Messages?: ReceivedMessage[] } {
    const queue = this.queueOf(input.QueueUrl);
    const max = input.MaxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw sqsErrors.invalidParameter(`Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
    }
    const visibilitySeconds = input.VisibilityTimeout ?? queue.config.visibilityTimeout;
    if (!Number.isInteger(visibilitySeconds) || visibilitySeconds < 0 || visibilitySeconds > 43_200) {
      throw sqsErrors.invalidParameter(`Value ${visibilitySeconds} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.`);
    }
    if (input.WaitTimeSeconds !== undefined && (!Number.isInteger(input.WaitTimeSeconds) || input.WaitTimeSeconds < 0 || input.WaitTimeSeconds > 20)) {
      throw sqsErrors.invalidParameter(`Value ${input.WaitTimeSeconds} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`);
    }
    const now = this.clock.now();
    this.expire(queue, now);
    const delivered: StoredMessage[] = [];
    const blockedGroups = queue.fifo ? this.groupsInFlight(queue, now) : null;
    // Deleting the current entry while iterating a Map is safe: redrive does that.
    for (const message of queue.messages.values()) {
      if (delivered.length >= max) break;
      if (blockedGroups && blockedGroups.has(message.groupId!)) continue;
      if (message.visibleAt > now) {
        blockedGroups?.add(message.groupId!);
        continue;
      }
      if (this.redrive(queue, message, now)) continue;
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.visibleAt = now + visibilitySeconds * 1000;
      delivered.push(message);
    }
    const systemNames = new Set([...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])]);
    const messages = delivered.map((message) => viewOf(message, encodeReceiptHandle({ queueName: queue.name, messageId: message.messageId, receiveCount: message.receiveCount }), systemNames, input.MessageAttributeNames ?? []));
    if (visibilitySeconds === 0 && messages.length > 0) this.changed(queue);
    return messages.length > 0 ? { Messages: messages } : {};
  }

  /** A stale handle (the message was received again since) succeeds without deleting, as AWS documents. */
  deleteMessage(input: { QueueUrl?: string; ReceiptHandle?: string }): void {
    const queue = this.queueOf(input.QueueUrl);
    const handle = requireString(input.ReceiptHandle, 'ReceiptHandle');
    const decoded = decodeReceiptHandle(handle);
    if (!decoded || decoded.queueName !== queue.name) throw sqsErrors.receiptHandleIsInvalid(handle);
    const message = queue.messages.get(decoded.messageId);
    if (message && message.receiveCount === decoded.receiveCount) queue.messages.delete(decoded.messageId);
  }

  deleteMessageBatch(input: { QueueUrl?: string; Entries?: { Id?: string; ReceiptHandle?: string }[] }): { Successful: { Id: string }[]; Failed: BatchFailure[] } {
    const queue = this.queueOf(input.QueueUrl);
    const entries = input.Entries ?? [];
    return this.eachEntry(entries, batchEntryIdsOf(entries), (entry) => {
      this.deleteMessage({ QueueUrl: queue.url, ReceiptHandle: entry.ReceiptHandle });
      return {};
    });
  }

  changeMessageVisibility(input: { QueueUrl?: string; ReceiptHandle?: string; VisibilityTimeout?: number }): void {
    const queue = this.queueOf(input.QueueUrl);
    const handle = requireString(input.ReceiptHandle, 'ReceiptHandle');
    const seconds = input.VisibilityTimeout;
    if (seconds === undefined) throw sqsErrors.missingParameter('VisibilityTimeout');
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
      throw sqsErrors.invalidParameter(`Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200.`);
    }
    const decoded = decodeReceiptHandle(handle);
    if (!decoded || decoded.queueName !== queue.name) throw sqsErrors.receiptHandleIsInvalid(handle);
    const now = this.clock.now();
    this.expire(queue, now);
    const message = queue.messages.get(decoded.messageId);
    if (!message || message.receiveCount !== decoded.receiveCount) {
      throw sqsErrors.receiptHandleIsInvalid(handle, 'is not valid: the message does not exist or is not available for visibility timeout change');
    }
    if (message.visibleAt <= now) throw new SqsError('MessageNotInflight', 'The message referred to is not in flight.');
    message.visibleAt = now + seconds * 1000;
    this.changed(queue);
  }

  changeMessageVisibilityBatch(input: { QueueUrl?: string; Entries?: { Id?: string; ReceiptHandle?: string; VisibilityTimeout?: number }[] }): {
    Successful: { Id: string }[];
    Failed: BatchFailure[];
  } {
    const queue = this.queueOf(input.QueueUrl);
    const entries = input.Entries ?? [];
    return this.eachEntry(entries, batchEntryIdsOf(entries), (entry) => {
      this.changeMessageVisibility({ QueueUrl: queue.url, ReceiptHandle: entry.ReceiptHandle, VisibilityTimeout: entry.VisibilityTimeout });
      return {};
    });
  }

  /**
   * When a caller should try to receive again: now if a message is visible, the earliest instant a
   * hidden (in flight or delayed) message becomes visible, or null if the queue is empty.
   */
  nextVisibleAt(queueUrl: string): number | null {
    const queue = this.queueOf(queueUrl);
    const now = this.clock.now();
    this.expire(queue, now);
    let earliest: number | null = null;
    for (const message of queue.messages.values()) {
      const at = Math.max(message.visibleAt, now);
      if (earliest === null || at < earliest) earliest = at;
      if (earliest === now) break;
    }
    return earliest;
  }

  /**
   * A read-only view of every message a queue holds (visible, in flight or delayed), in enqueue
   * order: for simulator invariants and tests. Not an SQS operation.
   */
  snapshot(queueUrl: string): { messageId: string; body: string; receiveCount: number; visibleAt: number; enqueuedAt: number }[] {
    const queue = this.queueOf(queueUrl);
    this.expire(queue, this.clock.now());
    return [...queue.messages.values()].map(({ messageId, body, receiveCount, visibleAt, enqueuedAt }) => ({ messageId, body, receiveCount, visibleAt, enqueuedAt }));
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────

  /** Resolves a queue URL by its last two path segments (account id and name), whatever the host. */
  private queueOf(queueUrl: string | undefined): Queue {
    const url = requireString(queueUrl, 'QueueUrl');
    const parts = url.replace(/\/+$/, '').split('/');
    const name = parts.at(-1) ?? '';
    const account = parts.at(-2);
    const queue = this.queues.get(name);
    if (!queue || (account !== this.accountId && parts.length > 1)) throw sqsErrors.queueDoesNotExist();
    return queue;
  }

  private changed(queue: Queue): void {
    for (const listener of this.listeners) listener(queue.url);
  }

  private checkRedriveTarget(sourceName: string, fifo: boolean, redrive: string | undefined): void {
    if (!redrive) return;
    const policy = parseRedrivePolicy(redrive);
    if (this.acceptAnyRedriveTarget) return;
    const invalid = (reason: string) => sqsErrors.invalidRedrivePolicy(redrive, reason);
    const target = [...this.queues.values()].find((queue) => queue.arn === policy.deadLetterTargetArn);
    if (!target) throw invalid('Dead letter target does not exist.');
    if (!dlqTypeMatches(fifo, target.fifo)) throw invalid('Dead-letter queue must be same type of queue as the source.');
    const allow = target.config.redriveAllowPolicy;
    const sourceArn = this.arnOf(sourceName);
    if (allow && (allow.redrivePermission === 'denyAll' || (allow.redrivePermission === 'byQueue' && !allow.sourceQueueArns.includes(sourceArn)))) {
      throw invalid(`Queue ${target.arn} does not allow ${sourceArn} as a source queue (RedriveAllowPolicy).`);
    }
  }

  private attributesOf(queue: Queue): Record<string, string> {
    const now = this.clock.now();
    this.expire(queue, now);
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of queue.messages.values()) {
      if (message.visibleAt <= now) visible += 1;
      else if (message.receiveCount > 0) inFlight += 1;
      else delayed += 1;
    }
    const computed: Record<(typeof COMPUTED_ATTRIBUTES)[number], string> = {
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inFlight),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      CreatedTimestamp: String(Math.floor(queue.createdTimestamp / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.lastModifiedTimestamp / 1000)),
      QueueArn: queue.arn,
    };
    return { ...computed, ...queue.attributes };
  }

  private send(queue: Queue, input: SendInput): SendResult {
    const { body, deduplicationId } = validateSend(input, { fifo: queue.fifo, maximumMessageSize: queue.config.maximumMessageSize, contentBasedDeduplication: queue.config.contentBasedDeduplication });
    const now = this.clock.now();
    const dedupKey = deduplicationId === null ? null : queue.attributes['DeduplicationScope'] === 'messageGroup' ? `${input.MessageGroupId}\n${deduplicationId}` : deduplicationId;
    if (dedupKey !== null) {
      const seen = queue.deduplication.get(dedupKey);
      if (seen && seen.expiresAt > now) return seen.result;
    }
    const md5OfAttributes = md5OfMessageAttributes(input.MessageAttributes);
    const message: StoredMessage = {
      messageId: this.newMessageId(),
      body,
      md5OfBody: md5Hex(body),
      messageAttributes: input.MessageAttributes && Object.keys(input.MessageAttributes).length > 0 ? structuredClone(input.MessageAttributes) : undefined,
      md5OfMessageAttributes: md5OfAttributes,
      sentTimestamp: now,
      enqueuedAt: now,
      visibleAt: now + (input.DelaySeconds ?? queue.config.delaySeconds) * 1000,
      receiveCount: 0,
      firstReceiveTimestamp: null,
      groupId: input.MessageGroupId ?? null,
      deduplicationId,
      sequenceNumber: queue.fifo ? String(++this.sequenceCounter).padStart(20, '0') : null,
      deadLetterSourceArn: null,
      traceHeader: input.MessageSystemAttributes?.['AWSTraceHeader']?.StringValue ?? null,
    };
    this.enqueue(queue, message);
    const result: SendResult = {
      MessageId: message.messageId,
      MD5OfMessageBody: message.md5OfBody,
      ...(md5OfAttributes ? { MD5OfMessageAttributes: md5OfAttributes } : {}),
      ...(message.sequenceNumber ? { SequenceNumber: message.sequenceNumber } : {}),
    };
    if (dedupKey !== null) {
      if (queue.deduplication.size >= DEDUPLICATION_PRUNE_SIZE) pruneDeduplication(queue, now);
      queue.deduplication.set(dedupKey, { expiresAt: now + DEDUPLICATION_WINDOW_MS, result });
    }
    this.changed(queue);
    return result;
  }

  /**
   * The redrive rule: a receive attempted on a message already received maxReceiveCount times moves
   * it to the dead-letter queue instead of delivering it. If the target has vanished since the
   * policy was set, the message stays and is delivered (SQS never drops it for that).
   */
  private redrive(queue: Queue, message: StoredMessage, now: number): boolean {
    const policy = queue.config.redrivePolicy;
    if (!policy || message.receiveCount < policy.maxReceiveCount) return false;
    const target = [...this.queues.values()].find((candidate) => candidate.arn === policy.deadLetterTargetArn);
    if (!target) return false;
    queue.messages.delete(message.messageId);
    this.enqueue(target, { ...message, visibleAt: now, enqueuedAt: target.fifo ? now : message.enqueuedAt, deadLetterSourceArn: queue.arn });
    this.expire(target, now);
    this.changed(target);
    return true;
  }

  private enqueue(queue: Queue, message: StoredMessage): void {
    queue.messages.set(message.messageId, message);
    queue.nextExpiryAt = Math.min(queue.nextExpiryAt, message.enqueuedAt + queue.config.messageRetentionPeriod * 1000);
  }

  /** Drops messages past the queue's retention period, counted from their (original) enqueue time. */
  private expire(queue: Queue, now: number): void {
    if (now < queue.nextExpiryAt) return;
    const retentionMs = queue.config.messageRetentionPeriod * 1000;
    let nextExpiryAt = Infinity;
    for (const [id, message] of queue.messages) {
      const expiresAt = message.enqueuedAt + retentionMs;
      if (expiresAt <= now) queue.messages.delete(id);
      else nextExpiryAt = Math.min(nextExpiryAt, expiresAt);
    }
    queue.nextExpiryAt = nextExpiryAt;
  }

  private groupsInFlight(queue: Queue, now: number): Set<string> {
    const groups = new Set<string>();
    for (const message of queue.messages.values()) {
      if (message.visibleAt > now && message.receiveCount > 0) groups.add(message.groupId!);
    }
    return groups;
  }

  /** Per-entry errors go to `Failed`; request-level errors (batch size, entry ids) were thrown before. */
  private eachEntry<E, R extends object>(entries: E[], ids: string[], act: (entry: E) => R): { Successful: (R & { Id: string })[]; Failed: BatchFailure[] } {
    const Successful: (R & { Id: string })[] = [];
    const Failed: BatchFailure[] = [];
    entries.forEach((entry, index) => {
      const Id = ids[index]!;
      try {
        Successful.push({ Id, ...act(entry) });
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        Failed.push({ Id, SenderFault: error.senderFault, Code: error.code, Message: error.message });
      }
    });
    return { Successful, Failed };
  }
}

function pruneDeduplication(queue: Queue, now: number): void {
  for (const [key, entry] of queue.deduplication) {
    if (entry.expiresAt <= now) queue.deduplication.delete(key);
  }
}

