/**
 * One run of a scenario on the live broker: the engine's handler on each delivery, every burst
 * published at once, the next one once the broker has settled. What happened to each command is
 * read off the broker afterwards (acked by the handler, in the DLQ, still on a queue, or on no queue
 * at all), and the timings the model takes as inputs are measured on the way.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { dateOf } from '../domain/dates.js';
import { parseFileName } from '../domain/file-name.js';
import type { OfficeCode } from '../domain/offices.js';
import type { Broker } from '../engine/broker.js';
import { systemClock } from '../engine/clock.js';
import { createDeliveryHandler } from '../engine/create-handler.js';
import { dispositionOf, type Outcome } from '../engine/outcome.js';
import { MemoryOutbox } from '../engine/outboxes/memory.js';
import { checkInvariants, type CommandRecord } from '../sim/invariants.js';
import type { Fate, SimMessage } from '../sim/models/broker.js';
import { SimOutbox } from '../sim/models/store.js';
import { scenarioRecords } from '../sim/run.js';
import { officesOf, type Scenario } from '../sim/scenario.js';
import type { Store } from '../store/store.js';
import { emptyOutcome, type RunOutcome } from './compare.js';
import { openLiveBroker, openLiveStore, realTime } from './services.js';
import type { RealSettings } from './settings.js';

/** A real run that does not settle within this is stopped: a limit on everything. */
const SETTLE_LIMIT_MS = 120_000;

/** What one live run took, in real milliseconds, for `calibrate`. */
export interface LiveTimings {
  /** Each store call's duration, by operation. */
  storeMs: Record<string, number[]>;
  /** Each delivery's handling time outside the store calls it made. */
  handlerMs: number[];
  /** Publish → first delivery of the command. */
  deliveryMs: number[];
  /** Each burst's first wave (one delivery per consumer): how long after the burst's first delivery each came. */
  firstWaveMs: number[];
  /** Failed handling settled → next delivery, less the retry delay the broker was configured with. */
  redeliveryMs: number[];
  /** The most deliveries handled at the same moment, and the consumers × prefetch configured. */
  maxInFlight: number;
  configuredInFlight: number;
}

export type ObservedFate = 'acked' | 'dead-lettered' | 'on-broker' | 'deleted-on-failure' | 'dropped';

export interface LiveRun {
  outcome: RunOutcome;
  /** How many commands ended each way. */
  fates: Record<ObservedFate, number>;
  timings: LiveTimings;
  store: 'mongodb' | 'model';
}

export interface LiveOptions {
  seed: number;
  amqpUrl: string;
  mongodbUri?: string;
  /** Called with the live store once the run has settled, before it is dropped (an audit, a look at the records). */
  inspect?: (store: Store) => Promise<void>;
}

export async function runLive(scenario: Scenario, settings: RealSettings, options: LiveOptions): Promise<LiveRun> {
  const initial = scenarioRecords(scenario);
  const outbox = new MemoryOutbox();
  const liveStore = await openLiveStore(scenario, options.seed, options.mongodbUri);
  try {
    await liveStore.store.insertRecords(initial);
    const timings: LiveTimings = { storeMs: {}, handlerMs: [], deliveryMs: [], firstWaveMs: [], redeliveryMs: [], maxInFlight: 0, configuredInFlight: 0 };
    const live = await openLiveBroker(scenario, settings, options.amqpUrl);
    let driven: Driven;
    try {
      driven = await drive(scenario, settings, live.broker, timedStore(liveStore.store, timings), outbox, timings);
      driven.remaining = await live.remaining();
    } finally {
      await live.cleanup();
    }
    const final = await liveStore.store.findRecords({});
    await options.inspect?.(liveStore.store);
    return { ...account(scenario, settings, driven, initial, final, outbox), timings, store: liveStore.kind };
  } finally {
    await liveStore.cleanup();
  }
}

/** Time spent in store calls by the delivery being handled (deliveries run concurrently). */
const inStore = new AsyncLocalStorage<{ ms: number }>();

/** The store with each call timed: per operation, and charged to the delivery that made it. */
function timedStore(store: Store, timings: LiveTimings): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return async (...args: unknown[]) => {
        const started = systemClock.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          const ms = systemClock.now() - started;
          (timings.storeMs[property] ??= []).push(ms);
          const delivery = inStore.getStore();
          if (delivery) delivery.ms += ms;
        }
      };
    },
  });
}

interface Driven {
  commands: CommandRecord[];
  outcomes: Map<string, Outcome[]>;
  remaining: string[];
  dead: string[];
}

