import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { DeadLetter, Delivery } from '../../engine/broker.js';

/**
 * How the SQS adapter lays a command out on a message: the body is the command's JSON; message
 * attributes carry what AMQP would carry in properties and headers.
 */
export const ATTRIBUTE = {
  /** The command id (SQS assigns its own MessageId; ours survives a replay). */
  messageId: 'messageId',
  correlationId: 'correlationId',
  deadLetterReason: 'deadLetterReason',
  deathCount: 'deathCount',
  sourceQueue: 'sourceQueue',
} as const;

export function stringAttribute(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

export function numberAttribute(value: number): MessageAttributeValue {
  return { DataType: 'Number', StringValue: String(value) };
}

function attributeOf(message: Message, name: string): string | undefined {
  return message.MessageAttributes?.[name]?.StringValue;
}

/** The attributes that identify a command, to carry over when it is moved or replayed. */
export function identityAttributes(message: Message): Record<string, MessageAttributeValue> {
  const kept: Record<string, MessageAttributeValue> = {};
  for (const name of [ATTRIBUTE.messageId, ATTRIBUTE.correlationId]) {
    const value = attributeOf(message, name);
    if (value !== undefined) kept[name] = stringAttribute(value);
  }
  return kept;
}

export function deliveryOf(message: Message): Delivery {
  return {
    body: message.Body ?? '',
    messageId: attributeOf(message, ATTRIBUTE.messageId) ?? message.MessageId ?? '',
    correlationId: attributeOf(message, ATTRIBUTE.correlationId) ?? null,
    deliveryCount: Number(message.Attributes?.ApproximateReceiveCount ?? '1'),
  };
}

function queueNameOfArn(arn: string): string {
  return arn.split(':').at(-1) ?? arn;
}

/**
 * A DLQ message as operators see it. Messages the adapter dead-lettered itself carry the reason
 * and death count; messages SQS moved by redrive died after exactly `maxReceiveCount` receives.
 */
export function deadLetterOf(message: Message, fallback: { sourceQueue: string; maxReceiveCount: number | null }): DeadLetter {
  const redrivenFrom = message.Attributes?.DeadLetterQueueSourceArn;
  const explicitCount = attributeOf(message, ATTRIBUTE.deathCount);
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
  return {
    messageId: attributeOf(message, ATTRIBUTE.messageId) ?? message.MessageId ?? '',
    body: message.Body ?? '',
    correlationId: attributeOf(message, ATTRIBUTE.correlationId) ?? null,
    reason: attributeOf(message, ATTRIBUTE.deadLetterReason) ?? (redrivenFrom ? 'maxReceiveCount' : 'unknown'),
    deathCount: explicitCount !== undefined ? Number(explicitCount) : (fallback.maxReceiveCount ?? Math.max(1, receiveCount - 1)),
    sourceQueue: attributeOf(message, ATTRIBUTE.sourceQueue) ?? (redrivenFrom ? queueNameOfArn(redrivenFrom) : fallback.sourceQueue),
  };
}
