import { createHash } from 'node:crypto';
import { sqsErrors } from './errors.js';
import type { MessageAttributeValue } from './md5.js';

/**
 * Validation of what a producer sends, with the limits of the SQS developer guide ("Amazon SQS
 * message quotas"): allowed body characters, size, at most 10 message attributes, their names and
 * data types, per-message delay, FIFO group and deduplication ids.
 */

const INVALID_BODY_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,250})?$/;
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;
const NUMBER_VALUE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export interface SendInput {
  MessageBody?: string;
  DelaySeconds?: number;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  MessageSystemAttributes?: Record<string, MessageAttributeValue>;
  MessageDeduplicationId?: string;
  MessageGroupId?: string;
}

export interface QueueLimits {
  fifo: boolean;
  maximumMessageSize: number;
  contentBasedDeduplication: boolean;
}

export function validateBody(body: string | undefined): string {
  if (body === undefined || body === '') throw sqsErrors.missingParameter('MessageBody');
  const bad = INVALID_BODY_CHAR.exec(body);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase();
    throw sqsErrors.invalidParameter(
      `Invalid binary character '#x${code}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
    );
  }
  return body;
}

function attributeSize(name: string, attribute: MessageAttributeValue): number {
  const value = attribute.BinaryValue !== undefined ? Buffer.from(attribute.BinaryValue, 'base64').length : Buffer.byteLength(attribute.StringValue ?? '', 'utf8');
  return Buffer.byteLength(name, 'utf8') + Buffer.byteLength(attribute.DataType, 'utf8') + value;
}

export function validateMessageAttributes(attributes: Record<string, MessageAttributeValue> | undefined): number {
  const entries = Object.entries(attributes ?? {});
  if (entries.length > 10) throw sqsErrors.invalidParameter(`Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`);
  let size = 0;
  for (const [name, attribute] of entries) {
    const reserved = /^(aws\.|amazon\.)/i.test(name);
    if (!ATTRIBUTE_NAME.test(name) || reserved || name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
      throw sqsErrors.invalidParameter(`Message attribute name '${name}' is invalid.`);
    }
    const dataType = typeof attribute?.DataType === 'string' ? attribute.DataType : '';
    const kind = DATA_TYPE.exec(dataType)?.[1];
    if (kind === undefined) throw sqsErrors.invalidParameter(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    const hasValue = kind === 'Binary' ? !!attribute.BinaryValue : !!attribute.StringValue;
    if (!hasValue) throw sqsErrors.invalidParameter(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${kind}'.`);
    if (kind === 'Number' && !NUMBER_VALUE.test(attribute.StringValue!)) {
      throw sqsErrors.invalidParameter(`Can't cast the value of message (user) attribute '${name}' to a number.`);
    }
    size += attributeSize(name, attribute);
  }
  return size;
}

/** The checks of one SendMessage (or batch entry) against its queue; returns the effective deduplication id. */
export function validateSend(input: SendInput, queue: QueueLimits): { body: string; deduplicationId: string | null } {
  const body = validateBody(input.MessageBody);
  const size = Buffer.byteLength(body, 'utf8') + validateMessageAttributes(input.MessageAttributes);
  if (size > queue.maximumMessageSize) {
    throw sqsErrors.invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${queue.maximumMessageSize} bytes.`);
  }
  if (input.DelaySeconds !== undefined) {
    if (queue.fifo) throw sqsErrors.invalidParameter(`Value ${input.DelaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`);
    if (!Number.isInteger(input.DelaySeconds) || input.DelaySeconds < 0 || input.DelaySeconds > 900) {
      throw sqsErrors.invalidParameter(`Value ${input.DelaySeconds} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`);
    }
  }
  if (input.MessageGroupId !== undefined && !FIFO_ID.test(input.MessageGroupId)) {
    throw sqsErrors.invalidParameter(`Value ${input.MessageGroupId} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  }
  if (!queue.fifo) {
    if (input.MessageDeduplicationId !== undefined) {
      throw sqsErrors.invalidParameter(`Value ${input.MessageDeduplicationId} for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.`);
    }
    return { body, deduplicationId: null };
  }
  if (input.MessageGroupId === undefined) throw sqsErrors.missingParameter('MessageGroupId');
  if (input.MessageDeduplicationId !== undefined) {
    if (!FIFO_ID.test(input.MessageDeduplicationId)) {
      throw sqsErrors.invalidParameter(`Value ${input.MessageDeduplicationId} for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
    }
    return { body, deduplicationId: input.MessageDeduplicationId };
  }
  if (!queue.contentBasedDeduplication) {
    throw sqsErrors.invalidParameter('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
  }
  return { body, deduplicationId: createHash('sha256').update(body, 'utf8').digest('hex') };
}
