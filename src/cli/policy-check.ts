import { appendFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { policiesDir, userPath } from '../data-paths.js';
import type { Report } from '../evaluate/report.js';
import { FORMAT_NAMES, loadReporter, REPORTERS, type RunInfo } from '../reporters/reporter.js';
import { scrubSecrets } from '../text/scrub.js';
import { VERSION } from '../version.js';
import { CliError, exitCodeFor } from './errors.js';
import { processIo as processBaseIo, type Io as BaseIo } from './io.js';
// Only types at the top: each command loads the modules it runs (dynamic import), so `--help` stays a cold start of commander.
import type { ConfigFile } from './policy-check/config.js';
import type { OutputSpec } from './policy-check/outputs.js';

/** Where the command writes and what it may read of its surroundings; injectable so tests run `main()` in-process. */
export interface Io extends BaseIo {
  environ: Readonly<Record<string, string | undefined>>;
  isTTY: boolean;
  /** Today, YYYY-MM-DD (waiver expiry). */
  today: () => string;
  /** Where `policies/`, `scenarios/` and the config file are looked for (default: the process's). */
  cwd?: string;
  /** The clock and host a run reports (JUnit timestamp/time/hostname); default: the real ones. */
  now?: () => Date;
  hostname?: string;
}

const processIo: Io = {
  ...processBaseIo,
  environ: process.env,
  isTTY: process.stdout.isTTY === true,
  today: () => new Date().toISOString().slice(0, 10),
};

/** The flags: what a config file may hold, and the two only the command line gives. */
interface Options extends ConfigFile {
  strict?: boolean;
  config?: string;
}

/** The flags a config file may set, by option key (the file's keys are the same). */
const CONFIGURABLE = ['env', 'policies', 'source', 'baseline', 'format', 'output', 'softFail', 'check', 'skipCheck', 'quiet', 'prove'] as const satisfies readonly (keyof ConfigFile & keyof Options)[];

/** What `init --broker` offers; policy-check/init.ts has a starter for each. */
export const BROKER_KINDS = ['rabbitmq', 'sqs'] as const;
export type BrokerKind = (typeof BROKER_KINDS)[number];

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function program(io: Io): Command {
  const formats = FORMAT_NAMES.map((name) => `  ${name.padEnd(9)} ${REPORTERS[name].description}`).join('\n');
  return new Command('policy-check')
    .description('Check live brokers and infrastructure files against retry/redrive policies. Read-only. Exit 0 all hold, 1 violation, 2 could not check.')
    .version(VERSION)
    .option('-e, --env <name>', 'environment to check (policies/environments/<name>.yaml)')
    .option('-p, --policies <dir>', 'policies directory (default: ./policies, else the shipped one)')
    .option('-s, --source <file...>', 'extra file sources: Terraform plan JSON, CloudFormation, definitions.json')
    .option('--baseline <env>', 'also report every retry/redrive setting the baseline has and --env lost or weakened')
    .option('-f, --format <format[=file]>', 'output format, repeatable: table, sarif=out.sarif, junit=out.xml (see Formats)', collect)
    .option('-o, --output <file>', 'write the report of the format without =FILE to this file instead of stdout (folders are created)')
    .option('--soft-fail', 'exit 0 on violations (still 2 when the check could not be made)')
    .option('--check <id...>', 'only these check ids (see list-checks)')
    .option('--skip-check <id...>', 'every check but these ids')
    .option('-q, --quiet', 'show failures only (no passing rows); alias --compact')
    .addOption(new Option('--compact').hideHelp())
    .option('--prove', 'run the simulator for policies with provenBy, at the policies\' minimums')
    .option('--strict', 'a queue the sources find that no policy covers is a violation (ESR-COVER-001), not a warning')
    .option('-c, --config <file>', `config file (default: ./policy-check.yaml or ./.policy-check.yaml)`)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => undefined })
    .helpOption('-h, --help', 'show this help')
    .addHelpText(
      'after',
      `\nFormats:\n${formats}\n\nExit codes: 0 every policy holds, 1 a violation, 2 the check could not be made.\nDocs: docs/policies.md`,
    );
}

/** Flags win; the config file fills in what the command line did not say. */
async function withConfig(command: Command, options: Options, cwd: string): Promise<Options> {
  const { findConfigFile, readConfigFile } = await import('./policy-check/config.js');
  const file = options.config === undefined ? findConfigFile(cwd) : resolve(cwd, options.config);
  if (file === undefined) return options;
  const config = await readConfigFile(file);
  const merged: Options = { ...options };
  for (const key of CONFIGURABLE) {
    if (config[key] !== undefined && command.getOptionValueSource(key) !== 'cli') Object.assign(merged, { [key]: config[key] });
  }
  return merged;
}

async function validateCheckIds(flag: string, ids: readonly string[] | undefined): Promise<void> {
  const { isCheckId } = await import('../evaluate/checks/registry.js');
  const unknown = (ids ?? []).filter((id) => !isCheckId(id));
  if (unknown.length > 0) throw new CliError(`${flag}: unknown check id(s) ${unknown.join(', ')}; see policy-check list-checks`);
}

