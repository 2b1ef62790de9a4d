import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Io } from '../../src/cli/policy-check.js';

/** A RabbitMQ definitions export of the ESR queues, with or without the 2021 retry policy. */
export function definitions(withRetryPolicy: boolean): object {
  const queue = (name: string, type?: string) => ({ name, vhost: '/', durable: true, auto_delete: false, arguments: type ? { 'x-queue-type': type } : {} });
  return {
    rabbit_version: '3.10.8',
    vhosts: [{ name: '/' }],
    queues: [queue('esr.queue.appfilegenerationcommand', 'quorum'), queue('esr.queue.apprecord.created.dataexporter', 'quorum'), queue('esr.dlq')],
    exchanges: [{ name: 'esr.dlx', vhost: '/', type: 'fanout', durable: true, auto_delete: false, internal: false, arguments: {} }],
    bindings: [{ source: 'esr.dlx', vhost: '/', destination: 'esr.dlq', destination_type: 'queue', routing_key: '', arguments: {} }],
    policies: withRetryPolicy
      ? [{ vhost: '/', name: 'esr-retry', pattern: '^esr\\.queue\\.', 'apply-to': 'queues', priority: 1, definition: { 'delivery-limit': 20, 'dead-letter-exchange': 'esr.dlx' } }]
      : [],
  };
}

const BINDINGS = `queues:
  export-commands:
    name: esr.queue.appfilegenerationcommand
    consumerConfig: ../consumers/esr-data-exporter.yml
  apprecord-created:
    name: esr.queue.apprecord.created.dataexporter
    consumerConfig: ../consumers/esr-data-exporter.yml
  dead-letters:
    name: esr.dlq
`;

/**
 * A temporary copy of the shipped policies with file-based environments: `before` (the legacy
 * broker's definitions, retry policy present) and `after` (the new broker's, policy lost).
 */
export async function makeWorkspace(): Promise<{ dir: string; policies: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'policy-check-'));
  const policies = join(dir, 'policies');
  await mkdir(join(policies, 'environments'), { recursive: true });
  for (const entry of await readdir('policies')) if (entry.endsWith('.yaml')) await cp(join('policies', entry), join(policies, entry));
  await cp('policies/consumers', join(policies, 'consumers'), { recursive: true });
  await writeFile(join(dir, 'before.json'), JSON.stringify(definitions(true)));
  await writeFile(join(dir, 'after.json'), JSON.stringify(definitions(false)));
  await writeFile(join(policies, 'environments', 'before.yaml'), `name: before\nfiles: [../../before.json]\n${BINDINGS}`);
  await writeFile(join(policies, 'environments', 'after.yaml'), `name: after\nfiles: [../../after.json]\n${BINDINGS}`);
  await writeFile(join(policies, 'environments', 'bare.yaml'), `name: bare\n${BINDINGS}`);
  return { dir, policies, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface Captured {
  io: Io;
  stdout: () => string;
  stderr: () => string;
}

export function capture(environ: Record<string, string | undefined> = {}, options: { isTTY?: boolean; today?: string } = {}): Captured {
  let out = '';
  let err = '';
  return {
    io: {
      out: (text) => void (out += text),
      err: (text) => void (err += text),
      environ,
      isTTY: options.isTTY ?? false,
      today: () => options.today ?? '2026-11-27',
    },
    stdout: () => out,
    stderr: () => err,
  };
}
