import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import { OperatingError } from '../../errors.js';
import { deliveriesAllowed } from '../../semantics/rabbitmq/versions.js';
import { SQS_DEFAULTS } from '../../semantics/sqs/queue-attributes.js';
import { escapeControl } from '../../text/escape.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { integerIn, nonNegativeInt, parsedBy, positiveInt } from '../options.js';
import type { Broker, RetryConfig } from '../../engine/broker.js';
import { createBroker, BROKER_KINDS, type BrokerKind } from '../../brokers/create-broker.js';
import { QueueMismatchError, type ArgumentMismatch } from '../../brokers/rabbitmq/mismatch.js';
import { systemClock } from '../../engine/clock.js';
import { jsonLogger, silentLogger, type Logger } from '../../engine/log.js';
import { FolderOutbox } from '../../engine/outboxes/folder.js';
import { isS3Url } from '../../engine/outbox.js';
import type { S3Outbox } from '../../engine/outboxes/s3.js';
import { SqliteStore } from '../../store/sqlite.js';
import { DEFAULT_COUNTER_STRATEGY, type CounterStrategy, type Store } from '../../store/store.js';

export interface CommonOptions {
  broker: BrokerKind;
  amqpUrl: string;
  endpoint?: string;
  region: string;
  state?: string;
  mongodbUri?: string;
  counter: CounterStrategy;
  outbox: string;
  s3Endpoint?: string;
  retry: 'none' | 'budget';
  rabbitmqRetry: 'quorum-delivery-limit' | 'wait-queue';
  rabbitmqConnectTimeout: number;
  sqsVisibilityTimeout: number;
  maxDeliveries: number;
  retryDelayMs: number;
  log: boolean;
}

/** SQS refuses a longer VisibilityTimeout (12 hours). */
const SQS_MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/** The default bound on connecting to RabbitMQ, attempts and waits together. */
const CONNECT_TIMEOUT_MS = 20_000;

/** Options every engine command shares: where the broker, the store and the files are. */
export function withCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--broker <kind>', 'command broker').choices(BROKER_KINDS).default('memory'))
    .addOption(new Option('--amqp-url <url>', 'RabbitMQ URL').env('AMQP_URL').default('amqp://guest:guest@127.0.0.1:5672'))
    .addOption(new Option('--endpoint <url>', 'SQS endpoint: ElasticMQ, LocalStack, esr-export sqs-local (default: AWS)').env('SQS_ENDPOINT'))
    .addOption(new Option('--region <region>', 'AWS region').env('AWS_REGION').default('eu-west-2'))
    .addOption(new Option('--mongodb-uri <uri>', 'MongoDB connection string').env('MONGODB_URI'))
    .addOption(new Option('--state <file>', 'without MongoDB: the SQLite file that keeps the store between commands (created if absent)'))
    .addOption(
      new Option('--counter <strategy>', 'sequence counter strategy').choices(['atomic', 'optimistic', 'transaction']).default(DEFAULT_COUNTER_STRATEGY),
    )
    .option('--outbox <dir>', 'folder the ESR files are written to, or s3://BUCKET/PREFIX', 'outbox')
    .addOption(new Option('--s3-endpoint <url>', 'with an s3:// outbox: an S3-compatible server (default: AWS)').env('S3_ENDPOINT'))
    .addOption(new Option('--retry <mode>', 'retry of failed commands (none replays 2021)').choices(['none', 'budget']).default('budget'))
    .addOption(
      new Option('--rabbitmq-retry <mechanism>', 'with --broker rabbitmq: how RabbitMQ carries out the budget')
        .choices(['quorum-delivery-limit', 'wait-queue'])
        .default('quorum-delivery-limit'),
    )
    .addOption(
      new Option('--rabbitmq-connect-timeout <ms>', 'with --broker rabbitmq: give up connecting after this long (attempts and waits together)')
        .argParser(parsedBy(positiveInt, '--rabbitmq-connect-timeout'))
        .default(CONNECT_TIMEOUT_MS),
    )
    .addOption(
      new Option('--sqs-visibility-timeout <seconds>', 'with --broker sqs: how long a received command stays hidden; a command of a killed consumer comes back after it')
        .argParser((value) => integerIn(value, '--sqs-visibility-timeout', 1, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS))
        .default(SQS_DEFAULTS.visibilityTimeoutSeconds),
    )
    .addOption(new Option('--max-deliveries <n>', 'deliveries before a command is dead-lettered').argParser(parsedBy(positiveInt, '--max-deliveries')).default(20))
    .addOption(new Option('--retry-delay-ms <ms>', 'delay between deliveries').argParser(parsedBy(nonNegativeInt, '--retry-delay-ms')).default(1000))
    .option('--log', 'structured JSON logs on stderr', false);
}