/** `--check`/`--skip-check` narrow the findings; `--quiet` hides passes from the rows (the counts stay). */
async function narrowed(report: Report, options: Options): Promise<{ report: Report; shown: Report }> {
  const { buildReport } = await import('../evaluate/report.js');
  const keep = (check: string): boolean => (options.check === undefined || options.check.includes(check)) && !(options.skipCheck ?? []).includes(check);
  // unnarrowed, the report stands as built (sorting 40,000 findings again costs); the queues no policy covers stay listed either way
  const selected =
    options.check === undefined && options.skipCheck === undefined
      ? report
      : buildReport(report.env, report.baseline, report.findings.filter((finding) => keep(finding.check)), report.notCovered);
  const quiet = options.quiet === true;
  return { report: selected, shown: quiet ? { ...selected, findings: selected.findings.filter((finding) => finding.status !== 'pass') } : selected };
}

interface Written {
  outputs: readonly OutputSpec[];
  root: string;
  run?: RunInfo;
  clean: (text: string) => string;
}

async function writeReports(report: Report, shown: Report, io: Io, { outputs, root, run, clean }: Written): Promise<void> {
  const written: string[] = [];
  for (const { format, file } of outputs) {
    const toTerminal = file === undefined && io.isTTY;
    const options = { color: toTerminal && format === 'table' && !io.environ.NO_COLOR, clip: toTerminal, root, ...(run ? { run } : {}) };
    const text = clean((await loadReporter(format)).render(shown, options));
    if (file === undefined) {
      io.out(text);
    } else {
      await writeFile(file, text);
      written.push(file);
    }
  }
  if (written.length > 0 && outputs.every((output) => output.file !== undefined)) {
    const { headline } = await import('../reporters/text.js');
    io.err(`${clean(headline(report))} (report${written.length > 1 ? 's' : ''} written to ${written.join(', ')})\n`);
  }
  const summaryFile = io.environ.GITHUB_STEP_SUMMARY;
  if (summaryFile && outputs.some((output) => output.format === 'github')) {
    const { stepSummary } = await import('../reporters/github.js');
    await appendFile(summaryFile, clean(stepSummary(shown)));
  }
}

async function check(command: Command, given: Options, io: Io, secrets: Set<string>): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const options = await withConfig(command, { ...given, quiet: given.quiet === true || (given as { compact?: boolean }).compact === true || undefined }, cwd);
  if (options.env === undefined) throw new CliError('--env <name> is required (or env: in policy-check.yaml); policy-check init writes a starter');
  await validateCheckIds('--check', options.check);
  await validateCheckIds('--skip-check', options.skipCheck);
  const { parseOutputs, prepareOutputs } = await import('./policy-check/outputs.js');
  const outputs = parseOutputs(options.format ?? ['table'], options.output);
  await prepareOutputs(outputs);

  const now = io.now ?? (() => new Date());
  const startedAt = now();
  const { runPolicyCheck } = await import('../evaluate/run.js');
  const { exitCode } = await import('../evaluate/report.js');
  const full = await runPolicyCheck({
    env: options.env,
    policiesDir: policiesDir(options.policies, cwd),
    sources: (options.source ?? []).map((file) => userPath(file, cwd)),
    ...(options.baseline === undefined ? {} : { baseline: options.baseline }),
    prove: options.prove === true,
    strict: options.strict === true,
    asOf: io.today(),
    environ: io.environ,
    registerSecret: (secret) => secrets.add(secret),
  });
  const { report, shown } = await narrowed(full, options);
  const run = { startedAt: startedAt.toISOString(), seconds: (now().getTime() - startedAt.getTime()) / 1000, hostname: io.hostname ?? hostname() };
  await writeReports(report, shown, io, { outputs, root: cwd, run, clean: (text) => scrubSecrets(text, secrets) });
  const code = exitCode(report);
  return options.softFail === true && code === 1 ? 0 : code;
}

async function listChecks(io: Io): Promise<void> {
  const { CHECK_REGISTRY } = await import('../evaluate/checks/registry.js');
  const rows = CHECK_REGISTRY.map((entry) => [entry.id, entry.title, entry.reads, `docs/policies.md#${entry.docsAnchor}`]);
  const header = ['ID', 'TITLE', 'READS', 'DOCS'];
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((cells) => (cells[column] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  ');
  io.out(`${[header, ...rows].map(line).join('\n')}\n`);
}

/** `policy-check` — argv without node and script; returns the exit code (the bin shim sets it). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const secrets = new Set<string>();
  const command = program(io);
  let code = 0;
  command.action(async (options: Options) => {
    code = await check(command, options, io, secrets);
  });
  command
    .command('list-checks')
    .description('every check id: title, what it reads, its docs section')
    .action(() => listChecks(io));
  command
    .command('init')
    .description('write a starter policies/ folder and policy-check.yaml for your broker; never overwrites')
    .addOption(new Option('--broker <kind>', 'the broker you run').choices(BROKER_KINDS).default('rabbitmq'))
    .option('--dir <dir>', 'where to write', '.')
    .action(async (options: { broker: BrokerKind; dir: string }) => {
      const { init } = await import('./policy-check/init.js');
      const result = await init(options.broker, resolve(io.cwd ?? process.cwd(), options.dir));
      io.out(`${result.written.map((file) => `wrote ${file}`).join('\n')}\nnext: ${options.dir === '.' ? '' : `cd ${options.dir} && `}${result.next}\n`);
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
    return exitCodeFor(error, io.err, { prefix: 'policy-check', clean: (text) => scrubSecrets(text, secrets) });
  }
}
