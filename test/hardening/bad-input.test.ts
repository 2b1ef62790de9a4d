/**
 * The bad-input suite: every row of bad-input.cases.ts, against the built CLIs (real processes: real
 * exit codes, real FIFOs, a real 150 MB file), the engine's handler, the local SQS endpoint and a fake
 * management API. The contract: exit 2, file:line where the input is a text file, one line, no stack
 * trace, bounded time. Prints how many cases ran.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsLocal, type SqsLocal } from '../../src/brokers/sqs-local/server.js';
import { fixedClock } from '../../src/engine/clock.js';
import { handleCommand } from '../../src/engine/handle-command.js';
import { MemoryOutbox } from '../../src/engine/outboxes/memory.js';
import { MemoryStore } from '../../src/store/memory.js';
import { makeWorkspace } from '../verifier/workspace.js';
import { API_CASES, BAD_INPUT_TABLE, BODY_CASES, FILE_CASES, HTTP_CASES, OPTION_CASES, type BadInputCase, type FileCase, type FileContent } from './bad-input.cases.js';
import { expectOneLineFailure, ROOT, runCli, runMain, type Exit } from './support.js';

/**
 * A bad input is refused in far less than this; the bound is generous because the machine is
 * shared (a real process may take seconds to start under load): a hang still fails it.
 */
const BOUND_MS = 30_000;

const ran = new Map<BadInputCase['kind'], number>();
const count = (row: BadInputCase) => ran.set(row.kind, (ran.get(row.kind) ?? 0) + 1);

