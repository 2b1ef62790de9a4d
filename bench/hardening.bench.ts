import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInputFile } from '../src/config/input-file.js';
import { rabbitmqLiveSource } from '../src/sources/rabbitmq-live.js';
import { BAD_INPUT_TABLE } from '../test/hardening/bad-input.cases.js';
import { FAULT_CASES } from '../test/hardening/fault.cases.js';
import { medianMs, round } from './stats.js';

/**
 * The hardening suites' size (read from their case tables: test/hardening/*.cases.ts) and two
 * figures of how fast bad input fails: refusing a 150 MB policy file (it used to run V8 out of
 * memory), and giving up on a management API that accepts and never answers, against the request
 * timeout it was given. Medians of 5 runs.
 */
const RUNS = 5;
const SILENT_TIMEOUT_MS = 500;

function countBy<T>(rows: readonly T[], key: (row: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[key(row)] = (counts[key(row)] ?? 0) + 1;
  return counts;
}

async function refuseHugeFileMs(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'esr-bench-hardening-'));
  try {
    const file = join(dir, 'huge.yaml');
    await writeFile(file, '');
    await truncate(file, 150 * 1024 * 1024);
    return await medianMs(RUNS, () => readInputFile(file).catch(() => undefined));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function silentPeerMs(): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    const source = rabbitmqLiveSource({ managementUrl: `http://127.0.0.1:${port}`, vhost: '/', username: 'guest', password: 'guest', timeoutMs: SILENT_TIMEOUT_MS });
    return await medianMs(RUNS, () => source.load().catch(() => undefined));
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const silentMs = await silentPeerMs();
  return {
    badInputCases: BAD_INPUT_TABLE.length,
    badInputCasesByKind: countBy(BAD_INPUT_TABLE, (row) => row.kind),
    faultCases: FAULT_CASES.length,
    faultCasesByFault: countBy(FAULT_CASES, (row) => row.fault),
    refuse150MbPolicyMedianMs: round(await refuseHugeFileMs(), 2),
    silentManagementApi: { requestTimeoutMs: SILENT_TIMEOUT_MS, gaveUpAfterMedianMs: round(silentMs), ratioToTimeout: round(silentMs / SILENT_TIMEOUT_MS, 2) },
  };
}
