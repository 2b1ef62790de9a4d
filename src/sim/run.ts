import { batchKeyOf, type ExportCommand } from '../domain/command.js';
import { dateOf } from '../domain/dates.js';
import type { OfficeCode } from '../domain/offices.js';
import { Random } from '../domain/random.js';
import { freezeRecord, type ExportRecord } from '../domain/records.js';
import { generateRecords } from '../domain/synthetic.js';
import { handleCommand } from '../engine/handle-command.js';
import { describeOutcome } from '../engine/outcome.js';
import { MemoryOutbox } from '../engine/outboxes/memory.js';
import { MemoryState } from '../store/memory.js';
import { crashAt, describeFaults, InjectedCrash, planFaults, type FaultPlan } from './faults.js';
import { checkInvariants, type CommandRecord } from './invariants.js';
import type { Fate, Recorder, SimBroker, SimMessage } from './models/broker.js';
import { ConsumerGroup, type RunHandler } from './models/consumer.js';
import { RabbitMqModel } from './models/rabbitmq.js';
import { SqsQueueModel } from './models/sqs.js';
import { SimOutbox, SimStore } from './models/store.js';
import type { EventKind, OfficeRow, RunResult, TimelineEvent, Violation } from './result.js';
import { Scheduler, type Chooser } from './scheduler.js';
import { officesOf, scenarioWarnings, withTiming, type Scenario } from './scenario-model.js';

export interface RunOptions {
  /** The explorer's hook: orders contended simultaneous events instead of the seed. */
  chooser?: Chooser;
  /** A limit on events, so a hot loop ends as a finding instead of hanging (default 500,000). */
  maxEvents?: number;
  /** Keep the timeline (default true; sweeps turn it off). */
  timeline?: boolean;
}

export const DEFAULT_MAX_EVENTS = 500_000;

/**
 * Runs many seeds without capturing stack traces: conflicts and crashes are thrown by the thousand
 * and a sweep reads none of their stacks (capturing them was a twentieth of a run). Restored after.
 */
export async function withoutStackTraces<T>(work: () => Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await work();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The command that replays one run: printed with every failing seed. */
export function replayCommand(scenario: Scenario, seed: number): string {
  const budget = scenario.budget ? ` --max-deliveries ${scenario.budget.maxDeliveries} --delay-ms ${scenario.budget.delayMs}` : '';
  return `esr-sim replay ${scenario.file ?? scenario.name} --seed ${seed}${budget}`;
}

const recordsCache = new WeakMap<Scenario['records'], ExportRecord[]>();

/**
 * The scenario's data set, from `generateRecords` with the scenario's own seed: the data is part
 * of the scenario, the run seed varies timing and faults. Cached per scenario (the store copies).
 */
export function scenarioRecords(scenario: Scenario): ExportRecord[] {
  let records = recordsCache.get(scenario.records);
  if (!records) {
    records = generateScenarioRecords(scenario);
    recordsCache.set(scenario.records, records);
  }
  return records;
}

/** Frozen: every seed's store holds these very records, and renders each one's line once. */
function generateScenarioRecords(scenario: Scenario): ExportRecord[] {
  const { records } = scenario;
  const type = records.type ?? 'APP';
  return generateRecords({
    seed: scenario.seed ?? 1,
    offices: officesOf(records.offices),
    appPerOffice: type === 'APP' ? records.perOffice : 0,
    dncPerOffice: type === 'DNC' ? records.perOffice : 0,
    startFrom: records.startFrom,
    startTo: records.startTo ?? records.startFrom,
  }).map(freezeRecord);
}

/** Events that end one run of the handler: what "attempts" counts. */
const HANDLER_RUN_ENDINGS: ReadonlySet<EventKind> = new Set(['exported', 'already-exported', 'nothing-to-export', 'conflict', 'unavailable', 'invalid', 'crash']);

class Timeline implements Recorder {
  readonly events: TimelineEvent[] = [];
  readonly ledger = new Map<string, CommandRecord['messages'][number]>();
  /** The outcome table, counted as events happen (a sweep keeps no events to count afterwards). */
  private readonly rows = new Map<OfficeCode, OfficeRow>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly startMs: number,
    private readonly keep: boolean,
  ) {}

  event(kind: EventKind, office: OfficeCode | null, detail: string | (() => string), message?: SimMessage, delivery?: number): void {
    if (message && kind === 'deliver') this.ledger.get(message.id)!.deliveries++;
    if (message && HANDLER_RUN_ENDINGS.has(kind)) this.ledger.get(message.id)!.attempts++;
    if (office) this.count(this.row(office), kind, delivery);
    if (!this.keep) return;
    const text = typeof detail === 'string' ? detail : detail();
    this.events.push({ t: this.scheduler.now() - this.startMs, kind, office, messageId: message?.id ?? null, delivery: delivery ?? null, detail: text });
  }

  private count(row: OfficeRow, kind: EventKind, delivery: number | undefined): void {
    if (kind === 'conflict') row.conflicts++;
    if (HANDLER_RUN_ENDINGS.has(kind)) row.attempts++;
    else if (kind === 'deliver' && (delivery ?? 1) > 1) row.redeliveries++;
    else if (kind === 'dead-letter') row.deadLetters++;
    else if (kind === 'dropped' || kind === 'deleted-on-failure' || kind === 'expired') row.lost++;
  }

  private row(office: OfficeCode): OfficeRow {
    let row = this.rows.get(office);
    if (!row) {
      row = { office, commands: 0, attempts: 0, conflicts: 0, redeliveries: 0, deadLetters: 0, lost: 0, files: [], exported: 0, stuck: 0 };
      this.rows.set(office, row);
    }
    return row;
  }

  /** The outcome table: the counts of the run's events, and its commands, files and records. */
  officeRows(result: RunResult, final: readonly ExportRecord[]): OfficeRow[] {
    for (const command of result.commands) this.row(command.office).commands++;
    for (const name of result.files) this.row(name.slice(3, 6) as OfficeCode).files.push(name);
    for (const record of final) if (record.status === 'EXPORTED' && this.rows.has(record.office)) this.row(record.office).exported++;
    for (const stuck of result.stuck) this.row(stuck.office).stuck++;
    return [...this.rows.values()].sort((a, b) => (a.office < b.office ? -1 : 1));
  }

  fate(message: SimMessage, fate: Fate, detail: string): void {
    const entry = this.ledger.get(message.id)!;
    entry.fate = fate;
    entry.detail = detail;
    entry.fateAt = this.scheduler.now() - this.startMs;
  }

  /** Each violation as a timeline event at the instant it first held, after the events of that instant. */
  markViolations(violations: readonly Violation[]): void {
    for (const v of violations) {
      if (v.t === null) continue;
      const at = this.events.findIndex((e) => e.t > v.t!);
      const event: TimelineEvent = { t: v.t, kind: 'violation', office: v.office, messageId: null, delivery: null, detail: `${v.kind}: ${v.event}` };
      this.events.splice(at < 0 ? this.events.length : at, 0, event);
    }
  }
}