/** Publishes each burst at once, waits for the broker to settle, then reads the DLQ. */
async function drive(scenario: Scenario, settings: RealSettings, broker: Broker, store: Store, outbox: MemoryOutbox, timings: LiveTimings): Promise<Driven> {
  const outcomes = new Map<string, Outcome[]>();
  const publishedAt = new Map<string, number>();
  const failedAt = new Map<string, number>();
  const retryDelayMs = settings.retry.mode === 'budget' ? settings.retry.delayMs : 0;
  let inFlight = 0;
  let lastActivity = systemClock.now();
  const engine = createDeliveryHandler({
    store,
    outbox: new SimOutbox(outbox, realTime, scenario.store?.writeFileMs ?? 20),
    clock: systemClock,
    counterStrategy: scenario.handler?.counter ?? 'optimistic',
  });
  const commands: CommandRecord[] = [];
  await broker.setup();
  const consumer = scenario.consumer ?? {};
  const consumers = (consumer.processes ?? 2) * (consumer.concurrency ?? 1);
  const prefetch = 1;
  timings.configuredInFlight = consumers * prefetch;
  const consumption = await broker.consume(
    async (delivery) => {
      const started = systemClock.now();
      const commandId = (JSON.parse(delivery.body) as { commandId: string }).commandId;
      const since = failedAt.get(commandId);
      if (since !== undefined) timings.redeliveryMs.push(Math.max(0, started - since - retryDelayMs));
      else {
        const latency = started - (publishedAt.get(commandId) ?? started);
        timings.deliveryMs.push(latency);
        waveStart ??= started;
        if (waveLeft-- > 0) timings.firstWaveMs.push(started - waveStart);
      }
      timings.maxInFlight = Math.max(timings.maxInFlight, ++inFlight);
      const charged = { ms: 0 };
      try {
        const outcome = await inStore.run(charged, () => engine(delivery));
        outcomes.set(commandId, [...(outcomes.get(commandId) ?? []), outcome]);
        if (dispositionOf(outcome) === 'retry') failedAt.set(commandId, systemClock.now());
        return outcome;
      } finally {
        timings.handlerMs.push(Math.max(0, systemClock.now() - started - charged.ms));
        inFlight--;
        lastActivity = systemClock.now();
      }
    },
    { consumers, prefetch },
  );
  const idleMs = 3 * retryDelayMs + 400;
  let waveLeft = 0;
  let waveStart: number | undefined;
  for (const [burst, spec] of [...scenario.commands.entries()].sort(([, a], [, b]) => Date.parse(a.at) - Date.parse(b.at))) {
    const runDate = spec.runDate ?? dateOf(Date.parse(spec.at));
    const type = spec.type ?? 'APP';
    waveLeft = consumers;
    waveStart = undefined;
    const published = officesOf(spec.offices).map(async (office) => {
      const command = { commandId: `c${burst + 1}-${office}`, type, localOffice: office, runDate, correlationId: `corr-${burst + 1}-${office}` };
      commands.push({ commandId: command.commandId, office, type, runDate, messages: [] });
      publishedAt.set(command.commandId, systemClock.now());
      await broker.publish(command);
    });
    await Promise.all(published);
    lastActivity = systemClock.now();
    // Settled: every command published so far was handled at least once, and nothing has moved for a while.
    await settle(() => inFlight === 0 && commands.every((c) => outcomes.has(c.commandId)) && systemClock.now() - lastActivity >= idleMs);
  }
  await consumption.stop();
  const dead = (await broker.deadLetters.list(100_000)).map((d) => (JSON.parse(d.body) as { commandId: string }).commandId);
  return { commands, outcomes, remaining: [], dead };
}

async function settle(done: () => boolean): Promise<void> {
  const deadline = systemClock.now() + SETTLE_LIMIT_MS;
  while (!done()) {
    if (systemClock.now() > deadline) throw new Error(`the live run did not settle within ${SETTLE_LIMIT_MS / 1000} s`);
    await systemClock.sleep(50);
  }
}

/**
 * Each command's fate from what was observed: an ack the handler returned, its message in the DLQ,
 * its message still on a queue; on none of them, the broker dropped it (or the consumer deleted it,
 * Spring Cloud AWS 2.x without a redrive policy).
 */
function account(
  scenario: Scenario,
  settings: RealSettings,
  driven: Driven,
  initial: Parameters<typeof checkInvariants>[0]['initial'],
  final: Parameters<typeof checkInvariants>[0]['final'],
  outbox: MemoryOutbox,
): Pick<LiveRun, 'outcome' | 'fates'> {
  const dead = new Set(driven.dead);
  const remaining = new Set(driven.remaining);
  const fates: Record<ObservedFate, number> = { acked: 0, 'dead-lettered': 0, 'on-broker': 0, 'deleted-on-failure': 0, dropped: 0 };
  for (const command of driven.commands) {
    const seen = driven.outcomes.get(command.commandId) ?? [];
    const observed: ObservedFate = seen.some((o) => dispositionOf(o) === 'ack')
      ? 'acked'
      : dead.has(command.commandId)
        ? 'dead-lettered'
        : remaining.has(command.commandId)
          ? 'on-broker'
          : settings.deleteOnFailureWithoutRedrive
            ? 'deleted-on-failure'
            : 'dropped';
    fates[observed]++;
    const fate: Fate | null = observed === 'on-broker' ? null : observed;
    const message: SimMessage = { id: command.commandId, commandId: command.commandId, office: command.office, batchKey: '', body: '', publishedAt: 0, copyOf: null };
    const detail = `on the live ${scenario.broker.kind} broker after ${seen.length} attempt(s)`;
    command.messages.push({ message, fate, detail, deliveries: seen.length, attempts: seen.length });
  }
  const checked = checkInvariants({ initial, final, files: outbox.files, commands: driven.commands, unsettled: fates['on-broker'], stoppedBy: 'drained' });
  const outcome = emptyOutcome(officesOf(scenario.records.offices));
  const row = (office: OfficeCode) => outcome.perOffice[office]!;
  for (const command of driven.commands) {
    for (const o of driven.outcomes.get(command.commandId) ?? []) if (o.kind === 'conflict') row(command.office).conflicts++;
  }
  // The files the outbox holds, by the office their name says (a resumed export rewrites the same name).
  for (const name of outbox.files.keys()) {
    const office = parseFileName(name)?.office;
    if (office && outcome.perOffice[office]) row(office).files++;
  }
  for (const stuck of checked.stuck) row(stuck.office).stuck++;
  for (const command of checked.commands) {
    if (command.fate === 'lost') row(command.office).lost++;
    if (command.fate === 'dead-lettered') row(command.office).deadLettered++;
    if (command.fate === 'in-flight') row(command.office).onBroker++;
  }
  outcome.otherViolations = checked.violations.filter((v) => v.kind !== 'command-vanished' && v.kind !== 'not-settled').length;
  return { outcome, fates };
}
