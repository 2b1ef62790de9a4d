import { Option, type Command } from 'commander';
import { addDays, dateOf, type IsoDate } from '../../domain/dates.js';
import { isOfficeCode, OFFICE_CODES, type OfficeCode } from '../../domain/offices.js';
import type { FileType } from '../../domain/records.js';
import { generateRecords } from '../../domain/synthetic.js';
import { exportWindow } from '../../domain/window.js';
import { auditStuckRecords } from '../../engine/audit.js';
import { systemClock } from '../../engine/clock.js';
import { describeOutcome } from '../../engine/outcome.js';
import { runExports, type RunSummary } from '../../engine/run-exports.js';
import { burstCommands, DAILY_RUNS, DEFAULT_TIME_ZONE, describeRuns, runDailySchedule, timeZoneError, type DailyRun, type Firing } from '../../engine/schedule.js';
import { escapeControl, jsonForTerminal } from '../../text/escape.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { isoDate, nonNegativeInt, parsedBy, positiveInt } from '../options.js';
import { withCommonOptions, withContext, type CommonOptions, type EngineContext } from './context.js';

/** A comma-separated list of office codes; empty entries are refused (an empty --office must not mean "the first office"). */
function officesOf(list: string, name: string): OfficeCode[] {
  const offices = list.split(',').map((s) => s.trim().toUpperCase());
  if (offices.some((o) => o === '')) throw new CliError(`${name} needs office codes, got '${escapeControl(list)}'; expected some of ${OFFICE_CODES.join(', ')}`);
  const wrong = offices.filter((o) => !isOfficeCode(o));
  if (wrong.length > 0) throw new CliError(`unknown office code(s) ${escapeControl(wrong.join(', '))}; expected some of ${OFFICE_CODES.join(', ')}`);
  return offices as OfficeCode[];
}

function oneOffice(value: string, name: string): OfficeCode {
  const offices = officesOf(value, name);
  if (offices.length !== 1) throw new CliError(`${name} takes one office code, got ${offices.length}`);
  return offices[0]!;
}

function typeOf(value: string): FileType {
  const type = value.toUpperCase();
  if (type !== 'APP' && type !== 'DNC') throw new CliError(`--type must be APP or DNC, got '${escapeControl(value)}'`);
  return type;
}

function timeZoneOf(value: string, name: string): string {
  const error = timeZoneError(value);
  if (error) throw new CliError(`${name}: ${escapeControl(error)}`);
  return value;
}

/** `APP=14:00,DNC=15:00:30`: when each daily run fires (local time of --time-zone). */
function runTimesOf(value: string): DailyRun[] {
  return value.split(',').map((entry) => {
    const match = /^\s*(APP|DNC)=(\d{2}):(\d{2})(?::(\d{2}))?\s*$/i.exec(entry);
    const [hour, minute, second] = match ? [Number(match[2]), Number(match[3]), Number(match[4] ?? 0)] : [NaN, NaN, NaN];
    if (!match || hour > 23 || minute > 59 || second > 59) {
      throw new CliError(`--run-times takes TYPE=HH:MM[:SS] entries, e.g. APP=14:00,DNC=15:00; got '${escapeControl(entry)}'`);
    }
    return { type: match[1]!.toUpperCase() as FileType, hour, minute, second };
  });
}

/** One outcome line for a person: the handler's reasons quote command bodies, which come from outside. */
const outcomeLine = (outcome: Parameters<typeof describeOutcome>[0]) => escapeControl(describeOutcome(outcome));

/** With the in-process broker nothing else can consume, so commands that publish also run them here. */
async function consumeIfInProcess(context: EngineContext, options: CommonOptions, io: Io): Promise<RunSummary | null> {
  if (context.broker.kind !== 'memory') return null;
  await context.outbox.prepare();
  const summary = await runExports(
    context.broker,
    { store: context.store, outbox: context.outbox, counterStrategy: options.counter, log: context.log, clock: systemClock },
    { stopWhenIdleMs: 50, onOutcome: (outcome) => io.out(`  ${outcomeLine(outcome)}\n`) },
  );
  const dead = await context.broker.deadLetters.list();
  io.out(`${summary.files.length} file(s) written to ${context.outbox.directory}; ${dead.length} command(s) dead-lettered\n`);
  return summary;
}