function retryConfigOf(options: CommonOptions): RetryConfig {
  if (options.retry === 'none') return { mode: 'none' };
  return { mode: 'budget', maxDeliveries: options.maxDeliveries, delayMs: options.retryDelayMs };
}

/** Options that only mean something on one broker: given on another, they are an error, never silently ignored. */
const BROKER_OPTIONS: readonly { key: keyof CommonOptions; flag: string; broker: BrokerKind }[] = [
  { key: 'amqpUrl', flag: '--amqp-url', broker: 'rabbitmq' },
  { key: 'rabbitmqRetry', flag: '--rabbitmq-retry', broker: 'rabbitmq' },
  { key: 'rabbitmqConnectTimeout', flag: '--rabbitmq-connect-timeout', broker: 'rabbitmq' },
  { key: 'endpoint', flag: '--endpoint', broker: 'sqs' },
  { key: 'region', flag: '--region', broker: 'sqs' },
  { key: 'sqsVisibilityTimeout', flag: '--sqs-visibility-timeout', broker: 'sqs' },
];

function checkBrokerOptions(command: Command, options: CommonOptions): void {
  for (const { key, flag, broker } of BROKER_OPTIONS) {
    if (command.getOptionValueSource(key) === 'cli' && options.broker !== broker) {
      throw new CliError(`${flag} needs --broker ${broker} (this command runs on the ${options.broker} broker)`);
    }
  }
}

/** Stores that outlive the command: what a command reading earlier runs' state needs. */
/** Two stores named at once would leave one silently unused: the user says which. */
function checkOneStore(command: Command, options: CommonOptions): void {
  if (!options.state || !options.mongodbUri) return;
  const fromEnv = command.getOptionValueSource('mongodbUri') === 'env';
  const mongo = fromEnv ? 'MONGODB_URI (set in the environment)' : '--mongodb-uri';
  throw new CliError(`--state and ${mongo} both name a store: give one${fromEnv ? ' (unset MONGODB_URI to use the SQLite file)' : ''}`);
}

function checkPersistentStore(options: CommonOptions, what: string): void {
  if (!options.state && !options.mongodbUri) {
    throw new CliError(`${what} reads the store the runs wrote: pass --state FILE (SQLite) or --mongodb-uri URI (or set MONGODB_URI); an empty in-memory store would report nothing`);
  }
}

/** How to keep the existing value of a mismatched queue argument with this command's options. */
function existingValueHint({ argument, existing }: ArgumentMismatch): string | null {
  if (argument === 'x-delivery-limit' && existing !== null) return `--max-deliveries ${String(deliveriesAllowed(Number(existing), null))}`;
  if (argument === 'x-message-ttl' && existing !== null) return `--retry-delay-ms ${existing}`;
  if (argument === 'x-queue-type') return existing === 'quorum' ? '--rabbitmq-retry quorum-delivery-limit' : '--rabbitmq-retry wait-queue';
  // A queue without dead-lettering has no value worth keeping (that was 2021): only deleting it fixes it.
  return null;
}

function explainSetupFailure(error: unknown): unknown {
  if (!(error instanceof QueueMismatchError)) return error;
  const hint = existingValueHint(error.mismatch);
  return new CliError(hint ? `${error.message} (${hint})` : error.message, 2, { cause: error });
}

