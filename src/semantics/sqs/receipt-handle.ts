/**
 * Receipt handles: opaque to clients, but derived from (queue, message, receive count) so that a
 * handle goes stale the moment the message is received again, and the model stays deterministic.
 */
export interface ReceiptHandleParts {
  queueName: string;
  messageId: string;
  receiveCount: number;
}

const PREFIX = 'esr1';

export function encodeReceiptHandle(parts: ReceiptHandleParts): string {
  return Buffer.from(`${PREFIX}\n${parts.queueName}\n${parts.messageId}\n${parts.receiveCount}`, 'utf8').toString('base64url');
}

export function decodeReceiptHandle(handle: string): ReceiptHandleParts | null {
  const fields = Buffer.from(handle, 'base64url').toString('utf8').split('\n');
  if (fields.length !== 4 || fields[0] !== PREFIX) return null;
  const receiveCount = Number(fields[3]);
  if (!Number.isInteger(receiveCount) || receiveCount < 1) return null;
  return { queueName: fields[1]!, messageId: fields[2]!, receiveCount };
}
