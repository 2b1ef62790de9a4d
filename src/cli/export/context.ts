import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import type { Io } from '../io.js';
import { nonNegativeInt, positiveInt } from '../options.js';
import type { Broker, RetryConfig } from '../../engine/broker.js';
import { createBroker, BROKER_KINDS, type BrokerKind } from '../../brokers/create-broker.js';
import { systemClock } from '../../engine/clock.js';
import { jsonLogger, silentLogger, type Logger } from '../../engine/log.js';
import { FolderOutbox } from '../../engine/outboxes/folder.js';
import { openStore } from '../../store/open-store.js';
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
  retry: 'none' | 'budget';
  rabbitmqRetry: 'quorum-delivery-limit' | 'wait-queue';
  maxDeliveries: string;
  retryDelayMs: string;
  log: boolean;
}

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
    .option('--outbox <dir>', 'folder the ESR files are written to', 'outbox')
    .addOption(new Option('--retry <mode>', 'retry of failed commands (none replays 2021)').choices(['none', 'budget']).default('budget'))
    .addOption(
      new Option('--rabbitmq-retry <mechanism>', 'how RabbitMQ carries out the budget')
        .choices(['quorum-delivery-limit', 'wait-queue'])
        .default('quorum-delivery-limit'),
    )
    .option('--max-deliveries <n>', 'deliveries before a command is dead-lettered', '20')
    .option('--retry-delay-ms <ms>', 'delay between deliveries', '1000')
    .option('--log', 'structured JSON logs on stderr', false);
}

function retryConfigOf(options: CommonOptions): RetryConfig {
  if (options.retry === 'none') return { mode: 'none' };
  return {
    mode: 'budget',
    maxDeliveries: positiveInt(options.maxDeliveries, '--max-deliveries'),
    delayMs: nonNegativeInt(options.retryDelayMs, '--retry-delay-ms'),
  };
}

export interface EngineContext {
  store: Store;
  storeDescription: string;
  broker: Broker;
  outbox: FolderOutbox;
  log: Logger;
  newId: () => string;
  /** Closes the broker and the store. */
  close(): Promise<void>;
}

async function openContext(options: CommonOptions, writeErr: (text: string) => void): Promise<EngineContext> {
  const log = options.log ? jsonLogger(writeErr, systemClock.now) : silentLogger;
  const { store, description, closeStore } = await openConfiguredStore(options);
  const broker = await createBroker({
    kind: options.broker,
    amqpUrl: options.amqpUrl,
    sqsEndpoint: options.endpoint,
    region: options.region,
    retry: retryConfigOf(options),
    rabbitMechanism: options.rabbitmqRetry,
    clock: systemClock,
    log,
  });
  await broker.setup();
  return {
    store,
    storeDescription: description,
    broker,
    outbox: new FolderOutbox(options.outbox),
    log,
    newId: randomUUID,
    async close() {
      await broker.close();
      await closeStore();
    },
  };
}

async function openConfiguredStore(options: CommonOptions) {
  if (options.state && !options.mongodbUri) {
    const store = SqliteStore.open(options.state);
    return { store: store as Store, description: store.describe(), closeStore: () => store.close() };
  }
  // An embedded server would forget everything when this command exits: only a real MongoDB or memory here.
  const opened = await openStore({ mongodbUri: options.mongodbUri, counter: options.counter, embedded: false, env: {} });
  const description = options.mongodbUri ? opened.description : 'in-memory store (this process only; pass --state FILE or MONGODB_URI to keep data)';
  return { store: opened.store, description, closeStore: () => opened.stop() };
}

type Action<T> = (options: T & CommonOptions, context: EngineContext, args: string[]) => Promise<number>;

/** A commander action that opens the engine context, runs, and always closes it. */
export function withContext<T>(io: Io, setExitCode: (code: number) => void, action: Action<T>) {
  return async (...received: unknown[]) => {
    const command = received.at(-1) as Command;
    const options = command.opts() as T & CommonOptions;
    const context = await openContext(options, io.err);
    try {
      setExitCode(await action(options, context, command.args));
    } finally {
      await context.close();
    }
  };
}