export interface EngineContext {
  store: Store;
  storeDescription: string;
  broker: Broker;
  outbox: FolderOutbox | S3Outbox;
  log: Logger;
  newId: () => string;
  /** Closes the broker and the store. */
  close(): Promise<void>;
}

/** Opens the store, then the broker; whatever fails, what was opened is closed again (an open connection would keep the process alive). */
async function openContext(options: CommonOptions, writeErr: (text: string) => void): Promise<EngineContext> {
  const log = options.log ? jsonLogger(writeErr, systemClock.now) : silentLogger;
  // The S3 SDK and the MongoDB driver are loaded only when used: together they were half of a command's start-up.
  const outbox = isS3Url(options.outbox)
    ? (await import('../../engine/outboxes/s3.js')).S3Outbox.create(options.outbox, { endpoint: options.s3Endpoint })
    : new FolderOutbox(options.outbox);
  const { store, description, closeStore } = await openConfiguredStore(options);
  let broker: Broker | null = null;
  try {
    broker = await createBroker({
      kind: options.broker,
      amqpUrl: options.amqpUrl,
      sqsEndpoint: options.endpoint,
      region: options.region,
      retry: retryConfigOf(options),
      rabbitMechanism: options.rabbitmqRetry,
      connectTimeoutMs: options.rabbitmqConnectTimeout,
      sqsVisibilityTimeoutSeconds: options.sqsVisibilityTimeout,
      progress: (line) => writeErr(`${line}\n`),
      clock: systemClock,
      log,
    });
    await broker.setup();
  } catch (error) {
    await broker?.close().catch(() => undefined);
    await closeStore().catch(() => undefined);
    throw explainSetupFailure(error);
  }
  return {
    store,
    storeDescription: description,
    broker,
    outbox,
    log,
    newId: randomUUID,
    async close() {
      await broker.close();
      await closeStore();
    },
  };
}

/** A file SQLite cannot open (no such folder, a directory, not a database) is the user's to fix: one line naming the option. */
function openSqlite(file: string): SqliteStore {
  try {
    return SqliteStore.open(file);
  } catch (error) {
    if (error instanceof OperatingError) throw error;
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new CliError(`--state ${escapeControl(file)}: cannot open the SQLite store: ${reason}`, 2, { cause: error });
  }
}

async function openConfiguredStore(options: CommonOptions) {
  if (options.state) {
    const store = openSqlite(options.state);
    return { store: store as Store, description: store.describe(), closeStore: () => store.close() };
  }
  const { openStore } = await import('../../store/open-store.js');
  const opened = await openStore({ mongodbUri: options.mongodbUri, counter: options.counter, env: {} });
  const description = options.mongodbUri ? opened.description : 'in-memory store (this process only; pass --state FILE or MONGODB_URI to keep data)';
  return { store: opened.store, description, closeStore: () => opened.stop() };
}

type Action<T> = (options: T & CommonOptions, context: EngineContext, args: string[]) => Promise<number>;

export interface ContextNeeds<T> {
  /** Refuse to run on a throwaway in-memory store (name of the command in the message). */
  persistentStore?: string;
  /** Checks across options, run before anything is opened. */
  check?: (options: T & CommonOptions) => void;
}

/**
 * A commander action that checks the options (all before anything is opened or declared), opens
 * the engine context, runs, and always closes it.
 */
export function withContext<T>(io: Io, setExitCode: (code: number) => void, action: Action<T>, needs: ContextNeeds<T> = {}) {
  return async (...received: unknown[]) => {
    const command = received.at(-1) as Command;
    const options = command.opts() as T & CommonOptions;
    checkBrokerOptions(command, options);
    if (command.getOptionValueSource('s3Endpoint') === 'cli' && !isS3Url(options.outbox)) throw new CliError('--s3-endpoint needs an s3://BUCKET/PREFIX --outbox');
    checkOneStore(command, options);
    if (needs.persistentStore) checkPersistentStore(options, needs.persistentStore);
    needs.check?.(options);
    const context = await openContext(options, io.err);
    try {
      setExitCode(await action(options, context, command.args));
    } finally {
      await context.close();
    }
  };
}
