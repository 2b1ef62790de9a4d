/**
 * The fault suite: every network fault of fault.cases.ts against every command that makes network
 * calls, as real processes (the built CLIs) talking to a real faulty TCP peer in this process.
 * The contract: exit 2, one error line naming what failed, no stack trace, in bounded time.
 * Prints how many cases ran.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../support/rabbitmq-management.js';
import { makeWorkspace } from '../verifier/workspace.js';
import { FAULT_CASES, FAULTS, type Fault, type FaultCase } from './fault.cases.js';
import { expectOneLineFailure, ROOT, runCli } from './support.js';

/** The request timeout the commands run with here: short, so that each case takes seconds. */
const REQUEST_TIMEOUT_MS = 1_000;
/**
 * Each case ends in a few request timeouts (the SDK tries 3 times); the bound is generous because the
 * machine is shared and a process may take seconds to start: a hang still fails it.
 */
const BOUND_MS = 40_000;

let ran = 0;

/** A TCP peer that misbehaves as `fault` says. */
async function faultyPeer(fault: Exclude<Fault, 'nothing-listens'>): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (fault === 'close-at-once') {
      socket.end();
      return;
    }
    socket.once('data', () => {
      switch (fault) {
        case 'silent':
          break;
        case 'reset':
          socket.resetAndDestroy();
          break;
        case 'http-503':
          socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 11\r\nconnection: close\r\n\r\nunavailable');
          break;
        case 'slow-body':
          socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"items": [');
          break;
        case 'half-answer':
          socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"items": [');
          break;
        case 'not-http':
          socket.end('AMQP\u0000\u0000\u0009\u0001');
          break;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let workspace: Awaited<ReturnType<typeof makeWorkspace>>;
let scratch: string;
beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/cli/esr-export.js'))) throw new Error('the fault suite runs the built CLIs: run `npm run build` first');
  workspace = await makeWorkspace();
  scratch = await mkdtemp(join(tmpdir(), 'esr-fault-'));
});
afterAll(async () => {
  await workspace.cleanup();
  await rm(scratch, { recursive: true, force: true });
  process.stdout.write(`fault suite: ${ran} of ${FAULT_CASES.length} case(s) ran (${Object.keys(FAULTS).length} faults × 3 commands, request timeout ${REQUEST_TIMEOUT_MS} ms)\n`);
});

async function runAgainst(row: FaultCase, url: string, index: number) {
  const env = { ESR_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), AWS_ACCESS_KEY_ID: 'fault', AWS_SECRET_ACCESS_KEY: 'fault-secret' };
  const options = { env, deadlineMs: BOUND_MS + 5_000 };
  switch (row.target) {
    case 'policy-check rabbitmq-live': {
      const name = `fault-rabbit-${index}`;
      await writeFile(join(workspace.policies, 'environments', `${name}.yaml`), `name: ${name}\nrabbitmq: { managementUrl: "${url}", vhost: / }\nqueues:\n  export-commands: { name: esr.queue.appfilegenerationcommand }\n`);
      return runCli('policy-check', ['--policies', workspace.policies, '--env', name], { ...options, cwd: workspace.dir });
    }
    case 'policy-check sqs-live': {
      const name = `fault-sqs-${index}`;
      await writeFile(join(workspace.policies, 'environments', `${name}.yaml`), `name: ${name}\nsqs: { region: eu-west-2, endpoint: "${url}" }\nqueues:\n  export-commands: { name: esr-appfilegenerationcommand }\n`);
      return runCli('policy-check', ['--policies', workspace.policies, '--env', name], { ...options, cwd: workspace.dir });
    }
    case 'esr-export trigger --broker sqs':
      return runCli('esr-export', ['trigger', '--broker', 'sqs', '--endpoint', url, '--office', 'SEV', '--date', '2021-07-31', '--outbox', join(scratch, `out-${index}`)], { ...options, cwd: scratch });
  }
}

describe('fault suite: network faults end every command in bounded time with exit 2', () => {
  it.concurrent.each(FAULT_CASES.map((row, index) => [`${row.target} ← ${row.fault} (${FAULTS[row.fault]})`, row, index] as const))(
    '%s',
    { timeout: BOUND_MS + 10_000 },
    async (_, row, index) => {
      ran++;
      const peer = row.fault === 'nothing-listens' ? { port: await closedPort(), close: async () => undefined } : await faultyPeer(row.fault);
      try {
        const exit = await runAgainst(row, `http://127.0.0.1:${peer.port}`, index);
        expectOneLineFailure(exit, new RegExp(`^[\\w-]+: .*${row.message.source}`), BOUND_MS);
        expect(exit.stdout + exit.stderr).not.toContain('fault-secret');
      } finally {
        await peer.close();
      }
    },
  );
});
