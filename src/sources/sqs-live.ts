/**
 * Live SQS, read-only: ListQueues (paginated — without MaxResults/NextToken it silently stops at
 * 1,000) and GetQueueAttributes(All) with bounded concurrency. Throttling is retried by the SDK
 * (adaptive retry mode). The SDK is imported lazily so that the CLI starts fast.
 */
import pLimit from 'p-limit';
import { awsRequestHandlerOptions, boundAwsResponses, callDeadlineMs, describeNetworkFailure } from '../net/timeouts.js';
import { networkErrorCode, redactUrl, SourceError } from './errors.js';
import type { QueueSettings, Source } from './queue-settings.js';
import { queueNameOf, specFromAttributes, sqsQueueSettings, type SqsQueueSpec } from './sqs-attributes.js';

export interface SqsLiveOptions {
  region: string;
  /** ElasticMQ, LocalStack, the project's local endpoint; AWS when absent. */
  endpoint?: string;
  queueNamePrefix?: string;
  /** GetQueueAttributes calls in flight at once. */
  concurrency?: number;
  /** Explicit credentials; without them, the standard AWS credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** A limit on everything: 1,000 pages of 1,000 names. */
const MAX_PAGES = 1_000;
const DEFAULT_CONCURRENCY = 8;
/** SDK attempts per call, with adaptive (client-side rate limiting) retry on throttling. */
const MAX_ATTEMPTS = 8;

export function sqsLiveSource(options: SqsLiveOptions): Source {
  const where = options.endpoint === undefined ? `region ${options.region}` : `${redactUrl(options.endpoint)} (region ${options.region})`;
  const prefix = options.queueNamePrefix === undefined ? '' : ` prefix ${options.queueNamePrefix}`;
  return {
    description: `sqs-live ${where}${prefix}`,
    load: () => loadQueues(options, where),
  };
}

/** `timedOut`: the call's deadline passed (whatever the SDK then threw: an abort, a reset socket). */
function describeFailure(error: unknown, where: string, operation: string, timedOut: boolean): SourceError {
  const network = describeNetworkFailure(error, callDeadlineMs());
  if (timedOut || network.reason === 'timeout' || isAbort(error)) {
    return new SourceError(`SQS at ${where} did not answer ${operation}: no complete answer within ${callDeadlineMs()} ms`, { cause: error });
  }
  const code = networkErrorCode(error);
  if (code !== null) return new SourceError(`cannot reach SQS at ${where}: ${network.detail}`, { cause: error });
  const name = error instanceof Error ? error.name : 'Error';
  if (name === 'CredentialsProviderError') {
    return new SourceError(`no AWS credentials found for SQS at ${where} (standard credential chain: env, profile, SSO, instance role)`, { cause: error });
  }
  if (/AccessDenied|Unauthori[sz]ed|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken/i.test(name)) {
    return new SourceError(`unauthorised: SQS at ${where} refused ${operation} (${name})`, { cause: error });
  }
  return new SourceError(`SQS ${operation} failed at ${where} (${name})`, { cause: error });
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

async function loadQueues(options: SqsLiveOptions, where: string): Promise<QueueSettings[]> {
  const { SQSClient, ListQueuesCommand, GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const client = new SQSClient({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: MAX_ATTEMPTS,
    retryMode: 'adaptive',
    requestHandler: awsRequestHandlerOptions(),
  });
  boundAwsResponses(client);
  // Each call, the SDK's retries included, ends by this deadline.
  const deadline = () => AbortSignal.timeout(callDeadlineMs());
  try {
    const urls: string[] = [];
    let nextToken: string | undefined;
    for (let page = 0; ; page++) {
      if (page === MAX_PAGES) throw new SourceError(`SQS at ${where}: more than ${MAX_PAGES} pages of queues; refusing to read further`);
      const signal = deadline();
      const listed = await client
        .send(new ListQueuesCommand({ MaxResults: 1000, NextToken: nextToken, QueueNamePrefix: options.queueNamePrefix }), { abortSignal: signal })
        .catch((error: unknown) => Promise.reject(describeFailure(error, where, 'ListQueues', signal.aborted)));
      urls.push(...(listed.QueueUrls ?? []));
      nextToken = listed.NextToken;
      if (nextToken === undefined || nextToken === '') break;
    }
    const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
    const specs = await Promise.all(
      urls.map((url) =>
        limit(async () => {
          const signal = deadline();
          try {
            const answer = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }), { abortSignal: signal });
            return specFromAttributes(url, queueNameOf(url), answer.Attributes ?? {}, { source: 'sqs-live' });
          } catch (error) {
            // deleted between ListQueues and GetQueueAttributes: it is not there, so it is not read
            if (error instanceof Error && /QueueDoesNotExist|NonExistentQueue/.test(error.name)) return null;
            throw error instanceof SourceError ? error : describeFailure(error, where, 'GetQueueAttributes', signal.aborted);
          }
        }),
      ),
    );
    return sqsQueueSettings(specs.filter((spec): spec is SqsQueueSpec => spec !== null));
  } finally {
    client.destroy();
  }
}
