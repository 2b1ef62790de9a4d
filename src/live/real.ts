import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import type { Broker, RetryConfig } from '../brokers/broker.js';
import { dateOf } from '../domain/dates.js';
import { Random } from '../domain/random.js';
import type { ExportRecord } from '../domain/records.js';
import { systemClock } from '../engine/clock.js';
import { createDeliveryHandler } from '../engine/create-handler.js';
import { dispositionOf, type Outcome } from '../engine/outcome.js';
import { MemoryOutbox } from '../engine/outboxes/memory.js';
import { MongoClient } from 'mongodb';
import { MemoryStore } from '../store/memory.js';
import { MongoStore } from '../store/mongo.js';
import type { Store } from '../store/store.js';
import { checkInvariants, type CommandRecord } from '../sim/invariants.js';
import type { Fate, SimMessage } from '../sim/models/broker.js';
import { SQS_DEFAULTS } from '../semantics/sqs/queue-attributes.js';
import { SimOutbox, SimStore, type Timekeeper } from '../sim/models/store.js';
import type { RunResult } from '../sim/result.js';
import { runScenario, scenarioRecords } from '../sim/run.js';
import { officesOf, type Scenario } from '../sim/scenario.js';
import { OperatingError } from '../errors.js';

export const DEFAULT_COMPRESSION = 100;
/** A real run that does not settle within this is stopped: a limit on everything. */
const SETTLE_LIMIT_MS = 120_000;

/** The scenario asks for something the live adapters cannot be configured to do. Exit code 2. */
export class RealRunUnsupported extends OperatingError {}

export interface RealSettings {
  retry: RetryConfig;
  deleteOnFailureWithoutRedrive: boolean;
  visibilityTimeoutSeconds: number;
}

/**
 * The live adapters' configuration for a scenario, delays divided by `compression`. Only what
 * the adapters implement maps: broker-side retry (TTL wait queue / RedrivePolicy), no retry at all
 * (2021), and Spring Cloud AWS 2.x deletion; faults, replays and consumer-side retry do not.
 */
export function realSettingsOf(scenario: Scenario, compression: number): RealSettings {
  const unsupported = (what: string) => new RealRunUnsupported(`--real cannot run ${scenario.name}: ${what}`);
  if (scenario.faults && Object.keys(scenario.faults).length > 0) throw unsupported('faults are injected by the model only');
  if (scenario.replays?.length) throw unsupported('DLQ replays are not scripted on live brokers');
  const consumer = scenario.consumer ?? {};
  if (consumer.retry || consumer.requeueRejected) throw unsupported('consumer-side retry and requeue are Spring behaviours the engine adapters do not have');
  const broker = scenario.broker;
  if (broker.kind === 'rabbitmq') {
    if ((broker.queueType ?? 'classic') !== 'classic' || broker.deliveryLimit !== undefined) throw unsupported('only classic queues are mapped');
    if (broker.waitQueue) {
      const delayMs = Math.max(1, Math.round(broker.waitQueue.ttlMs / compression));
      return { retry: { mode: 'budget', maxDeliveries: broker.waitQueue.maxDeliveries, delayMs }, deleteOnFailureWithoutRedrive: false, visibilityTimeoutSeconds: 30 };
    }
    if (broker.deadLetterQueue) throw unsupported('a DLQ without a retry budget is not an adapter configuration');
    return { retry: { mode: 'none' }, deleteOnFailureWithoutRedrive: false, visibilityTimeoutSeconds: 30 };
  }
  const visibility = Math.max(1, Math.round((broker.visibilityTimeoutSeconds ?? SQS_DEFAULTS.visibilityTimeoutSeconds) / compression));
  if (broker.redrive) {
    return { retry: { mode: 'budget', maxDeliveries: broker.redrive.maxReceiveCount, delayMs: visibility * 1000 }, deleteOnFailureWithoutRedrive: false, visibilityTimeoutSeconds: visibility };
  }
  if (consumer.framework !== 'spring-cloud-aws-2') throw unsupported('without a redrive policy SQS retries for 4 days');
  return { retry: { mode: 'none' }, deleteOnFailureWithoutRedrive: true, visibilityTimeoutSeconds: visibility };
}

export interface OutcomeSummary {
  stuck: number;
  vanished: number;
  deadLettered: number;
  otherViolations: number;
  files: number;
  conflicts: number;
}

export interface RealComparison {
  scenario: string;
  broker: 'rabbitmq' | 'sqs';
  /** `mongodb` when a server was given, else the store model in real time. */
  store: 'mongodb' | 'model';
  compression: number;
  model: OutcomeSummary;
  real: OutcomeSummary;
  /** Same verdict: stuck or not, vanished or not, dead-lettered or not, other violations or not. */
  agree: boolean;
  differences: string[];
  wallMs: number;
}

