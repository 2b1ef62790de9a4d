/**
 * The one place amqplib connections are made: a link that (re)connects with capped exponential
 * backoff after the server closes the connection, and wraps vendor errors once.
 */
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Clock } from '../../engine/clock.js';
import type { Logger } from '../../engine/log.js';
import { OperatingError } from '../../errors.js';
import { BrokerTopologyError } from './mismatch.js';

/** The broker cannot be reached, or the connection was lost and did not come back in time. */
export class BrokerUnavailableError extends OperatingError {
  /** True when the reconnect backoff already ran out: callers must not retry on top of it. */
  readonly retriesExhausted: boolean;

  constructor(message: string, options: { cause?: unknown; retriesExhausted?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.retriesExhausted = options.retriesExhausted ?? false;
  }
}

/** Worth another attempt on a fresh channel/connection: a connection error the backoff has not given up on. */
export function isRetryableConnectionError(error: unknown): boolean {
  return isConnectionError(error) && !(error instanceof BrokerUnavailableError && error.retriesExhausted);
}

export { BrokerTopologyError } from './mismatch.js';

/** The broker answered an operation with an error that is neither a lost connection nor a topology conflict. */
export class BrokerRequestError extends OperatingError {}

/** The broker turned us away for good: wrong credentials, no such virtual host, not an AMQP URL. Retrying cannot help. */
export class BrokerRefusedError extends OperatingError {}

/** `amqp://user:secret@host:port/vhost` → where it points and as whom, never the password. */
export function describeUrl(url: string): { where: string; user: string; vhost: string } {
  try {
    const parsed = new URL(url);
    const vhost = parsed.pathname.length > 1 ? decodeURIComponent(parsed.pathname.slice(1)) : '/';
    return { where: `${parsed.protocol}//${parsed.host}/${encodeURIComponent(vhost)}`, user: decodeURIComponent(parsed.username) || 'guest', vhost };
  } catch {
    return { where: '(unparseable URL)', user: 'guest', vhost: '/' };
  }
}

/**
 * Why a connect attempt can never succeed, or null when trying again may help. amqplib reports a
 * closed vhost as the server closing the handshake (530 NOT_ALLOWED / 403 on connection.open),
 * which reaches us only as "Expected ConnectionOpenOk; got <ConnectionClose …>".
 */
export function refusalOf(error: unknown, url: string): string | null {
  const message = messageOf(error);
  const { where, user, vhost } = describeUrl(url);
  if (!URL.canParse(url)) return `--amqp-url is not a valid URL (expected amqp://user:password@host:port/vhost)`;
  if (/Expected amqp: or amqps: as the protocol/.test(message)) return `--amqp-url must start with amqp:// or amqps://, got ${new URL(url).protocol}//`;
  if (/ACCESS.REFUSED/.test(message)) return `RabbitMQ at ${where} refused the login of user '${user}': authentication failed (wrong user name or password)`;
  if (/Expected ConnectionOpenOk; got <ConnectionClose/.test(message) || /NOT.ALLOWED/.test(message)) {
    return `RabbitMQ at ${where} refused virtual host '${vhost}': it does not exist, or user '${user}' has no permission on it`;
  }
  return null;
}

/** The broker did not take a message: nacked by the broker, or unroutable (returned). */
export class PublishRejectedError extends OperatingError {}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
const CONNECTION_MESSAGES = /Connection closed|Channel closed|channel closed|Socket closed|CONNECTION_FORCED|Channel ended|connection is closing/i;

/** True when retrying on a new connection may help (as opposed to a refused topology or a bug). */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof BrokerUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  if (code === 320) return true; // CONNECTION_FORCED: closed by an operator or the management API
  if (error.name === 'IllegalOperationError') return true; // an operation on a closed channel/connection
  return CONNECTION_MESSAGES.test(error.message);
}

/** 406 PRECONDITION_FAILED: a declaration conflicts with what the broker already has. */
export function isPreconditionFailed(error: unknown): boolean {
  return error instanceof Error && ((error as { code?: unknown }).code === 406 || /PRECONDITION_FAILED/.test(error.message));
}

export interface ReconnectOptions {
  /** First wait after a failed attempt. Default 100 ms. */
  initialDelayMs: number;
  /** Cap of the doubling wait. Default 5,000 ms. */
  maxDelayMs: number;
  /** Attempts before giving up with BrokerUnavailableError. Default 10. */
  maxAttempts: number;
  /** Bound on the whole (re)connect, attempts and waits together. Default 20,000 ms. */
  maxTotalMs: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = { initialDelayMs: 100, maxDelayMs: 5_000, maxAttempts: 10, maxTotalMs: 20_000 };

/** One socket + handshake attempt never takes longer than this (a server that accepts and stays silent). */
const ATTEMPT_TIMEOUT_MS = 5_000;

export function backoffDelayMs(attempt: number, options: ReconnectOptions): number {
  return Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** attempt);
}

