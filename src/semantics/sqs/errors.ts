/**
 * An SQS operating error, named as the SDK names its typed exceptions (`QueueDoesNotExist`,
 * `InvalidAttributeValue`, ...) or, for codes the SDK does not model, by the AWS query code
 * (`InvalidParameterValue`, `MissingParameter`). The local endpoint turns `code` into the wire
 * shape the SDK maps back to the same exception.
 */
export class SqsError extends Error {
  override readonly name = 'SqsError';

  constructor(
    readonly code: string,
    message: string,
    readonly senderFault = true,
  ) {
    super(message);
  }
}

export const sqsErrors = {
  queueDoesNotExist: () => new SqsError('QueueDoesNotExist', 'The specified queue does not exist.'),
  missingParameter: (name: string) => new SqsError('MissingParameter', `The request must contain the parameter ${name}.`),
  invalidParameter: (message: string) => new SqsError('InvalidParameterValue', message),
  invalidAttributeName: (name: string) => new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`),
  invalidAttributeValue: (name: string, reason?: string) =>
    new SqsError('InvalidAttributeValue', reason === undefined ? `Invalid value for the parameter ${name}.` : `Value for parameter ${name} is invalid. Reason: ${reason}`),
  invalidRedrivePolicy: (value: string, reason: string) =>
    new SqsError('InvalidAttributeValue', `Value ${value} for parameter RedrivePolicy is invalid. Reason: ${reason}`),
  receiptHandleIsInvalid: (handle: string, reason = 'is not a valid receipt handle') =>
    new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" ${reason}.`),
};
