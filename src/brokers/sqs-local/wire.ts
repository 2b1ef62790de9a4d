import { SqsError } from '../../semantics/sqs/errors.js';
import type { SqsModel } from '../../semantics/sqs/model.js';

/**
 * The AWS JSON 1.0 wire of SQS: which operations the endpoint serves, and how an error is shaped
 * so that @aws-sdk/client-sqs (query-compatible mode) raises its typed exception: a
 * `__type` of `com.amazonaws.sqs#<Name>` plus the `x-amzn-query-error: <query code>;Sender`
 * header, whose code the SDK maps through each exception's `awsQueryError` trait.
 */

export const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** SDK exception name → [AWS query error code, HTTP status], as in the SDK's error schemas. */
const ERROR_WIRE: Record<string, [string, number]> = {
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  QueueNameExists: ['QueueAlreadyExists', 400],
  QueueDeletedRecently: ['AWS.SimpleQueueService.QueueDeletedRecently', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  PurgeQueueInProgress: ['AWS.SimpleQueueService.PurgeQueueInProgress', 403],
  EmptyBatchRequest: ['AWS.SimpleQueueService.EmptyBatchRequest', 400],
  TooManyEntriesInBatchRequest: ['AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400],
  BatchEntryIdsNotDistinct: ['AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400],
  InvalidBatchEntryId: ['AWS.SimpleQueueService.InvalidBatchEntryId', 400],
  BatchRequestTooLong: ['AWS.SimpleQueueService.BatchRequestTooLong', 400],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 400],
  InvalidAttributeName: ['InvalidAttributeName', 400],
  InvalidAttributeValue: ['InvalidAttributeValue', 400],
  InvalidMessageContents: ['InvalidMessageContents', 400],
  InvalidParameterValue: ['InvalidParameterValue', 400],
  MissingParameter: ['MissingParameter', 400],
  UnknownOperation: ['UnknownOperationException', 400],
  SerializationException: ['SerializationException', 400],
};

export interface WireError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function errorResponse(error: SqsError): WireError {
  const [queryCode, status] = ERROR_WIRE[error.code] ?? [error.code, error.senderFault ? 400 : 500];
  return {
    status,
    headers: { 'x-amzn-query-error': `${queryCode};${error.senderFault ? 'Sender' : 'Receiver'}` },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.code}`, message: error.message }),
  };
}

/** A bug of the endpoint, not of the caller: a 500 that says what broke (the SDK retries 5xx). */
export function internalError(error: unknown): WireError {
  const detail = error instanceof Error ? error.message : String(error);
  return errorResponse(new SqsError('InternalError', `We encountered an internal error: ${detail}`, false));
}

type Input = Record<string, never>;
type Operation = (model: SqsModel, input: Input) => object | void;

/** Every operation but ReceiveMessage, whose long polling the server drives. */
export const OPERATIONS: Record<string, Operation> = {
  CreateQueue: (model, input) => model.createQueue(input),
  GetQueueUrl: (model, input) => model.getQueueUrl(input),
  ListQueues: (model, input) => model.listQueues(input),
  GetQueueAttributes: (model, input) => model.getQueueAttributes(input),
  SetQueueAttributes: (model, input) => model.setQueueAttributes(input),
  DeleteQueue: (model, input) => model.deleteQueue(input),
  PurgeQueue: (model, input) => model.purgeQueue(input),
  SendMessage: (model, input) => model.sendMessage(input),
  SendMessageBatch: (model, input) => model.sendMessageBatch(input),
  DeleteMessage: (model, input) => model.deleteMessage(input),
  DeleteMessageBatch: (model, input) => model.deleteMessageBatch(input),
  ChangeMessageVisibility: (model, input) => model.changeMessageVisibility(input),
  ChangeMessageVisibilityBatch: (model, input) => model.changeMessageVisibilityBatch(input),
  ListDeadLetterSourceQueues: (model, input) => model.listDeadLetterSourceQueues(input),
  TagQueue: (model, input) => model.tagQueue(input),
  UntagQueue: (model, input) => model.untagQueue(input),
  ListQueueTags: (model, input) => model.listQueueTags(input),
};

/** `AmazonSQS.SendMessage` → `SendMessage`; null for anything else. */
export function operationOf(target: string | undefined): string | null {
  const match = /^AmazonSQS\.([A-Za-z]+)$/.exec(target ?? '');
  return match ? match[1]! : null;
}

export function parseInput(text: string): Input {
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new SqsError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SqsError('SerializationException', 'The request body must be a JSON object.');
  }
  return parsed as Input;
}