/**
 * amqplib's close() of a channel or a connection never settles when the socket dies before the
 * server's close-ok (tried: closing through a proxy that drops the socket; a daemon stopped just as
 * its broker went away exited 13, its last await unsettled). Every close waits at most this long.
 */
export const CLOSE_TIMEOUT_MS = 2_000;

/** True when `closing` settled in time; its failure counts as closed (there is nothing left to close). */
export function settledWithin(closing: Promise<unknown>, ms = CLOSE_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([closing.then(() => true, () => true), expired]).finally(() => clearTimeout(timer));
}

/** A shared connection: every caller gets the live one, or waits for the one reconnect in progress. */
export class RabbitLink {
  private current: ChannelModel | null = null;
  private pending: Promise<ChannelModel> | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly reconnect: ReconnectOptions,
    private readonly log: Logger,
    private readonly connectionName: string,
    readonly clock: Clock,
    /** Told each failed attempt in one human line (the CLI prints them: no silent wait). */
    private readonly progress: (line: string) => void = () => undefined,
  ) {}

  connection(): Promise<ChannelModel> {
    if (this.closed) return Promise.reject(new BrokerUnavailableError('the RabbitMQ broker adapter is closed', { retriesExhausted: true }));
    if (this.current) return Promise.resolve(this.current);
    this.pending ??= this.connectWithBackoff().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** A confirm channel on the live connection, with an error listener (an unheard 'error' would crash the process). */
  async confirmChannel(): Promise<ConfirmChannel> {
    const connection = await this.connection();
    try {
      const channel = await connection.createConfirmChannel();
      channel.on('error', (error: Error) => this.log.log('warn', 'rabbitmq channel error', { error: error.message }));
      return channel;
    } catch (error) {
      throw wrap('could not open a RabbitMQ channel', error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.current ?? (await this.pending?.catch(() => null)) ?? null;
    this.current = null;
    if (connection && !(await settledWithin(connection.close()))) {
      // No close-ok: drop the socket, so no handle of a connection that is gone keeps the process up.
      (connection as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    }
  }

  private async connectWithBackoff(): Promise<ChannelModel> {
    const { where } = describeUrl(this.url);
    const startedAt = this.clock.now();
    let lastError: unknown = null;
    let attempts = 0;
    while (attempts < this.reconnect.maxAttempts && !this.closed) {
      const left = this.reconnect.maxTotalMs - (this.clock.now() - startedAt);
      try {
        attempts += 1;
        const timeout = Math.max(100, Math.min(ATTEMPT_TIMEOUT_MS, left));
        return this.adopt(await connect(this.url, { timeout, clientProperties: { connection_name: this.connectionName } }));
      } catch (error) {
        const refused = refusalOf(error, this.url);
        if (refused) throw new BrokerRefusedError(refused, { cause: error });
        lastError = error;
        const delayMs = backoffDelayMs(attempts - 1, this.reconnect);
        const elapsedMs = this.clock.now() - startedAt;
        if (attempts >= this.reconnect.maxAttempts || elapsedMs + delayMs >= this.reconnect.maxTotalMs) break;
        this.log.log('warn', 'rabbitmq connect failed, retrying', { attempt: attempts, delayMs, error: messageOf(error) });
        this.progress(`RabbitMQ at ${where} not reachable (${messageOf(error)}); attempt ${attempts}, retrying in ${delayMs} ms, giving up after ${this.reconnect.maxTotalMs} ms`);
        await this.clock.sleep(delayMs);
      }
    }
    const elapsedMs = this.clock.now() - startedAt;
    throw new BrokerUnavailableError(`RabbitMQ at ${where} unreachable after ${attempts} attempt(s) in ${elapsedMs} ms: ${messageOf(lastError)}`, {
      cause: lastError,
      retriesExhausted: true,
    });
  }

  private adopt(connection: ChannelModel): ChannelModel {
    connection.on('error', (error: Error) => this.log.log('warn', 'rabbitmq connection error', { error: error.message }));
    // The broker blocks publishers at its memory or disk alarm (2023): publishes wait, and this says why.
    connection.on('blocked', (reason: string) => this.log.log('warn', 'rabbitmq blocked this connection', { reason }));
    connection.on('unblocked', () => this.log.log('info', 'rabbitmq unblocked this connection'));
    connection.on('close', () => {
      if (this.current === connection) this.current = null;
      if (!this.closed) this.log.log('warn', 'rabbitmq connection closed; will reconnect on next use');
    });
    this.current = connection;
    return connection;
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wraps a vendor error once, at the boundary, keeping it as `cause`. */
export function wrap(what: string, error: unknown): Error {
  if (error instanceof OperatingError) return error;
  if (isPreconditionFailed(error)) return new BrokerTopologyError(`${what}: ${messageOf(error)}`, { cause: error });
  if (isConnectionError(error)) return new BrokerUnavailableError(`${what}: ${messageOf(error)}`, { cause: error });
  return new BrokerRequestError(`${what}: ${messageOf(error)}`, { cause: error });
}