let scratch: string;
beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/cli/policy-check.js'))) throw new Error('the bad-input suite runs the built CLIs: run `npm run build` first');
  scratch = await mkdtemp(join(tmpdir(), 'esr-bad-input-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  const total = [...ran.values()].reduce((sum, n) => sum + n, 0);
  process.stdout.write(`bad-input suite: ${total} of ${BAD_INPUT_TABLE.length} case(s) ran (${[...ran].map(([kind, n]) => `${kind} ${n}`).join(', ')})\n`);
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function place(path: string, content: FileContent): Promise<void> {
  if (typeof content === 'string') await writeFile(path, content);
  else if ('fifo' in content) execFileSync('mkfifo', [path]);
  else if ('folder' in content) await mkdir(path);
  else {
    await writeFile(path, '');
    await truncate(path, content.sparseBytes);
  }
}

/** Puts the hostile file where its kind is read from, runs the CLI that reads it; returns the file's path. */
async function runFileCase(row: FileCase, index: number): Promise<{ exit: Exit; file: string }> {
  const workspace = await makeWorkspace();
  const run = (bin: 'esr-sim' | 'policy-check', args: string[]) => (row.process ? runCli(bin, args, { cwd: workspace.dir, deadlineMs: BOUND_MS + 5_000 }) : runMain(bin, args, { cwd: workspace.dir }));
  try {
    const { policies, dir } = workspace;
    switch (row.kind) {
      case 'policy': {
        const file = join(policies, 'x.yaml');
        await place(file, row.content);
        return { exit: await run('policy-check', ['--policies', policies, '--env', 'before']), file };
      }
      case 'environment': {
        const file = join(policies, 'environments', 'hostile.yaml');
        await place(file, row.content);
        return { exit: await run('policy-check', ['--policies', policies, '--env', 'hostile']), file };
      }
      case 'scenario': {
        const file = join(dir, `hostile-${index}.yaml`);
        await place(file, row.content);
        return { exit: await run('esr-sim', ['replay', file]), file };
      }
      case 'config': {
        const file = join(dir, 'policy-check.yaml');
        await place(file, row.content);
        return { exit: await run('policy-check', ['--config', file]), file };
      }
    }
  } finally {
    await workspace.cleanup();
  }
}

describe('bad-input suite: YAML files (policies, environments, scenarios, config)', () => {
  it.each(FILE_CASES.map((row, index) => [`${row.kind}: ${row.name}${row.process ? ' (process)' : ''}`, row, index] as const))('%s', async (_, row, index) => {
    count(row);
    const { exit, file } = await runFileCase(row, index);
    const where = row.line ? ':\\d+(:\\d+)?' : '(:\\d+(:\\d+)?)?';
    expectOneLineFailure(exit, new RegExp(`^[\\w-]+: ${escape(row.reportedFile ?? file)}${where}: .*${row.message.source}`), BOUND_MS);
  });
});

describe('bad-input suite: CLI options', () => {
  it.each(OPTION_CASES.map((row) => [`${row.name}${row.process ? ' (process)' : ''}`, row] as const))('%s', async (_, row) => {
    count(row);
    const cwd = row.bin === 'esr-export' ? await mkdtemp(join(scratch, 'cli-')) : ROOT;
    const exit = row.process ? await runCli(row.bin, row.args, { cwd, env: row.env, deadlineMs: BOUND_MS + 5_000 }) : await runMain(row.bin, row.args, { cwd, env: row.env });
    expectOneLineFailure(exit, new RegExp(`^[\\w-]+: .*${row.message.source}`), BOUND_MS);
  });
});

describe('bad-input suite: command bodies (the handler decides, never crashes)', () => {
  it.each(BODY_CASES.map((row) => [row.name, row] as const))('%s', async (_, row) => {
    count(row);
    const deps = { store: new MemoryStore(), outbox: new MemoryOutbox(), clock: fixedClock(0), counterStrategy: 'atomic' as const };
    const started = performance.now();
    const outcome = await handleCommand(deps, row.body);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(outcome.kind).toBe('invalid');
    const reason = (outcome as { reason: string }).reason;
    expect(reason).toMatch(/^invalid export command/);
    for (const control of ['\n', '\r', '\u001b']) expect(reason).not.toContain(control);
    expect(reason.length).toBeLessThan(2_000);
    expect(deps.outbox.files.size).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('bad-input suite: HTTP requests to the local SQS endpoint', () => {
  let local: SqsLocal;
  beforeAll(async () => {
    local = await startSqsLocal();
  });
  afterAll(async () => {
    await local.close();
  });

  it.each(HTTP_CASES.map((row) => [row.name, row] as const))('%s', async (_, row) => {
    count(row);
    const method = row.method ?? 'POST';
    const answer = await fetch(`${local.endpoint}/`, {
      method,
      headers: { 'content-type': 'application/x-amz-json-1.0', ...(row.target === null ? {} : { 'x-amz-target': row.target }) },
      ...(method === 'GET' ? {} : { body: row.body }),
      signal: AbortSignal.timeout(BOUND_MS),
    });
    const body = (await answer.json()) as Record<string, unknown>;
    expect(answer.status, JSON.stringify(body)).toBe(400);
    expect(Object.keys(body).sort()).toEqual(['__type', 'message']);
    expect(body.__type).toBe(`com.amazonaws.sqs#${row.type}`);
  });
});

describe('bad-input suite: broker API responses (a fake management API answering garbage)', () => {
  let server: Server;
  let answer: (path: string) => { status: number; body: string; contentType?: string } = () => ({ status: 500, body: '' });
  let workspace: Awaited<ReturnType<typeof makeWorkspace>>;
  beforeAll(async () => {
    server = createServer((request, response) => {
      const { status, body, contentType } = answer(request.url ?? '/');
      response.writeHead(status, { 'content-type': contentType ?? 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    workspace = await makeWorkspace();
    const { port } = server.address() as AddressInfo;
    await writeFile(
      join(workspace.policies, 'environments', 'fake.yaml'),
      `name: fake\nrabbitmq: { managementUrl: "http://127.0.0.1:${port}", vhost: / }\nqueues:\n  export-commands: { name: esr.queue.appfilegenerationcommand }\n`,
    );
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await workspace.cleanup();
  });

  // One server, one answer at a time: these run in order.
  it.each(API_CASES.map((row) => [row.name, row] as const))('%s', async (_, row) => {
    count(row);
    answer = row.answer;
    const exit = await runMain('policy-check', ['--policies', workspace.policies, '--env', 'fake'], { cwd: workspace.dir });
    const message = row.message.source.startsWith('^') ? row.message.source.slice(1) : `.*${row.message.source}`;
    expectOneLineFailure(exit, new RegExp(`^policy-check: ${message}`), BOUND_MS);
  });
});
