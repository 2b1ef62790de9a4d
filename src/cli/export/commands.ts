import { Option, type Command } from 'commander';
import { addDays, dateOf } from '../../domain/dates.js';
import { isOfficeCode, OFFICE_CODES, type OfficeCode } from '../../domain/offices.js';
import type { FileType } from '../../domain/records.js';
import { generateRecords } from '../../domain/synthetic.js';
import { exportWindow } from '../../domain/window.js';
import { auditStuckRecords } from '../../engine/audit.js';
import { systemClock } from '../../engine/clock.js';
import { describeOutcome } from '../../engine/outcome.js';
import { runExports, type RunSummary } from '../../engine/run-exports.js';
import { burstCommands, runDailySchedule } from '../../engine/schedule.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { isoDate, nonNegativeInt, positiveInt } from '../options.js';
import { withCommonOptions, withContext, type CommonOptions, type EngineContext } from './context.js';

function officesOf(list: string | undefined): OfficeCode[] {
  if (!list) return [...OFFICE_CODES];
  const offices = list.split(',').map((s) => s.trim().toUpperCase());
  const wrong = offices.filter((o) => !isOfficeCode(o));
  if (wrong.length > 0) throw new CliError(`unknown office code(s) ${wrong.join(', ')}; expected some of ${OFFICE_CODES.join(', ')}`);
  return offices as OfficeCode[];
}

function typeOf(value: string): FileType {
  const type = value.toUpperCase();
  if (type !== 'APP' && type !== 'DNC') throw new CliError(`--type must be APP or DNC, got '${value}'`);
  return type;
}

/** With the in-process broker nothing else can consume, so commands that publish also run them here. */
async function consumeIfInProcess(context: EngineContext, options: CommonOptions, io: Io): Promise<RunSummary | null> {
  if (context.broker.kind !== 'memory') return null;
  await context.outbox.prepare();
  const summary = await runExports(
    context.broker,
    { store: context.store, outbox: context.outbox, counterStrategy: options.counter, log: context.log, clock: systemClock },
    { stopWhenIdleMs: 50, onOutcome: (outcome) => io.out(`  ${describeOutcome(outcome)}\n`) },
  );
  const dead = await context.broker.deadLetters.list();
  io.out(`${summary.files.length} file(s) written to ${context.outbox.directory}; ${dead.length} command(s) dead-lettered\n`);
  return summary;
}

