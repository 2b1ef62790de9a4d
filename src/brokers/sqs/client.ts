import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { OperatingError } from '../../errors.js';
import { awsRequestHandlerOptions, boundAwsResponses, describeNetworkFailure, requestTimeoutMs, SQS_MAX_WAIT_SECONDS } from '../../net/timeouts.js';

/**
 * The SDK boundary of the SQS adapter: how the client is made, and the one place vendor errors
 * are wrapped (with `cause`) and classified.
 */

/** SQS cannot be reached (network, DNS, timeout, throttled beyond the SDK's own retries). */
export class SqsUnavailableError extends OperatingError {}

/** SQS answered with an error: `code` is the SDK's exception name (QueueDoesNotExist, ...). */
export class SqsRequestError extends OperatingError {
  constructor(
    message: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
const CONNECTION_NAMES = new Set(['TimeoutError', 'NetworkingError', 'RequestTimeout', 'RequestTimeoutException', 'RequestThrottled', 'ThrottlingException']);

/** True when trying again later may help: the endpoint is unreachable or asked us to slow down. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof SqsUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  if (CONNECTION_NAMES.has(error.name)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isConnectionError(cause);
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wraps an SDK error once, at the boundary. Already-wrapped errors pass through. */
export function wrapSqsError(what: string, error: unknown): Error {
  if (error instanceof SqsUnavailableError || error instanceof SqsRequestError) return error;
  // A 5xx (or an answer that is not SQS's) after the SDK's own retries: SQS is not serving, whatever the body said.
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return new SqsUnavailableError(`${what}: SQS answered HTTP ${status}`, { cause: error });
  if (error instanceof SyntaxError) return new SqsRequestError(`${what}: the endpoint's answer (HTTP ${String(status)}) is not an SQS answer`, 'SyntaxError', { cause: error });
  if (isConnectionError(error)) {
    return new SqsUnavailableError(`${what}: SQS unreachable: ${describeNetworkFailure(error, requestTimeoutMs()).detail}`, { cause: error });
  }
  const code = error instanceof Error ? error.name : 'Unknown';
  return new SqsRequestError(`${what}: ${code}: ${messageOf(error)}`, code, { cause: error });
}

/** Calls SQS and wraps what it throws. */
export async function callSqs<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw wrapSqsError(what, error);
  }
}

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host === '::1';
  } catch {
    return false;
  }
}

/**
 * A client with the standard AWS credential chain and region. For a loopback endpoint (the local
 * endpoint, ElasticMQ, LocalStack) with no credentials configured, placeholder credentials are
 * used: those emulators accept any signature.
 */
export function createSqsClient(options: { region?: string; endpoint?: string }): SQSClient {
  // Every request ends in bounded time; a long poll may stay silent for its wait.
  const config: SQSClientConfig = { requestHandler: awsRequestHandlerOptions({ longestWaitSeconds: SQS_MAX_WAIT_SECONDS }) };
  if (options.region) config.region = options.region;
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.region ??= process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
    const configured = process.env['AWS_ACCESS_KEY_ID'] || process.env['AWS_PROFILE'];
    if (isLoopback(options.endpoint) && !configured) config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  const client = new SQSClient(config);
  boundAwsResponses(client);
  return client;
}