/** One command of a burst, ready to publish. */
interface PlannedCommand {
  record: Omit<CommandRecord, 'messages'>;
  body: string;
  why: string;
}

/** What a run takes from its scenario before the first event: the same for every seed. */
interface Prepared {
  /** The scenario with its timing block in force. */
  scenario: Scenario;
  startMs: number;
  horizonMs: number;
  firstCommandMs: number;
  offices: OfficeCode[];
  records: ExportRecord[];
  bursts: { atMs: number; spreadMs: number; commands: PlannedCommand[] }[];
  warnings: string[];
}

const preparedCache = new WeakMap<Scenario, Prepared>();

/**
 * A sweep runs one scenario object thousands of times: its parsed instants, command bodies and
 * data set are made once per scenario object (scenarios are not changed once loaded; a changed
 * scenario is a new object, as withRetryBudget and withTiming make).
 */
function prepare(original: Scenario): Prepared {
  const cached = preparedCache.get(original);
  if (cached) return cached;
  const scenario = withTiming(original);
  const bursts = scenario.commands.map((spec, burst) => {
    const atMs = Date.parse(spec.at);
    const runDate = spec.runDate ?? dateOf(atMs);
    const type = spec.type ?? 'APP';
    const commands = officesOf(spec.offices).map((office): PlannedCommand => {
      const command: ExportCommand = { commandId: `c${burst + 1}-${office}`, type, localOffice: office, runDate, correlationId: `corr-${burst + 1}-${office}` };
      return {
        record: { commandId: command.commandId, office, type, runDate },
        body: JSON.stringify(command),
        why: `${spec.label ?? `${type} run ${runDate}`}: command ${command.commandId}`,
      };
    });
    return { atMs, spreadMs: spec.spreadMs ?? 0, commands };
  });
  const prepared: Prepared = {
    scenario,
    startMs: Date.parse(scenario.start),
    horizonMs: Date.parse(scenario.horizon),
    firstCommandMs: Math.min(...bursts.map((b) => b.atMs)),
    offices: officesOf(scenario.records.offices),
    records: scenarioRecords(scenario),
    bursts,
    warnings: scenarioWarnings(scenario),
  };
  preparedCache.set(original, prepared);
  return prepared;
}