export function registerEngineCommands(program: Command, io: Io, setExitCode: (code: number) => void): void {
  withCommonOptions(program.command('seed').description('fill the store with synthetic records (no real personal data)'))
    .addOption(new Option('--date <date>', 'run date the start dates are spread around').argParser(parsedBy(isoDate, '--date')).default('2021-07-31'))
    .addOption(new Option('--per-office <n>', 'APP records per office').argParser(parsedBy(positiveInt, '--per-office')).default(50))
    .addOption(new Option('--dnc-per-office <n>', 'DNC records per office').argParser(parsedBy(nonNegativeInt, '--dnc-per-office')).default(10))
    .addOption(new Option('--seed <n>', 'random seed').argParser(parsedBy(nonNegativeInt, '--seed')).default(1))
    .action(
      withContext<{ date: IsoDate; perOffice: number; dncPerOffice: number; seed: number }>(io, setExitCode, async (options, context) => {
        const runDate = options.date;
        const records = generateRecords({
          seed: options.seed,
          appPerOffice: options.perOffice,
          dncPerOffice: options.dncPerOffice,
          startFrom: exportWindow(runDate).from,
          startTo: addDays(runDate, 30),
        });
        await context.store.insertRecords(records);
        io.out(`seeded ${records.length} record(s) into the ${context.storeDescription}\n`);
        return 0;
      }),
    );

  withCommonOptions(program.command('run').description('consume export commands and write ESR files'))
    .addOption(new Option('--consumers <n>', 'consumers sharing the queue').argParser(parsedBy(positiveInt, '--consumers')).default(1))
    .addOption(new Option('--until-idle <ms>', 'stop once no command has arrived for this long').argParser(parsedBy(nonNegativeInt, '--until-idle')))
    .action(
      withContext<{ consumers: number; untilIdle?: number }>(io, setExitCode, async (options, context) => {
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop).once('SIGTERM', stop);
        // A read-only or missing outbox fails here, before any command is taken off the queue.
        await context.outbox.prepare();
        io.err(`consuming from ${context.broker.kind}; store: ${context.storeDescription}\n`);
        let outboxFailure: string | null = null;
        const summary = await runExports(
          context.broker,
          { store: context.store, outbox: context.outbox, counterStrategy: options.counter, log: context.log },
          {
            consumers: options.consumers,
            stopWhenIdleMs: options.untilIdle,
            signal: controller.signal,
            onOutcome: (outcome) => {
              if (outcome.kind === 'outbox-failed') outboxFailure = outcome.reason;
              io.out(`${outcomeLine(outcome)}\n`);
            },
          },
        );
        process.off('SIGINT', stop).off('SIGTERM', stop);
        io.out(`${summary.deliveries} deliveries, ${summary.files.length} file(s) written\n`);
        if (outboxFailure === null) return 0;
        io.err(`error: ${summary.outcomes['outbox-failed']} command(s) could not be written; last: ${escapeControl(outboxFailure)}\n`);
        return 2;
      }),
    );

  withCommonOptions(program.command('trigger').description('put one export command on the queue, as operators did by hand'))
    .addOption(new Option('--office <code>', 'local office code, e.g. SEV').argParser(parsedBy(oneOffice, '--office')).makeOptionMandatory())
    .addOption(new Option('--type <type>', 'APP or DNC').argParser(typeOf).default('APP'))
    .addOption(new Option('--date <date>', 'run date YYYY-MM-DD').argParser(parsedBy(isoDate, '--date')).makeOptionMandatory())
    .action(
      withContext<{ office: OfficeCode; type: FileType; date: IsoDate }>(io, setExitCode, async (options, context) => {
        const command = burstCommands(options.type, options.date, context.newId, [options.office])[0]!;
        await context.broker.publish(command);
        io.out(`published ${command.type} command for ${command.localOffice} ${command.runDate} (correlationId ${command.correlationId})\n`);
        await consumeIfInProcess(context, options, io);
        return 0;
      }),
    );

  withCommonOptions(program.command('schedule').description('fire the daily burst: one command per office, all at once, as the cron does'))
    .addOption(new Option('--date <date>', 'run date (default: today)').argParser(parsedBy(isoDate, '--date')))
    .addOption(new Option('--type <type>', 'which run').choices(['APP', 'DNC', 'all']).default('all'))
    .addOption(new Option('--offices <codes>', 'comma-separated offices (default: all 13)').argParser(parsedBy(officesOf, '--offices')).default(OFFICE_CODES))
    .option('--daemon', 'stay up and fire every day at 14:00 (APP) and 15:00 (DNC) in --time-zone, like the cron', false)
    .addOption(new Option('--time-zone <zone>', 'with --daemon: the zone of 14:00 and 15:00').argParser(parsedBy(timeZoneOf, '--time-zone')).default(DEFAULT_TIME_ZONE))
    .addOption(new Option('--run-times <list>', `with --daemon: when each run fires, TYPE=HH:MM[:SS] in --time-zone (default APP=14:00,DNC=15:00)`).argParser(runTimesOf))
    .action(
      withContext<{ date?: IsoDate; type: string; offices: OfficeCode[]; daemon: boolean; timeZone: string; runTimes?: DailyRun[] }>(
        io,
        setExitCode,
        async (options, context) => {
          if (options.daemon) return scheduleDaily(context, options, io);
          const runDate = options.date ?? dateOf(systemClock.now());
          const types: FileType[] = options.type === 'all' ? ['APP', 'DNC'] : [typeOf(options.type)];
          const commands = types.flatMap((type) => burstCommands(type, runDate, context.newId, options.offices));
          await Promise.all(commands.map((command) => context.broker.publish(command)));
          io.out(`published ${commands.length} command(s) for ${runDate} (${types.join(', ')})\n`);
          await consumeIfInProcess(context, options, io);
          return 0;
        },
        {
          check: (options) => {
            if (options.runTimes && !options.daemon) throw new CliError('--run-times needs --daemon (without it the burst is published once, now)');
            if (options.daemon && options.broker === 'memory') {
              throw new CliError('--daemon publishes to a shared broker: pass --broker rabbitmq or sqs, and run consumers with esr-export run');
            }
          },
        },
      ),
    );

  withCommonOptions(program.command('audit').description('after the day\'s runs: list records still TO_EXPORT that missed their export or the day\'s run (exit 1 if any)'))
    .addOption(new Option('--as-of <date>', 'audit date YYYY-MM-DD').argParser(parsedBy(isoDate, '--as-of')).makeOptionMandatory())
    .option('--json', 'JSON output', false)
    .action(
      withContext<{ asOf: IsoDate; json: boolean }>(
        io,
        setExitCode,
        async (options, context) => {
          // A store that holds nothing (a --state file created just now, an empty database) proves nothing.
          if ((await context.store.listBatches()).length === 0 && (await context.store.findRecords({})).length === 0) {
            throw new CliError(`the ${context.storeDescription} holds no records and no export runs: nothing to audit (is this the store the runs used?)`);
          }
          const report = await auditStuckRecords(context.store, options.asOf);
          if (options.json) io.out(`${jsonForTerminal(report)}\n`);
          else io.out(renderAudit(report));
          return report.stuck.length > 0 ? 1 : 0;
        },
        // An audit of an empty throwaway store would report "no stuck records": the alert would fail open.
        { persistentStore: 'audit' },
      ),
    );
}

