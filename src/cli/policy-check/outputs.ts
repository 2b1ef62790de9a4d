/**
 * `--format table --format sarif=out.sarif --format junit=out.xml [--output FILE]`: several reports
 * from one run, so CI does not run the live check twice. Parsed and prepared (folders created)
 * before any check runs, so a bad path fails in one line, exit 2, without reading a broker.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FORMAT_NAMES, isFormatName, type FormatName } from '../../reporters/reporter.js';
import { CliError } from '../errors.js';

export interface OutputSpec {
  format: FormatName;
  /** Absent: stdout. */
  file?: string;
}

function parseOne(spec: string): OutputSpec {
  const at = spec.indexOf('=');
  const name = at === -1 ? spec : spec.slice(0, at);
  const file = at === -1 ? undefined : spec.slice(at + 1);
  if (!isFormatName(name)) throw new CliError(`--format: unknown format '${name}'; expected one of ${FORMAT_NAMES.join(', ')} (optionally =FILE)`);
  if (file === '') throw new CliError(`--format ${name}=: the file name is empty`);
  return file === undefined ? { format: name } : { format: name, file };
}

/** The outputs of one run: `--output` is the file of the one format given without `=FILE`. */
export function parseOutputs(formats: readonly string[], output: string | undefined): OutputSpec[] {
  const specs = formats.map(parseOne);
  const toStdout = specs.filter((spec) => spec.file === undefined);
  if (toStdout.length > 1) {
    throw new CliError(`--format: only one report can go to stdout (${toStdout.map((spec) => spec.format).join(', ')}); give the others a file: --format FORMAT=FILE`);
  }
  if (output !== undefined) {
    const [plain] = toStdout;
    if (!plain) throw new CliError('--output: every --format already names its file (FORMAT=FILE); drop --output or one =FILE');
    plain.file = output;
  }
  const files = specs.flatMap((spec) => (spec.file === undefined ? [] : [resolve(spec.file)]));
  const twice = files.find((file, index) => files.indexOf(file) !== index);
  if (twice) throw new CliError(`--format/--output: two reports would be written to the same file ${twice}`);
  return specs;
}

/** Creates each report's folder; a path that is a folder, or a folder that cannot be made, is an error now. */
export async function prepareOutputs(specs: readonly OutputSpec[]): Promise<void> {
  for (const { file } of specs) {
    if (file === undefined) continue;
    try {
      await mkdir(dirname(resolve(file)), { recursive: true });
    } catch (error) {
      throw new CliError(`cannot create the folder of ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 2, { cause: error });
    }
    const existing = await stat(file).catch(() => undefined);
    if (existing?.isDirectory()) throw new CliError(`cannot write the report to ${file}: it is a folder`);
  }
}