/** One run of a scenario with one seed: same scenario and seed, same result, byte for byte. */
export async function runScenario(original: Scenario, seed: number, options: RunOptions = {}): Promise<RunResult> {
  const plan = prepare(original);
  const { scenario, startMs, horizonMs } = plan;
  const random = new Random(seed);
  const scheduler = new Scheduler(startMs, random.fork('scheduler'), options.chooser ?? null);
  const timeline = new Timeline(scheduler, startMs, options.timeline ?? true);

  const initial = plan.records;
  const memory = new MemoryState();
  memory.insertRecords(initial); // frozen: kept without a copy
  const storeSpec = scenario.store ?? {};
  const outbox = new MemoryOutbox();
  const simOutbox = new SimOutbox(outbox, scheduler, storeSpec.writeFileMs ?? 20);

  const consumerSpec = scenario.consumer ?? {};
  const faults = planFaults(
    scenario.faults,
    { firstCommandMs: plan.firstCommandMs, offices: plan.offices, processes: consumerSpec.processes ?? 2 },
    random.fork('faults'),
  );
  const store = new SimStore(
    memory,
    scheduler,
    random.fork('store'),
    { latencyMs: storeSpec.latencyMs ?? 5, operationLatencyMs: storeSpec.operationLatencyMs, jitterMs: storeSpec.jitterMs ?? 0, writeFileMs: storeSpec.writeFileMs ?? 20 },
    faults.storeOutages,
  );
  const broker: SimBroker =
    scenario.broker.kind === 'rabbitmq' ? new RabbitMqModel(scenario.broker, scheduler, timeline) : new SqsQueueModel(scenario.broker, scheduler, timeline);

  const crashRandom = random.fork('crashes');
  const runHandler: RunHandler = async (receipt, _attempt, alive) => {
    const { message } = receipt;
    const outcome = await handleCommand(
      {
        store,
        outbox: simOutbox,
        clock: scheduler,
        counterStrategy: scenario.handler?.counter ?? 'optimistic',
        beforeStep: (step) => {
          if (!alive()) throw new InjectedCrash('its process is gone');
          if (crashAt(faults, crashRandom, message.office, step, receipt.deliveryCount)) {
            throw new InjectedCrash(`crashed before step ${step}`);
          }
        },
      },
      message.body,
    );
    timeline.event(outcome.kind, message.office, () => describeOutcome(outcome), message, receipt.deliveryCount);
    return outcome;
  };
  const consumers = new ConsumerGroup(consumerSpec, broker, scheduler, timeline, runHandler);

  for (const planned of describeFaults(faults, startMs)) timeline.event('fault', null, `planned: ${planned}`);
  const commands = scheduleCommands(plan, scheduler, broker, timeline, faults, random.fork('commands'));
  scheduleFaults(faults, scheduler, broker, consumers, timeline);
  scheduleReplays(scenario, scheduler, broker, timeline, commands);
  consumers.start();

  const stop = await scheduler.run({ untilMs: horizonMs, maxEvents: options.maxEvents ?? DEFAULT_MAX_EVENTS });
  const unsettled = broker.unsettled;

  const final = memory.peekRecords();
  const checked = checkInvariants({
    initial,
    final,
    files: outbox.files,
    commands,
    unsettled,
    stoppedBy: stop,
    timing: { startMs, endT: scheduler.now() - startMs, fileWrittenAt: simOutbox.writtenAt(startMs) },
  });
  if (options.timeline ?? true) timeline.markViolations(checked.violations);
  const firstViolation = checked.violations.reduce<Violation | null>((first, v) => (v.t !== null && (first === null || v.t < first.t!) ? v : first), null);
  const result: RunResult = {
    scenario: scenario.name,
    seed,
    replay: replayCommand(scenario, seed),
    stop,
    startedAt: scenario.start,
    endedAt: new Date(scheduler.now()).toISOString(),
    events: timeline.events,
    offices: [],
    commands: checked.commands,
    files: [...outbox.files.keys()].sort(),
    stuck: checked.stuck,
    violations: checked.violations,
    firstViolation,
    expectation: { met: true, mismatches: [] },
    warnings: [...plan.warnings],
    stats: {
      eventsRun: scheduler.eventsRun,
      storeOperations: store.operations,
      virtualMs: scheduler.now() - startMs,
      maxDeliveries: Math.max(0, ...checked.commands.map((c) => c.deliveries)),
    },
  };
  result.offices = timeline.officeRows(result, final);
  result.expectation = checkExpectation(scenario, result);
  return result;
}

