/** The live broker and store a `--real` run uses: each in names of its own, removed afterwards. */
import { randomUUID } from 'node:crypto';
import { GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { connect } from 'amqplib';
import { MongoClient } from 'mongodb';
import { Random } from '../domain/random.js';
import type { Broker } from '../engine/broker.js';
import { systemClock } from '../engine/clock.js';
import { SimStore, type Timekeeper } from '../sim/models/store.js';
import type { Scenario } from '../sim/scenario.js';
import { MemoryState } from '../store/memory.js';
import { MongoStore } from '../store/mongo.js';
import type { Store } from '../store/store.js';
import type { RealSettings } from './settings.js';

/** The store model's latencies in real time, for runs without a MongoDB. */
export const realTime: Timekeeper = {
  now: () => systemClock.now(),
  delay: async (ms, _label, work) => {
    await systemClock.sleep(ms);
    return work();
  },
};

export interface LiveStore {
  store: Store;
  kind: 'mongodb' | 'model';
  cleanup(): Promise<void>;
}

/** MongoDB itself when a server is given (a database of its own, dropped afterwards), else the store model in real time. */
export async function openLiveStore(scenario: Scenario, seed: number, mongodbUri: string | undefined): Promise<LiveStore> {
  if (mongodbUri) {
    const client = new MongoClient(mongodbUri, { serverSelectionTimeoutMS: 5_000, ignoreUndefined: true });
    await client.connect();
    const dbName = `esrSim_${randomUUID().slice(0, 8)}`;
    const store = new MongoStore(client, dbName);
    await store.init();
    return {
      store,
      kind: 'mongodb',
      cleanup: async () => {
        await client.db(dbName).dropDatabase();
        await store.close();
      },
    };
  }
  const storeSpec = scenario.store ?? {};
  const timing = {
    latencyMs: storeSpec.latencyMs ?? 5,
    operationLatencyMs: storeSpec.operationLatencyMs,
    jitterMs: storeSpec.jitterMs ?? 0,
    writeFileMs: storeSpec.writeFileMs ?? 20,
  };
  return { store: new SimStore(new MemoryState(), realTime, new Random(seed).fork('store'), timing, []), kind: 'model', cleanup: async () => undefined };
}

export interface LiveBroker {
  broker: Broker;
  /**
   * The command ids of the messages still on the broker (work queue, wait queue): read off the
   * queues after the consumers stopped, never inferred.
   */
  remaining(): Promise<string[]>;
  cleanup(): Promise<void>;
}

const commandIdOf = (body: string): string => (JSON.parse(body) as { commandId: string }).commandId;

/** Reading the queues stops after this many messages: a limit on everything. */
const MAX_READ = 100_000;

export async function openLiveBroker(scenario: Scenario, settings: RealSettings, amqpUrl: string): Promise<LiveBroker> {
  const suffix = randomUUID().slice(0, 8);
  if (scenario.broker.kind === 'rabbitmq') {
    const { RabbitMqBroker } = await import('../brokers/rabbitmq/broker.js');
    const names = {
      exchange: `esr-sim.${suffix}.exchange`,
      queue: `esr-sim.${suffix}.commands`,
      deadLetterExchange: `esr-sim.${suffix}.dlx`,
      deadLetterQueue: `esr-sim.${suffix}.dlq`,
      waitQueue: `esr-sim.${suffix}.wait`,
    };
    const held = settings.retry.mode === 'budget' ? [names.queue, names.waitQueue] : [names.queue];
    const broker = new RabbitMqBroker({ url: amqpUrl, names, retry: settings.retry, mechanism: 'wait-queue', connectionName: `esr-sim --real ${suffix}` });
    const withChannel = async <T>(work: (channel: Awaited<ReturnType<Awaited<ReturnType<typeof connect>>['createChannel']>>) => Promise<T>): Promise<T> => {
      const connection = await connect(amqpUrl);
      try {
        return await work(await connection.createChannel());
      } finally {
        await connection.close();
      }
    };
    return {
      broker,
      // basic.get without ack takes the message off; the queues are deleted next anyway.
      remaining: () =>
        withChannel(async (channel) => {
          const ids: string[] = [];
          for (const queue of held) {
            for (let message = await channel.get(queue, { noAck: true }); message && ids.length < MAX_READ; message = await channel.get(queue, { noAck: true })) {
              ids.push(commandIdOf(message.content.toString('utf8')));
            }
          }
          return ids;
        }),
      cleanup: async () => {
        await broker.close();
        await withChannel(async (channel) => {
          for (const queue of [names.queue, names.waitQueue, names.deadLetterQueue]) await channel.deleteQueue(queue);
          for (const exchange of [names.exchange, names.deadLetterExchange]) await channel.deleteExchange(exchange);
        });
      },
    };
  }
  const { startSqsLocal } = await import('../brokers/sqs-local/server.js');
  const { SqsBroker } = await import('../brokers/sqs/broker.js');
  const { createSqsClient } = await import('../brokers/sqs/client.js');
  const local = await startSqsLocal({ port: 0 });
  const queueName = `esr-sim-${suffix}`;
  const broker = new SqsBroker({
    endpoint: local.endpoint,
    region: 'us-east-1',
    queueName,
    retry: settings.retry,
    visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
    waitTimeSeconds: 1,
    deleteOnFailureWithoutRedrive: settings.deleteOnFailureWithoutRedrive,
  });
  const client = createSqsClient({ region: 'us-east-1', endpoint: local.endpoint });
  return {
    broker,
    // A message left after a failure is hidden for the visibility timeout: wait it out, then receive everything.
    remaining: async () => {
      await systemClock.sleep(settings.visibilityTimeoutSeconds * 1000 + 100);
      const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: queueName }));
      const ids: string[] = [];
      for (;;) {
        const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 3600 }));
        if (Messages.length === 0 || ids.length >= MAX_READ) return ids;
        ids.push(...Messages.map((m) => commandIdOf(m.Body ?? '{}')));
      }
    },
    cleanup: async () => {
      await broker.close();
      client.destroy();
      await local.close();
    },
  };
}