function summaryOf(result: Pick<RunResult, 'stuck' | 'violations' | 'commands' | 'files'>, conflicts: number): OutcomeSummary {
  return {
    stuck: result.stuck.length,
    vanished: result.violations.filter((v) => v.kind === 'command-vanished').length,
    deadLettered: result.commands.filter((c) => c.fate === 'dead-lettered').length,
    otherViolations: result.violations.filter((v) => v.kind !== 'command-vanished').length,
    files: result.files.length,
    conflicts,
  };
}

const realTime: Timekeeper = {
  now: () => systemClock.now(),
  delay: async (ms, _label, work) => {
    await systemClock.sleep(ms);
    return work();
  },
};

interface LiveStore {
  store: Store;
  cleanup(): Promise<void>;
}

/** MongoDB itself when a server is given (a database of its own, dropped afterwards), else the store model in real time. */
async function openLiveStore(scenario: Scenario, seed: number, mongodbUri: string | undefined): Promise<LiveStore> {
  if (mongodbUri) {
    const client = new MongoClient(mongodbUri, { serverSelectionTimeoutMS: 5_000, ignoreUndefined: true });
    await client.connect();
    const dbName = `esrSim_${randomUUID().slice(0, 8)}`;
    const store = new MongoStore(client, dbName);
    await store.init();
    return {
      store,
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
  return { store: new SimStore(new MemoryStore(), realTime, new Random(seed).fork('store'), timing, []), cleanup: async () => undefined };
}

interface LiveBroker {
  broker: Broker;
  cleanup(): Promise<void>;
}

async function openLiveBroker(scenario: Scenario, settings: RealSettings, amqpUrl: string): Promise<LiveBroker> {
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
    const broker = new RabbitMqBroker({ url: amqpUrl, names, retry: settings.retry, mechanism: 'wait-queue', connectionName: `esr-sim --real ${suffix}` });
    return {
      broker,
      cleanup: async () => {
        await broker.close();
        const connection = await connect(amqpUrl);
        const channel = await connection.createChannel();
        for (const queue of [names.queue, names.waitQueue, names.deadLetterQueue]) await channel.deleteQueue(queue);
        for (const exchange of [names.exchange, names.deadLetterExchange]) await channel.deleteExchange(exchange);
        await connection.close();
      },
    };
  }
  const { startSqsLocal } = await import('../brokers/sqs-local/server.js');
  const { SqsBroker } = await import('../brokers/sqs/broker.js');
  const local = await startSqsLocal({ port: 0 });
  const broker = new SqsBroker({
    endpoint: local.endpoint,
    region: 'us-east-1',
    queueName: `esr-sim-${suffix}`,
    retry: settings.retry,
    visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
    waitTimeSeconds: 1,
    deleteOnFailureWithoutRedrive: settings.deleteOnFailureWithoutRedrive,
  });
  return {
    broker,
    cleanup: async () => {
      await broker.close();
      await local.close();
    },
  };
}

/**
 * `--real`: the same scenario on the live broker (RabbitMQ, or SQS through the local endpoint) with
 * the engine's handler and the same store model in real time, delays compressed; each burst is
 * published at once and the next one waits until the broker has settled. The outcome is compared
 * with the model's for the same seed.
 */
export async function runReal(
  scenario: Scenario,
  options: {
    seed?: number;
    compression?: number;
    amqpUrl?: string;
    mongodbUri?: string;
    /** Called with the live store once the run has settled, before it is dropped (an audit, a look at the records). */
    inspect?: (store: Store) => Promise<void>;
  } = {},
): Promise<RealComparison> {
  const seed = options.seed ?? scenario.seed ?? 1;
  const compression = options.compression ?? DEFAULT_COMPRESSION;
  const settings = realSettingsOf(scenario, compression);
  const started = systemClock.now();

  const initial = scenarioRecords(scenario);
  const outbox = new MemoryOutbox();
  const liveStore = await openLiveStore(scenario, seed, options.mongodbUri);
  let driven: Driven;
  try {
    await liveStore.store.insertRecords(initial);
    const live = await openLiveBroker(scenario, settings, options.amqpUrl ?? 'amqp://guest:guest@127.0.0.1:5672');
    try {
      driven = await drive(scenario, settings, live.broker, liveStore.store, outbox);
    } finally {
      await live.cleanup();
    }
    await options.inspect?.(liveStore.store);
  } finally {
    await liveStore.cleanup();
  }
  const { commands, outcomes, final } = driven;

  const checked = checkInvariants({ initial, final, files: outbox.files, commands, unsettled: 0, stoppedBy: 'drained' });
  const conflicts = [...outcomes.values()].flat().filter((o) => o.kind === 'conflict').length;
  const real = summaryOf({ ...checked, files: [...outbox.files.keys()] }, conflicts);
  const modelRun = await runScenario(scenario, seed, { timeline: false });
  const model = summaryOf(modelRun, modelRun.offices.reduce((sum, r) => sum + r.conflicts, 0));
  const differences = (['stuck', 'vanished', 'deadLettered', 'otherViolations'] as const)
    .filter((key) => model[key] > 0 !== real[key] > 0)
    .map((key) => `${key}: model ${model[key]}, real ${real[key]}`);
  return {
    scenario: scenario.name,
    broker: scenario.broker.kind,
    store: options.mongodbUri ? 'mongodb' : 'model',
    compression,
    model,
    real,
    agree: differences.length === 0,
    differences,
    wallMs: Math.round(systemClock.now() - started),
  };
}

interface Driven {
  commands: CommandRecord[];
  outcomes: Map<string, Outcome[]>;
  final: ExportRecord[];
}

/** Publishes each burst at once, waits for the broker to settle, then accounts for every command. */
async function drive(scenario: Scenario, settings: RealSettings, broker: Broker, store: Store, outbox: MemoryOutbox): Promise<Driven> {
  const storeSpec = scenario.store ?? {};
  const outcomes = new Map<string, Outcome[]>();
  let inFlight = 0;
  let lastActivity = systemClock.now();
  const engine = createDeliveryHandler({
    store,
    outbox: new SimOutbox(outbox, realTime, storeSpec.writeFileMs ?? 20),
    clock: systemClock,
    counterStrategy: scenario.handler?.counter ?? 'optimistic',
  });
  const commands: CommandRecord[] = [];
  await broker.setup();
  const consumer = scenario.consumer ?? {};
  const consumption = await broker.consume(
    async (delivery) => {
      inFlight++;
      try {
        const outcome = await engine(delivery);
        const commandId = (JSON.parse(delivery.body) as { commandId: string }).commandId;
        outcomes.set(commandId, [...(outcomes.get(commandId) ?? []), outcome]);
        return outcome;
      } finally {
        inFlight--;
        lastActivity = systemClock.now();
      }
    },
    { consumers: (consumer.processes ?? 2) * (consumer.concurrency ?? 1), prefetch: 1 },
  );
  const idleMs = 3 * (settings.retry.mode === 'budget' ? settings.retry.delayMs : 0) + 400;
  for (const [burst, spec] of [...scenario.commands.entries()].sort(([, a], [, b]) => Date.parse(a.at) - Date.parse(b.at))) {
    const runDate = spec.runDate ?? dateOf(Date.parse(spec.at));
    const type = spec.type ?? 'APP';
    const published = officesOf(spec.offices).map((office) => {
      const command = { commandId: `c${burst + 1}-${office}`, type, localOffice: office, runDate, correlationId: `corr-${burst + 1}-${office}` };
      commands.push({ commandId: command.commandId, office, type, runDate, messages: [] });
      return broker.publish(command);
    });
    await Promise.all(published);
    lastActivity = systemClock.now();
    // Settled: every command published so far was handled at least once, and nothing has moved for a while.
    await settle(() => inFlight === 0 && commands.every((c) => outcomes.has(c.commandId)) && systemClock.now() - lastActivity >= idleMs);
  }
  await consumption.stop();
  const dead = new Set((await broker.deadLetters.list(1000)).map((d) => (JSON.parse(d.body) as { commandId: string }).commandId));
  for (const command of commands) {
    const seen = outcomes.get(command.commandId) ?? [];
    const fate: Fate = seen.some((o) => dispositionOf(o) === 'ack')
      ? 'acked'
      : dead.has(command.commandId)
        ? 'dead-lettered'
        : settings.deleteOnFailureWithoutRedrive
          ? 'deleted-on-failure'
          : 'dropped';
    const message: SimMessage = { id: command.commandId, commandId: command.commandId, office: command.office, batchKey: '', body: '', publishedAt: 0, copyOf: null };
    const detail = `on the live ${scenario.broker.kind} broker after ${seen.length} attempt(s)`;
    command.messages.push({ message, fate, detail, deliveries: seen.length, attempts: seen.length });
  }
  return { commands, outcomes, final: await store.findRecords({}) };
}

async function settle(done: () => boolean): Promise<void> {
  const deadline = systemClock.now() + SETTLE_LIMIT_MS;
  while (!done()) {
    if (systemClock.now() > deadline) throw new Error(`the live run did not settle within ${SETTLE_LIMIT_MS / 1000} s`);
    await systemClock.sleep(50);
  }
}

export function renderReal(result: RealComparison): string {
  const row = (name: string, s: OutcomeSummary) =>
    `  ${name.padEnd(6)}  ${String(s.stuck).padStart(5)}  ${String(s.vanished).padStart(8)}  ${String(s.deadLettered).padStart(13)}  ${String(s.otherViolations).padStart(16)}  ${String(s.files).padStart(5)}  ${String(s.conflicts).padStart(9)}`;
  return [
    `${result.scenario} on the live ${result.broker} broker (store: ${result.store === 'mongodb' ? 'MongoDB' : 'the store model'}), delays compressed ${result.compression}×, ${result.wallMs} ms`,
    '  run     stuck  vanished  dead-lettered  other violations  files  conflicts',
    row('model', result.model),
    row('real', result.real),
    result.agree ? 'The live run agrees with the model.' : `The live run DISAGREES with the model: ${result.differences.join('; ')}`,
    '',
  ].join('\n');
}
