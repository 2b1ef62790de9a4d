import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SqsError } from '../../semantics/sqs/errors.js';
import { SqsModel } from '../../semantics/sqs/model.js';
import { CONTENT_TYPE, errorResponse, internalError, OPERATIONS, operationOf, parseInput, type WireError } from './wire.js';

/**
 * The SQS model served over HTTP with the AWS JSON 1.0 protocol, so the real @aws-sdk/client-sqs
 * code paths run end to end on a machine without AWS. For tests and local replays only: ElasticMQ,
 * LocalStack or AWS itself (`--endpoint`) are the real targets. Any signature and credentials are
 * accepted and never read.
 */

export interface SqsLocalOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** The model's clock. Default: the system clock. Long-poll waits are always real time. */
  clock?: { now(): number };
  region?: string;
  /** See `SqsModelOptions.acceptAnyRedriveTarget`: lets tests create misconfigurations AWS refuses. Default false. */
  acceptAnyRedriveTarget?: boolean;
  /** Called with each operation name before it runs (e.g. to prove a client only reads). */
  onOperation?: (operation: string) => void;
}

export interface SqsLocal {
  endpoint: string;
  model: SqsModel;
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** A FIFO queue can hold visible messages no one may receive yet (group locked): poll, don't spin. */
const MIN_POLL_MS = 10;

const systemNow = () => Date.now();

export async function startSqsLocal(options: SqsLocalOptions = {}): Promise<SqsLocal> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? { now: systemNow };
  const wakers = new Set<() => void>();
  let model: SqsModel | null = null;
  let closing = false;

  const wakeAll = () => {
    for (const wake of [...wakers]) wake();
  };

  /** Resolves after `ms`, on any queue change, or when the server closes. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(MIN_POLL_MS, Math.min(ms, 2_147_000_000)));
      wakers.add(done);
    });

  const receive = async (sqs: SqsModel, input: Record<string, never>, gone: () => boolean): Promise<object> => {
    const fields = input as Record<string, unknown>;
    const queueUrl = fields['QueueUrl'] as string | undefined;
    const waitSeconds = (fields['WaitTimeSeconds'] as number | undefined) ?? Number(sqs.getQueueAttributes({ QueueUrl: queueUrl, AttributeNames: ['ReceiveMessageWaitTimeSeconds'] }).Attributes?.['ReceiveMessageWaitTimeSeconds'] ?? 0);
    const deadline = systemNow() + waitSeconds * 1000;
    for (;;) {
      const result = sqs.receiveMessage(input);
      const left = deadline - systemNow();
      if (result.Messages && gone()) return release(sqs, queueUrl!, result.Messages);
      if (result.Messages || left <= 0 || closing || gone()) return result;
      const next = sqs.nextVisibleAt(queueUrl!);
      await pause(next === null ? left : Math.min(left, next - clock.now()));
      if (gone()) return {};
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    let clientGone = false;
    /** Messages of a receive answer not yet known to have reached the client. */
    let unconfirmed: { queueUrl: string; messages: { ReceiptHandle: string }[] } | null = null;
    response.on('close', () => {
      clientGone = !response.writableFinished;
      if (!clientGone) return;
      wakeAll();
      if (unconfirmed && model) release(model, unconfirmed.queueUrl, unconfirmed.messages);
    });
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      if (response.destroyed) return;
      response.writeHead(status, { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(body), ...headers });
      response.end(body);
    };
    const sendError = (wire: WireError) => send(wire.status, wire.body, wire.headers);
    try {
      const text = await readBody(request);
      if (request.method !== 'POST') throw new SqsError('UnknownOperation', 'Only POST with X-Amz-Target: AmazonSQS.<Operation> is served.');
      const operation = operationOf(request.headers['x-amz-target'] as string | undefined);
      const input = parseInput(operation, text);
      options.onOperation?.(operation);
      const sqs = model!;
      if (operation === 'ReceiveMessage') {
        const result: { Messages?: { ReceiptHandle: string }[] } = await receive(sqs, input, () => clientGone);
        if (clientGone) return;
        if (result.Messages) unconfirmed = { queueUrl: (input as Record<string, string>)['QueueUrl']!, messages: result.Messages };
        send(200, JSON.stringify(result));
        return;
      }
      send(200, JSON.stringify(OPERATIONS.get(operation)!(sqs, input) ?? {}));
    } catch (error) {
      sendError(error instanceof SqsError ? errorResponse(error) : internalError(error));
    }
  };

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  model = new SqsModel({ clock, region: options.region, baseUrl: endpoint, newMessageId: randomUUID, acceptAnyRedriveTarget: options.acceptAnyRedriveTarget });
  model.onChange(wakeAll);

  return {
    endpoint,
    model,
    close: async () => {
      closing = true;
      wakeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 50).unref();
      });
    },
  };
}

/**
 * The poller went away (an aborted long poll) before its answer reached it: make what it got
 * visible again at once. AWS would let those messages come back after their visibility timeout;
 * releasing them early keeps local runs fast and changes no outcome (receive counts still grew).
 */
function release(sqs: SqsModel, queueUrl: string, messages: { ReceiptHandle: string }[]): object {
  for (const message of messages) {
    try {
      sqs.changeMessageVisibility({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 });
    } catch {
      // Already deleted, received again or the queue is gone: nothing to give back.
    }
  }
  return {};
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new SqsError('SerializationException', 'The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
