import { appendFile, writeFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { FORMAT_NAMES, isFormatName, loadReporter, REPORTERS } from '../reporters/reporter.js';
import { VERSION } from '../version.js';
import { processIo as processBaseIo, type Io as BaseIo } from './io.js';

/** Where the command writes and what it may read of its surroundings; injectable so tests run `main()` in-process. */
export interface Io extends BaseIo {
  environ: Readonly<Record<string, string | undefined>>;
  isTTY: boolean;
  /** Today, YYYY-MM-DD (waiver expiry). */
  today: () => string;
}

const processIo: Io = {
  ...processBaseIo,
  environ: process.env,
  isTTY: process.stdout.isTTY === true,
  today: () => new Date().toISOString().slice(0, 10),
};

interface Options {
  env: string;
  policies: string;
  source?: string[];
  baseline?: string;
  format: string;
  output?: string;
  prove?: boolean;
}

/** NO_COLOR (https://no-color.org): present and not empty disables colour. */
const colorWanted = (io: Io, options: Options): boolean => io.isTTY && !options.output && !io.environ.NO_COLOR;

function scrub(text: string, secrets: ReadonlySet<string>): string {
  let clean = text;
  for (const secret of secrets) if (secret.length > 0) clean = clean.replaceAll(secret, '***');
  return clean;
}

function program(io: Io): Command {
  const formats = FORMAT_NAMES.map((name) => `  ${name.padEnd(9)} ${REPORTERS[name].description}`).join('\n');
  return new Command('policy-check')
    .description('Check live brokers and infrastructure files against retry/redrive policies. Read-only. Exit 0 all hold, 1 violation, 2 could not check.')
    .version(VERSION)
    .requiredOption('--env <name>', 'environment to check (policies/environments/<name>.yaml)')
    .option('--policies <dir>', 'policies directory', 'policies')
    .option('--source <file...>', 'extra file sources: Terraform plan JSON, CloudFormation, definitions.json')
    .option('--baseline <env>', 'also report every retry/redrive setting the baseline has and --env lost or weakened')
    .addOption(new Option('--format <format>', 'output format (see Formats)').choices(FORMAT_NAMES).default('table'))
    .option('--output <file>', 'write the report to a file instead of stdout')
    .option('--prove', 'run the simulator for policies with provenBy, at the policies\' minimums')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => undefined })
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', `\nFormats:\n${formats}\n\nExit codes: 0 every policy holds, 1 a violation, 2 the check could not be made.\nDocs: docs/policies.md`);
}

async function check(options: Options, io: Io, secrets: Set<string>): Promise<number> {
  const { runPolicyCheck } = await import('../evaluate/run.js');
  const { exitCode } = await import('../evaluate/report.js');
  const report = await runPolicyCheck({
    env: options.env,
    policiesDir: options.policies,
    sources: options.source ?? [],
    ...(options.baseline === undefined ? {} : { baseline: options.baseline }),
    prove: options.prove === true,
    asOf: io.today(),
    environ: io.environ,
    registerSecret: (secret) => secrets.add(secret),
  });
  const format = isFormatName(options.format) ? options.format : 'table';
  const text = scrub((await loadReporter(format)).render(report, { color: colorWanted(io, options) }), secrets);
  if (options.output) {
    await writeFile(options.output, text);
    const { headline } = await import('../reporters/text.js');
    io.err(`${headline(report)} (report written to ${options.output})\n`);
  } else {
    io.out(text);
  }
  const summaryFile = io.environ.GITHUB_STEP_SUMMARY;
  if (format === 'github' && summaryFile) {
    const { stepSummary } = await import('../reporters/github.js');
    await appendFile(summaryFile, scrub(stepSummary(report), secrets));
  }
  return exitCode(report);
}

/** One line, no stack: bad input and unreadable sources name what and where; anything else is still exit 2 (fail closed). */
function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const known = error.name === 'InputError' || error.name === 'SourceError';
    const first = error.message.split('\n')[0] ?? '';
    return known ? first : `unexpected error (${error.name}): ${first}`;
  }
  return `unexpected error: ${String(error)}`;
}

/** `policy-check` — argv without node and script; returns the exit code (the bin shim sets it). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const secrets = new Set<string>();
  const command = program(io);
  let code = 0;
  command.action(async (options: Options) => {
    code = await check(options, io, secrets);
  });
  try {
    await command.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      io.err(`policy-check: ${error.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    io.err(`policy-check: ${scrub(describeFailure(error), secrets)}\n`);
    return 2;
  }
}