async function scheduleDaily(context: EngineContext, options: { offices: OfficeCode[]; timeZone: string; runTimes?: DailyRun[] }, io: Io): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  const runs = options.runTimes ?? DAILY_RUNS;
  io.err(`scheduling the daily runs on ${context.broker.kind} (${describeRuns(runs)} ${options.timeZone}); Ctrl-C stops\n`);
  const at = () => new Date(systemClock.now()).toISOString();
  const firings = await runDailySchedule({
    clock: abortableClock(controller.signal),
    publish: (command) => context.broker.publish(command),
    newId: context.newId,
    offices: options.offices,
    timeZone: options.timeZone,
    runs,
    signal: controller.signal,
    onFire: (firing: Firing, count) => io.out(`${at()} published ${count} ${firing.type} command(s) for ${firing.runDate}\n`),
    onPublishError: (firing, error, retryInMs) =>
      io.err(`${at()} publishing the ${firing.type} burst for ${firing.runDate} failed (${escapeControl(error instanceof Error ? error.message : String(error))}); retrying in ${retryInMs} ms\n`),
  });
  process.off('SIGINT', stop).off('SIGTERM', stop);
  io.out(`stopped after ${firings} firing(s)\n`);
  return 0;
}

/** The system clock, whose sleep ends early when the signal aborts (so Ctrl-C does not wait for 14:00). */
function abortableClock(signal: AbortSignal) {
  return {
    now: systemClock.now,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      }),
  };
}

/** Enough to act on; `--json` has every record. */
const AUDIT_LINES_PER_OFFICE = 10;

function renderAudit(report: Awaited<ReturnType<typeof auditStuckRecords>>): string {
  if (report.stuck.length === 0) return `audit ${report.asOf}: no stuck records\n`;
  const lines = [`audit ${report.asOf}: ${report.stuck.length} record(s) stuck`];
  for (const run of report.incompleteRuns) lines.push(`  export run ${run} did not complete`);
  for (const [office, count] of Object.entries(report.byOffice)) {
    lines.push(`  ${office}: ${count}`);
    const records = report.stuck.filter((r) => r.office === office);
    for (const record of records.slice(0, AUDIT_LINES_PER_OFFICE)) {
      lines.push(`    ${record.kind.padEnd(7)} ${escapeControl(record.id)} ${record.type} starts ${record.startDate}: ${escapeControl(record.reason)}`);
    }
    if (records.length > AUDIT_LINES_PER_OFFICE) lines.push(`    … and ${records.length - AUDIT_LINES_PER_OFFICE} more (--json lists all)`);
  }
  return `${lines.join('\n')}\n`;
}
