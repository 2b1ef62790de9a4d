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
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map<string, Operation>([
  ['CreateQueue', (model, input) => model.createQueue(input)],
  ['GetQueueUrl', (model, input) => model.getQueueUrl(input)],
  ['ListQueues', (model, input) => model.listQueues(input)],
  ['GetQueueAttributes', (model, input) => model.getQueueAttributes(input)],
  ['SetQueueAttributes', (model, input) => model.setQueueAttributes(input)],
  ['DeleteQueue', (model, input) => model.deleteQueue(input)],
  ['PurgeQueue', (model, input) => model.purgeQueue(input)],
  ['SendMessage', (model, input) => model.sendMessage(input)],
  ['SendMessageBatch', (model, input) => model.sendMessageBatch(input)],
  ['DeleteMessage', (model, input) => model.deleteMessage(input)],
  ['DeleteMessageBatch', (model, input) => model.deleteMessageBatch(input)],
  ['ChangeMessageVisibility', (model, input) => model.changeMessageVisibility(input)],
  ['ChangeMessageVisibilityBatch', (model, input) => model.changeMessageVisibilityBatch(input)],
  ['ListDeadLetterSourceQueues', (model, input) => model.listDeadLetterSourceQueues(input)],
  ['TagQueue', (model, input) => model.tagQueue(input)],
  ['UntagQueue', (model, input) => model.untagQueue(input)],
  ['ListQueueTags', (model, input) => model.listQueueTags(input)],
]);

/**
 * The shape of each operation's input (SQS API reference), checked before the model sees it: a
 * wrong type is the 400 `SerializationException` AWS's deserializer answers, never a 500 the SDK
 * would retry. Members not listed are ignored, as AWS ignores them.
 */
type Shape = 'string' | 'integer' | { list: Shape } | { map: Shape } | { struct: Record<string, Shape> };

const STRINGS: Shape = { list: 'string' };
const STRING_MAP: Shape = { map: 'string' };
const ATTRIBUTE_VALUE: Shape = { struct: { StringValue: 'string', BinaryValue: 'string', StringListValues: STRINGS, BinaryListValues: STRINGS, DataType: 'string' } };
const SEND: Record<string, Shape> = {
  MessageBody: 'string',
  DelaySeconds: 'integer',
  MessageAttributes: { map: ATTRIBUTE_VALUE },
  MessageSystemAttributes: { map: ATTRIBUTE_VALUE },
  MessageDeduplicationId: 'string',
  MessageGroupId: 'string',
};
const entries = (members: Record<string, Shape>): Shape => ({ list: { struct: { Id: 'string', ...members } } });

const INPUT_SHAPES: ReadonlyMap<string, Record<string, Shape>> = new Map<string, Record<string, Shape>>([
  ['CreateQueue', { QueueName: 'string', Attributes: STRING_MAP, tags: STRING_MAP }],
  ['GetQueueUrl', { QueueName: 'string', QueueOwnerAWSAccountId: 'string' }],
  ['ListQueues', { QueueNamePrefix: 'string', NextToken: 'string', MaxResults: 'integer' }],
  ['GetQueueAttributes', { QueueUrl: 'string', AttributeNames: STRINGS }],
  ['SetQueueAttributes', { QueueUrl: 'string', Attributes: STRING_MAP }],
  ['DeleteQueue', { QueueUrl: 'string' }],
  ['PurgeQueue', { QueueUrl: 'string' }],
  ['SendMessage', { QueueUrl: 'string', ...SEND }],
  ['SendMessageBatch', { QueueUrl: 'string', Entries: entries(SEND) }],
  [
    'ReceiveMessage',
    {
      QueueUrl: 'string',
      AttributeNames: STRINGS,
      MessageSystemAttributeNames: STRINGS,
      MessageAttributeNames: STRINGS,
      MaxNumberOfMessages: 'integer',
      VisibilityTimeout: 'integer',
      WaitTimeSeconds: 'integer',
      ReceiveRequestAttemptId: 'string',
    },
  ],
  ['DeleteMessage', { QueueUrl: 'string', ReceiptHandle: 'string' }],
  ['DeleteMessageBatch', { QueueUrl: 'string', Entries: entries({ ReceiptHandle: 'string' }) }],
  ['ChangeMessageVisibility', { QueueUrl: 'string', ReceiptHandle: 'string', VisibilityTimeout: 'integer' }],
  ['ChangeMessageVisibilityBatch', { QueueUrl: 'string', Entries: entries({ ReceiptHandle: 'string', VisibilityTimeout: 'integer' }) }],
  ['ListDeadLetterSourceQueues', { QueueUrl: 'string', NextToken: 'string', MaxResults: 'integer' }],
  ['TagQueue', { QueueUrl: 'string', Tags: STRING_MAP }],
  ['UntagQueue', { QueueUrl: 'string', TagKeys: STRINGS }],
  ['ListQueueTags', { QueueUrl: 'string' }],
]);

/** SQS operations AWS has and this endpoint does not serve: `UnsupportedOperation`, not "unknown". */
const UNSERVED = new Set(['AddPermission', 'RemovePermission', 'StartMessageMoveTask', 'CancelMessageMoveTask', 'ListMessageMoveTasks']);

const INT32_MAX = 2 ** 31 - 1;

function serializationError(path: string, expected: string): SqsError {
  return new SqsError('SerializationException', `Failed to deserialize the request: ${path} must be ${expected}.`);
}

/** Checks `value` against `shape`; returns it with null struct members dropped (AWS reads them as absent). */
function conform(value: unknown, shape: Shape, path: string): unknown {
  if (shape === 'string') {
    if (typeof value !== 'string') throw serializationError(path, 'a string');
    return value;
  }
  if (shape === 'integer') {
    if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > INT32_MAX) throw serializationError(path, 'a 32-bit integer');
    return value;
  }
  if ('list' in shape) {
    if (!Array.isArray(value)) throw serializationError(path, 'a list');
    return value.map((item, index) => conform(item, shape.list, `${path}[${index}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw serializationError(path, 'an object');
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if ('map' in shape) result[key] = conform(member, shape.map, `${path}.${key}`);
    else if (Object.hasOwn(shape.struct, key) && member !== null) result[key] = conform(member, shape.struct[key]!, `${path}.${key}`);
  }
  return result;
}

/**
 * `AmazonSQS.SendMessage` → `SendMessage`, for the operations this endpoint serves (an allow-list:
 * `AmazonSQS.constructor` or `toString` are unknown operations, never a lookup on an object).
 * Throws `UnknownOperation` or `UnsupportedOperation`.
 */
export function operationOf(target: string | undefined): string {
  const match = /^AmazonSQS\.([A-Za-z]+)$/.exec(target ?? '');
  const name = match?.[1];
  if (name !== undefined && INPUT_SHAPES.has(name)) return name;
  if (name !== undefined && UNSERVED.has(name)) throw new SqsError('UnsupportedOperation', `${name} is not supported by the local SQS endpoint.`);
  throw new SqsError('UnknownOperation', 'Only POST with X-Amz-Target: AmazonSQS.<Operation> of an SQS operation is served.');
}

/** The request body of `operation`: a JSON object whose members have the types SQS declares. */
export function parseInput(operation: string, text: string): Input {
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new SqsError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SqsError('SerializationException', 'The request body must be a JSON object.');
  }
  return conform(parsed, { struct: INPUT_SHAPES.get(operation)! }, 'input') as Input;
}