export function registerEngineCommands(program: Command, io: Io, setExitCode: (code: number) => void): void {
  withCommonOptions(program.command('seed').description('fill the store with synthetic records (no real personal data)'))
    .option('--date <date>', 'run date the start dates are spread around', '2021-07-31')
    .option('--per-office <n>', 'APP records per office', '50')
    .option('--dnc-per-office <n>', 'DNC records per office', '10')
    .option('--seed <n>', 'random seed', '1')
    .action(
      withContext<{ date: string; perOffice: string; dncPerOffice: string; seed: string }>(io, setExitCode, async (options, context) => {
        const runDate = isoDate(options.date, '--date');
        const records = generateRecords({
          seed: nonNegativeInt(options.seed, '--seed'),
          appPerOffice: positiveInt(options.perOffice, '--per-office'),
          dncPerOffice: nonNegativeInt(options.dncPerOffice, '--dnc-per-office'),
          startFrom: exportWindow(runDate).from,
          startTo: addDays(runDate, 30),
        });
        await context.store.insertRecords(records);
        io.out(`seeded ${records.length} record(s) into the ${context.storeDescription}\n`);
        return 0;
      }),
    );

  withCommonOptions(program.command('run').description('consume export commands and write ESR files'))
    .option('--consumers <n>', 'consumers sharing the queue', '1')
    .option('--until-idle <ms>', 'stop once no command has arrived for this long')
    .action(
      withContext<{ consumers: string; untilIdle?: string }>(io, setExitCode, async (options, context) => {
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
            consumers: positiveInt(options.consumers, '--consumers'),
            stopWhenIdleMs: options.untilIdle === undefined ? undefined : nonNegativeInt(options.untilIdle, '--until-idle'),
            signal: controller.signal,
            onOutcome: (outcome) => {
              if (outcome.kind === 'outbox-failed') outboxFailure = outcome.reason;
              io.out(`${describeOutcome(outcome)}\n`);
            },
          },
        );
        process.off('SIGINT', stop).off('SIGTERM', stop);
        io.out(`${summary.deliveries} deliveries, ${summary.files.length} file(s) written\n`);
        if (outboxFailure === null) return 0;
        io.err(`error: ${summary.outcomes['outbox-failed']} command(s) could not be written; last: ${outboxFailure}\n`);
        return 2;
      }),
    );

  withCommonOptions(program.command('trigger').description('put one export command on the queue, as operators did by hand'))
    .requiredOption('--office <code>', 'local office code, e.g. SEV')
    .option('--type <type>', 'APP or DNC', 'APP')
    .requiredOption('--date <date>', 'run date YYYY-MM-DD')
    .action(
      withContext<{ office: string; type: string; date: string }>(io, setExitCode, async (options, context) => {
        const [office] = officesOf(options.office);
        const command = burstCommands(typeOf(options.type), isoDate(options.date, '--date'), context.newId, [office!])[0]!;
        await context.broker.publish(command);
        io.out(`published ${command.type} command for ${command.localOffice} ${command.runDate} (correlationId ${command.correlationId})\n`);
        await consumeIfInProcess(context, options, io);
        return 0;
      }),
    );

  withCommonOptions(program.command('schedule').description('fire the daily burst: one command per office, all at once, as the cron does'))
    .option('--date <date>', 'run date (default: today)')
    .addOption(new Option('--type <type>', 'which run').choices(['APP', 'DNC', 'all']).default('all'))
    .option('--offices <codes>', 'comma-separated offices (default: all 13)')
    .option('--daemon', 'stay up and fire every day at 14:00 (APP) and 15:00 (DNC) UTC, like the cron', false)
    .action(
      withContext<{ date?: string; type: string; offices?: string; daemon: boolean }>(io, setExitCode, async (options, context) => {
        const offices = officesOf(options.offices);
        if (options.daemon) return scheduleDaily(context, offices, io);
        const runDate = options.date ? isoDate(options.date, '--date') : dateOf(systemClock.now());
        const types: FileType[] = options.type === 'all' ? ['APP', 'DNC'] : [typeOf(options.type)];
        const commands = types.flatMap((type) => burstCommands(type, runDate, context.newId, offices));
        await Promise.all(commands.map((command) => context.broker.publish(command)));
        io.out(`published ${commands.length} command(s) for ${runDate} (${types.join(', ')})\n`);
        await consumeIfInProcess(context, options, io);
        return 0;
      }),
    );

  withCommonOptions(program.command('audit').description('after the day\'s runs: list records still TO_EXPORT that missed their export or the day\'s run (exit 1 if any)'))
    .requiredOption('--as-of <date>', 'audit date YYYY-MM-DD')
    .option('--json', 'JSON output', false)
    .action(
      withContext<{ asOf: string; json: boolean }>(io, setExitCode, async (options, context) => {
        const report = await auditStuckRecords(context.store, isoDate(options.asOf, '--as-of'));
        if (options.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
        else io.out(renderAudit(report));
        return report.stuck.length > 0 ? 1 : 0;
      }),
    );
}

async function scheduleDaily(context: EngineContext, offices: OfficeCode[], io: Io): Promise<number> {
  if (context.broker.kind === 'memory') {
    throw new CliError('--daemon publishes to a shared broker: pass --broker rabbitmq or sqs, and run consumers with esr-export run');
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  io.err(`scheduling the daily runs on ${context.broker.kind} (APP 14:00, DNC 15:00 UTC); Ctrl-C stops\n`);
  const firings = await runDailySchedule({
    clock: abortableClock(controller.signal),
    publish: (command) => context.broker.publish(command),
    newId: context.newId,
    offices,
    signal: controller.signal,
    onFire: (type, runDate, count) => io.out(`${new Date(systemClock.now()).toISOString()} published ${count} ${type} command(s) for ${runDate}\n`),
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
      lines.push(`    ${record.kind.padEnd(7)} ${record.id} ${record.type} starts ${record.startDate}: ${record.reason}`);
    }
    if (records.length > AUDIT_LINES_PER_OFFICE) lines.push(`    … and ${records.length - AUDIT_LINES_PER_OFFICE} more (--json lists all)`);
  }
  return `${lines.join('\n')}\n`;
}
