import type { Report } from '../evaluate/report.js';

export interface RenderOptions {
  /** ANSI colours (table only): on a TTY unless NO_COLOR is set. */
  color: boolean;
  /** Shorten long cells (table only): for a terminal; never when writing to a file or a pipe. */
  clip?: boolean;
  /** The folder file paths are made relative to (SARIF `%SRCROOT%`); absent: paths as found. */
  root?: string;
  /** When and where the run happened (JUnit `timestamp`, `time`, `hostname`); absent: not stated. */
  run?: RunInfo;
}

export interface RunInfo {
  /** ISO 8601, UTC. */
  startedAt: string;
  seconds: number;
  hostname: string;
}

/** A pure function of the report: never prints, never mutates its input. */
export interface Reporter {
  render(report: Report, options: RenderOptions): string;
}

/** The registry: drives the `--format` choices. Modules load lazily to keep `--help` fast. */
export const REPORTERS = {
  table: { description: 'aligned table, coloured on a TTY (default)', load: () => import('./table.js') },
  json: { description: 'the stable JSON schema of docs/policies.md', load: () => import('./json.js') },
  junit: { description: 'JUnit XML for CI test tabs', load: () => import('./junit.js') },
  sarif: { description: 'SARIF 2.1.0 for code scanning, anchored to policy lines', load: () => import('./sarif.js') },
  github: { description: 'GitHub Actions annotations (plus a step summary)', load: () => import('./github.js') },
  markdown: { description: 'Markdown for PR comments and step summaries', load: () => import('./markdown.js') },
} as const satisfies Record<string, { description: string; load: () => Promise<{ reporter: Reporter }> }>;

export type FormatName = keyof typeof REPORTERS;
export const FORMAT_NAMES = Object.keys(REPORTERS) as FormatName[];

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(REPORTERS, name);
}

export async function loadReporter(format: FormatName): Promise<Reporter> {
  return (await REPORTERS[format].load()).reporter;
}
