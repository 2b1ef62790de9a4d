/**
 * Render and parse throughput of the ESR file module: 100,000 generated records per file type,
 * median of 5 runs each. Target: render >= 1,000,000 records/s on one core. Figures are given per
 * wall-clock second and per CPU second of this process: on a shared, busy machine the second is
 * the fairer measure of "one core".
 */
import { parseEsrFile, renderEsrFile, type EsrFile } from '../src/domain/esr-file.js';
import type { FileType } from '../src/domain/records.js';
import { generateRecords } from '../src/domain/synthetic.js';
import { cpuUsage } from 'node:process';
import { performance } from 'node:perf_hooks';
import { median, round } from './stats.js';

const RECORDS = 100_000;
const RUNS = 5;
const RENDER_TARGET_PER_SECOND = 1_000_000;

/** Median wall and CPU milliseconds of `runs` calls. */
function timed(runs: number, fn: () => unknown): { wallMs: number; cpuMs: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpuStart = cpuUsage();
    const start = performance.now();
    fn();
    wall.push(performance.now() - start);
    const used = cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

function measure(type: FileType): Record<string, number | boolean> {
  const records = generateRecords({
    seed: 1,
    offices: ['LDN'],
    appPerOffice: type === 'APP' ? RECORDS : 0,
    dncPerOffice: type === 'DNC' ? RECORDS : 0,
    startFrom: '2021-08-02',
    startTo: '2021-10-29',
  });
  const file: EsrFile = { type, office: 'LDN', runDate: '2021-07-31', sequence: 1, createdAt: Date.UTC(2021, 6, 31, 14), records };
  const text = renderEsrFile(file); // warm-up, and the text parse reads
  const megabytes = Buffer.byteLength(text, 'utf8') / 1e6;
  const render = timed(RUNS, () => renderEsrFile(file));
  const parse = timed(RUNS, () => parseEsrFile(text));
  const perSecond = (ms: number) => Math.round((RECORDS / ms) * 1000);
  const mbPerSecond = (ms: number) => round((megabytes / ms) * 1000);
  return {
    records: RECORDS,
    bytesPerRecord: round((megabytes * 1e6) / RECORDS),
    renderMs: round(render.wallMs),
    renderRecordsPerSecond: perSecond(render.wallMs),
    renderMBPerSecond: mbPerSecond(render.wallMs),
    renderRecordsPerCpuSecond: perSecond(render.cpuMs),
    parseMs: round(parse.wallMs),
    parseRecordsPerSecond: perSecond(parse.wallMs),
    parseMBPerSecond: mbPerSecond(parse.wallMs),
    parseRecordsPerCpuSecond: perSecond(parse.cpuMs),
    renderTargetMet: perSecond(render.wallMs) >= RENDER_TARGET_PER_SECOND,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  return { renderTargetPerSecond: RENDER_TARGET_PER_SECOND, runs: RUNS, APP: measure('APP'), DNC: measure('DNC') };
}
