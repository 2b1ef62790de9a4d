/**
 * The one request timeout of every network call the toolkit makes (SQS, the RabbitMQ management
 * API, S3): a peer that accepts the connection and never answers — or stops half-way through its
 * answer — cannot hang a command. Callers import the numbers and helpers from here, never their own.
 */
import { OperatingError } from '../errors.js';

/** Per request: connect, send, wait for the answer and read all of it. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Per connection attempt (a black-holed address, a SYN never answered). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** The environment variable that changes the request timeout (milliseconds), for slow links and for tests. */
export const REQUEST_TIMEOUT_ENV = 'ESR_REQUEST_TIMEOUT_MS';
/** SQS's longest long poll (WaitTimeSeconds ≤ 20): a receive may legitimately stay silent that long. */
export const SQS_MAX_WAIT_SECONDS = 20;

/** The request timeout: `ESR_REQUEST_TIMEOUT_MS` when set (a positive integer), else the default. */
export function requestTimeoutMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env[REQUEST_TIMEOUT_ENV];
  if (raw === undefined || raw === '') return DEFAULT_REQUEST_TIMEOUT_MS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new OperatingError(`${REQUEST_TIMEOUT_ENV} must be a positive whole number of milliseconds, got '${raw.slice(0, 40)}'`);
  }
  return value;
}

export function connectTimeoutMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  return Math.min(DEFAULT_CONNECT_TIMEOUT_MS, requestTimeoutMs(env));
}

/** A network call failed: `timeout` (no complete answer in time) or `unreachable` (refused, reset, no such host). */
export class NetworkError extends OperatingError {
  constructor(
    readonly reason: 'timeout' | 'unreachable',
    /** What happened, for people: `no answer within 10000 ms`, `connection refused (ECONNREFUSED)`. */
    readonly detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(detail, options);
  }
}

const CODE_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stalled',
  ERR_INVALID_URL: 'invalid URL',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host',
};

/** The first error code along the cause chain (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...). */
function codeOf(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = current.cause;
  }
  return null;
}

function isTimeout(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if (current.name === 'TimeoutError') return true;
    current = current.cause;
  }
  return false;
}

/** Says in words why a `fetch` (or SDK call) failed; never just a class name like "(TypeError)". */
export function describeNetworkFailure(error: unknown, timeoutMs: number): NetworkError {
  if (error instanceof NetworkError) return error;
  if (isTimeout(error)) return new NetworkError('timeout', `no complete answer within ${timeoutMs} ms`, { cause: error });
  const code = codeOf(error);
  if (code !== null) return new NetworkError('unreachable', `${CODE_TEXT[code] ?? 'network error'} (${code})`, { cause: error });
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return new NetworkError('unreachable', message === '' || message === 'fetch failed' ? 'network error' : message, { cause: error });
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** Answers larger than this are refused rather than read into memory. */
export const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

/**
 * `fetch` with the request timeout covering the whole exchange, body included (a server that sends
 * its headers and then stalls is a timeout, not "malformed JSON"), and a cap on the answer's size.
 * Throws `NetworkError`.
 */
export async function fetchText(url: string, init: RequestInit = {}, options: { timeoutMs?: number; maxBytes?: number } = {}): Promise<HttpAnswer> {
  const timeoutMs = options.timeoutMs ?? requestTimeoutMs();
  const maxBytes = options.maxBytes ?? MAX_ANSWER_BYTES;
  // A timer of our own, not AbortSignal.timeout: that one is unref'd, so a fetch stuck with no socket
  // left would let the process exit with the command unfinished (exit 13) instead of timing out.
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError');
      controller.abort(reason);
      reject(reason);
    }, timeoutMs);
  });
  try {
    return await Promise.race([exchange(url, { ...init, signal: controller.signal }, maxBytes), expired]);
  } catch (error) {
    throw describeNetworkFailure(controller.signal.aborted ? controller.signal.reason : error, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

async function exchange(url: string, init: RequestInit, maxBytes: number): Promise<HttpAnswer> {
  const response = await fetch(url, init);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  for (let chunk = await reader?.read(); reader && chunk && !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new NetworkError('unreachable', `the answer is larger than ${maxBytes} bytes; refusing to read it`);
    }
    chunks.push(chunk.value);
  }
  return { status: response.status, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') };
}

/** A whole SDK call, its own retries included: a few request timeouts, then the command gives up. */
export function callDeadlineMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  return 3 * requestTimeoutMs(env);
}

/**
 * The `requestHandler` options of every AWS SDK client (SQS, S3): connect and request timeouts that
 * throw (the SDK only warns by default), and a socket idle timeout that lets a long poll of
 * `longestWaitSeconds` stay silent. A long-polling call passes `longPollRequestTimeoutMs(wait)` itself.
 */
export function awsRequestHandlerOptions(options: { longestWaitSeconds?: number } = {}) {
  const timeout = requestTimeoutMs();
  return {
    connectionTimeout: connectTimeoutMs(),
    requestTimeout: timeout,
    socketTimeout: timeout + (options.longestWaitSeconds ?? 0) * 1000,
    throwOnRequestTimeout: true,
  };
}

/** The request timeout of one long poll: the wait it asked for, plus the usual timeout. */
export function longPollRequestTimeoutMs(waitSeconds: number): number {
  return waitSeconds * 1000 + requestTimeoutMs();
}

interface AwsHttpHandler {
  handle(request: unknown, options?: { abortSignal?: AbortSignal; requestTimeout?: number }): Promise<{ response?: { body?: unknown } }>;
}

interface Destroyable {
  destroy(error: Error): void;
  once(event: 'close', listener: () => void): void;
}

const isDestroyable = (body: unknown): body is Destroyable =>
  typeof body === 'object' && body !== null && typeof (body as Destroyable).destroy === 'function' && typeof (body as Destroyable).once === 'function';

/**
 * The SDK's request timeout stops at the response headers: a server that then stalls its body would
 * hold the call for as long as the socket idle timeout (which a long poll needs long). This makes
 * the request timeout cover the body too, by destroying a body still unread when it runs out.
 */
export function boundAwsResponses(client: { config: { requestHandler: unknown } }): void {
  const inner = client.config.requestHandler as AwsHttpHandler;
  const bounded = Object.create(inner) as AwsHttpHandler;
  bounded.handle = async (request, options = {}) => {
    const started = performance.now();
    const timeoutMs = options.requestTimeout ?? requestTimeoutMs();
    const result = await inner.handle(request, options);
    const body = result.response?.body;
    if (isDestroyable(body)) {
      const left = Math.max(0, timeoutMs - (performance.now() - started));
      const timeout = Object.assign(new Error(`no complete answer within ${timeoutMs} ms`), { name: 'TimeoutError', code: 'ETIMEDOUT' });
      const timer = setTimeout(() => body.destroy(timeout), left);
      body.once('close', () => clearTimeout(timer));
    }
    return result;
  };
  client.config.requestHandler = bounded;
}
