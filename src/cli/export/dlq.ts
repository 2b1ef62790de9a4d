import { Option, type Command } from 'commander';
import { dateOf } from '../../domain/dates.js';
import { systemClock } from '../../engine/clock.js';
import { escapeControl, jsonForTerminal } from '../../text/escape.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { parsedBy, positiveInt } from '../options.js';
import { withCommonOptions, withContext } from './context.js';

/** The dated holding queue operators shovelled into by hand: esr.dlq.YYYY.MM.DD (dashes on SQS, which forbids dots). */
export function holdingQueueName(broker: string, epochMs: number): string {
  const date = dateOf(epochMs);
  return broker === 'sqs' ? `esr-dlq-${date}` : `esr.dlq.${date.replaceAll('-', '.')}`;
}

export function registerDlqCommands(program: Command, io: Io, setExitCode: (code: number) => void): void {
  const dlq = program.command('dlq').description('inspect and replay dead-lettered export commands');

  withCommonOptions(dlq.command('list').description('list dead-lettered commands with reason and death count'))
    .addOption(new Option('--limit <n>', 'at most this many').argParser(parsedBy(positiveInt, '--limit')).default(100))
    .option('--json', 'JSON output', false)
    .action(
      withContext<{ limit: number; json: boolean }>(io, setExitCode, async (options, context) => {
        const letters = await context.broker.deadLetters.list(options.limit);
        if (options.json) io.out(`${jsonForTerminal(letters)}\n`);
        else if (letters.length === 0) io.out('the dead-letter queue is empty\n');
        // Ids, queue names and reasons come from the broker and the message bodies: escaped.
        else for (const l of letters) io.out(`${escapeControl(l.messageId)}  deaths=${l.deathCount}  from=${escapeControl(l.sourceQueue)}  ${escapeControl(l.reason)}\n`);
        return 0;
      }),
    );

  withCommonOptions(dlq.command('show <messageId>').description('show one dead-lettered command'))
    .action(
      withContext(io, setExitCode, async (_options, context, args) => {
        const letter = await context.broker.deadLetters.show(args[0]!);
        if (!letter) throw new CliError(`no dead-lettered message with id ${escapeControl(args[0]!)}`);
        io.out(`${jsonForTerminal(letter)}\n`);
        return 0;
      }),
    );

  withCommonOptions(dlq.command('replay').description('move dead-lettered commands back into the work queue'))
    .option('--hold', 'first move them to a dated holding queue (esr.dlq.YYYY.MM.DD)', false)
    .option('--holding-queue <name>', 'first move them to this holding queue')
    .addOption(new Option('--limit <n>', 'replay at most this many').argParser(parsedBy(positiveInt, '--limit')))
    .action(
      withContext<{ hold: boolean; holdingQueue?: string; limit?: number }>(io, setExitCode, async (options, context) => {
        const holdingQueue = options.holdingQueue ?? (options.hold ? holdingQueueName(context.broker.kind, systemClock.now()) : undefined);
        const result = await context.broker.deadLetters.replay({ holdingQueue, limit: options.limit });
        io.out(`replayed ${result.replayed} command(s)${result.heldIn ? ` via holding queue ${escapeControl(result.heldIn)}` : ''}\n`);
        return 0;
      }),
    );
}
