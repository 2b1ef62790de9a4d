import { md5OfMessageAttributes, type MessageAttributeValue } from './md5.js';

/** A message as the model keeps it, and how ReceiveMessage shows it. */

export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttributeValue> | undefined;
  md5OfMessageAttributes: string | undefined;
  sentTimestamp: number;
  /** Retention counts from here: the original enqueue time, kept when a standard queue dead-letters it. */
  enqueuedAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp: number | null;
  groupId: string | null;
  deduplicationId: string | null;
  sequenceNumber: string | null;
  deadLetterSourceArn: string | null;
  traceHeader: string | null;
}

export interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
}

const SYSTEM_ATTRIBUTE_NAMES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;
const SENDER_ID = 'AIDAIENQZJOLO23YVJ4VO';

/** A stored message as ReceiveMessage answers it: the system and message attributes asked for. */
export function viewOf(message: StoredMessage, receiptHandle: string, systemNames: Set<string>, attributeNames: string[]): ReceivedMessage {
  const system: Record<(typeof SYSTEM_ATTRIBUTE_NAMES)[number], string | null> = {
    SenderId: SENDER_ID,
    SentTimestamp: String(message.sentTimestamp),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp),
    SequenceNumber: message.sequenceNumber,
    MessageDeduplicationId: message.deduplicationId,
    MessageGroupId: message.groupId,
    AWSTraceHeader: message.traceHeader,
    DeadLetterQueueSourceArn: message.deadLetterSourceArn,
  };
  const all = systemNames.has('All');
  const attributes = Object.fromEntries(
    SYSTEM_ATTRIBUTE_NAMES.filter((name) => (all || systemNames.has(name)) && system[name] !== null).map((name) => [name, system[name]!]),
  );
  const userAttributes = selectMessageAttributes(message.messageAttributes, attributeNames);
  return {
    MessageId: message.messageId,
    ReceiptHandle: receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(userAttributes ? { MessageAttributes: userAttributes, MD5OfMessageAttributes: md5OfMessageAttributes(userAttributes)! } : {}),
  };
}

/** `All` or `.*` selects every attribute; `prefix.*` selects by prefix; other names exactly. */
function selectMessageAttributes(attributes: Record<string, MessageAttributeValue> | undefined, names: string[]): Record<string, MessageAttributeValue> | undefined {
  if (!attributes || names.length === 0) return undefined;
  const matches = (name: string) =>
    names.some((wanted) => wanted === 'All' || wanted === '.*' || wanted === name || (wanted.endsWith('.*') && name.startsWith(wanted.slice(0, -1))));
  const selected = Object.fromEntries(Object.entries(attributes).filter(([name]) => matches(name)));
  return Object.keys(selected).length > 0 ? structuredClone(selected) : undefined;
}