function scheduleCommands(plan: Prepared, scheduler: Scheduler, broker: SimBroker, timeline: Timeline, faults: FaultPlan, random: Random): CommandRecord[] {
  const commands: CommandRecord[] = [];
  let messageNumber = 0;
  const duplicates = random.fork('duplicates');
  const publish = (command: CommandRecord, body: string, copyOf: string | null, why: string) => {
    const message: SimMessage = {
      id: `m${++messageNumber}`,
      commandId: command.commandId,
      office: command.office,
      batchKey: batchKeyOf({ type: command.type, localOffice: command.office, runDate: command.runDate }),
      body,
      publishedAt: scheduler.now(),
      copyOf,
    };
    command.messages.push({ message, fate: null, detail: '', deliveries: 0, attempts: 0 });
    timeline.ledger.set(message.id, command.messages.at(-1)!);
    timeline.event(copyOf ? 'duplicate' : 'publish', command.office, why, message);
    broker.publish(message);
    return message;
  };
  for (const burst of plan.bursts) {
    for (const planned of burst.commands) {
      const { commandId, office, type, runDate } = planned.record;
      const record: CommandRecord = { commandId, office, type, runDate, messages: [] };
      commands.push(record);
      const spread = burst.spreadMs ? random.int(0, burst.spreadMs) : 0;
      scheduler.at(burst.atMs + spread, 'command.publish', () => {
        const original = publish(record, planned.body, null, planned.why);
        if (faults.duplicate && duplicates.chance(faults.duplicate.probability)) {
          scheduler.after(duplicates.int(0, faults.duplicate.delayMs), 'command.duplicate', () =>
            publish(record, planned.body, original.id, `duplicate of ${original.id} (at-least-once delivery)`),
          );
        }
      });
    }
  }
  return commands;
}

function scheduleFaults(plan: FaultPlan, scheduler: Scheduler, broker: SimBroker, consumers: ConsumerGroup, timeline: Timeline): void {
  for (const outage of plan.storeOutages) {
    scheduler.at(outage.fromMs, 'fault.store-outage', () =>
      timeline.event('fault', null, `store outage begins (${(outage.toMs - outage.fromMs) / 1000} s)`),
    );
    scheduler.at(outage.toMs, 'fault.store-back', () => timeline.event('fault', null, 'store outage ends'));
  }
  for (const block of plan.brokerBlocked) {
    scheduler.at(block.fromMs, 'fault.broker-blocked', () => {
      broker.blockUntil(block.toMs);
      const effect = broker.kind === 'rabbitmq' ? 'publishers blocked' : 'no effect: SQS has no memory alarm';
      timeline.event('fault', null, `broker memory alarm for ${(block.toMs - block.fromMs) / 1000} s: ${effect}`);
    });
  }
  for (const lost of plan.consumerLost) {
    scheduler.at(lost.atMs, 'fault.consumer-lost', () => consumers.lose(lost.process, lost.forMs));
  }
}

/** The operators' shovel: every message in the DLQ goes back to the work queue, `intervalMs` apart. */
function scheduleReplays(scenario: Scenario, scheduler: Scheduler, broker: SimBroker, timeline: Timeline, commands: CommandRecord[]): void {
  const byId = new Map(commands.map((c) => [c.commandId, c]));
  let replayNumber = 0;
  for (const replay of scenario.replays ?? []) {
    scheduler.at(Date.parse(replay.at), 'replay.start', () => {
      const messages = broker.drainDeadLetters();
      timeline.event('replay', null, `DLQ replay: ${messages.length} message(s)`);
      messages.forEach((message, index) => {
        timeline.fate(message, 'replayed', 'moved back to the work queue by a DLQ replay');
        scheduler.after(index * (replay.intervalMs ?? 0), 'replay.publish', () => {
          const command = byId.get(message.commandId)!;
          const copy: SimMessage = { ...message, id: `r${++replayNumber}-${message.id}`, publishedAt: scheduler.now(), copyOf: message.id };
          command.messages.push({ message: copy, fate: null, detail: '', deliveries: 0, attempts: 0 });
          timeline.ledger.set(copy.id, command.messages.at(-1)!);
          timeline.event('replay', message.office, `replayed ${message.id} as ${copy.id}`, copy);
          broker.publish(copy);
        });
      });
    });
  }
}

/** Does the run match what the scenario says should happen? */
export function checkExpectation(scenario: Scenario, result: RunResult): { met: boolean; mismatches: string[] } {
  const expect = scenario.expect;
  const someOrNone = (n: number) => (n > 0 ? 'some' : 'none');
  const vanished = result.violations.filter((v) => v.kind === 'command-vanished').length;
  const others = result.violations.filter((v) => v.kind !== 'command-vanished').length;
  const deadLettered = result.offices.reduce((sum, r) => sum + r.deadLetters, 0);
  const checks: [string, string | undefined, number][] = [
    ['stuckRecords', expect.stuckRecords, result.stuck.length],
    ['vanishedCommands', expect.vanishedCommands, vanished],
    ['deadLettered', expect.deadLettered, deadLettered],
    ['otherViolations', expect.otherViolations, others],
  ];
  const mismatches = checks
    .filter(([, wanted, count]) => wanted !== undefined && wanted !== someOrNone(count))
    .map(([name, wanted, count]) => `expected ${name}: ${wanted}, got ${count}`);
  return { met: mismatches.length === 0, mismatches };
}
