/**
 * The one place amqplib connections are made: a link that (re)connects with capped exponential
 * backoff after the server closes the connection, and wraps vendor errors once.
 */
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Logger } from '../../engine/log.js';
import { OperatingError } from '../../errors.js';

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

/** The broker refused the topology (a queue exists with other x-arguments: PRECONDITION_FAILED 406). */
export class BrokerTopologyError extends OperatingError {}

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
  /** Attempts before giving up with BrokerUnavailableError. Default 10 (about 25 s with the defaults). */
  maxAttempts: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = { initialDelayMs: 100, maxDelayMs: 5_000, maxAttempts: 10 };

export function backoffDelayMs(attempt: number, options: ReconnectOptions): number {
  return Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** attempt);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
    if (connection) await connection.close().catch(() => undefined);
  }

  private async connectWithBackoff(): Promise<ChannelModel> {
    let lastError: unknown = null;
    for (let attempt = 0; attempt < this.reconnect.maxAttempts; attempt += 1) {
      if (this.closed) break;
      try {
        return this.adopt(await connect(this.url, { clientProperties: { connection_name: this.connectionName } }));
      } catch (error) {
        lastError = error;
        const delayMs = backoffDelayMs(attempt, this.reconnect);
        this.log.log('warn', 'rabbitmq connect failed, retrying', { attempt: attempt + 1, delayMs, error: messageOf(error) });
        await sleep(delayMs);
      }
    }
    throw new BrokerUnavailableError(`RabbitMQ unreachable after ${this.reconnect.maxAttempts} attempt(s): ${messageOf(lastError)}`, {
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
  if (error instanceof BrokerUnavailableError || error instanceof BrokerTopologyError || error instanceof PublishRejectedError) return error;
  if (isPreconditionFailed(error)) return new BrokerTopologyError(`${what}: ${messageOf(error)}`, { cause: error });
  if (isConnectionError(error)) return new BrokerUnavailableError(`${what}: ${messageOf(error)}`, { cause: error });
  return new Error(`${what}: ${messageOf(error)}`, { cause: error });
}
