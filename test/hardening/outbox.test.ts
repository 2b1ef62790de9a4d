/**
 * Issue 13 rows 1, 3 and 12: the folder outbox against a hostile neighbour (planted symlinks), a real
 * read-only and a real full file system (tmpfs mounts), and a writer killed with SIGKILL mid-write.
 */
import { spawn } from 'node:child_process';
import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBroker } from '../../src/brokers/memory.js';
import { parseEsrFile } from '../../src/domain/esr-file.js';
import { generateRecords } from '../../src/domain/synthetic.js';
import { systemClock } from '../../src/engine/clock.js';
import { OutboxError } from '../../src/engine/outbox.js';
import { FolderOutbox } from '../../src/engine/outboxes/folder.js';
import type { Outcome } from '../../src/engine/outcome.js';
import { runExports } from '../../src/engine/run-exports.js';
import { MemoryStore } from '../../src/store/memory.js';
import { CAN_MOUNT, expectOneLineFailure, mountTmpfs, ROOT, runCli } from './support.js';

const FILE = 'DE_SEV_APP_20210731_00000001.DAT';
const NEEDS_MOUNT = '(needs root or passwordless sudo: mount -t tmpfs)';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'esr-outbox-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function folder(name: string): Promise<string> {
  const path = join(dir, name);
  await rm(path, { recursive: true, force: true });
  return path;
}

async function tempsIn(path: string): Promise<string[]> {
  return (await readdir(path)).filter((name) => name.endsWith('.tmp'));
}

describe('row 1: a planted symlink never redirects a write', () => {
  it('leaves the victim untouched and publishes a regular file, whatever was planted at the old temp names and the final name', async () => {
    const out = await folder('symlink');
    const victim = join(dir, 'victim');
    await writeFile(victim, 'precious\n');
    const outbox = new FolderOutbox(out);
    await outbox.prepare();
    // The names the old writer used (`.<name>.<pid>.<n>.tmp`) and the published name itself, all pointing at the victim.
    for (let n = 1; n <= 20; n++) await symlink(victim, join(out, `.${FILE}.${process.pid}.${n}.tmp`));
    await symlink(victim, join(out, FILE));

    await outbox.write(FILE, 'the export\n');

    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    const published = await lstat(join(out, FILE));
    expect(published.isSymbolicLink()).toBe(false);
    expect(published.isFile()).toBe(true);
    expect(await readFile(join(out, FILE), 'utf8')).toBe('the export\n');
  });

  it('lists and reads only regular .DAT files (a symlinked .DAT is neither listed nor followed)', async () => {
    const out = await folder('symlink-read');
    const outbox = new FolderOutbox(out);
    await outbox.write(FILE, 'mine\n');
    await symlink('/etc/passwd', join(out, 'DE_EMD_APP_20210731_00000002.DAT'));
    expect(await outbox.list()).toEqual([FILE]);
    await expect(outbox.read('DE_EMD_APP_20210731_00000002.DAT')).rejects.toThrow(/ELOOP/);
  });

  it('refuses a file name that is not a plain name', async () => {
    const outbox = new FolderOutbox(await folder('names'));
    for (const name of ['../escape.DAT', '.hidden.DAT', 'a/b.DAT']) await expect(outbox.write(name, 'x')).rejects.toBeInstanceOf(OutboxError);
  });
});

describe('row 12: temp files of a writer killed mid-write are removed at the next start', () => {
  it('SIGKILL during large writes, then prepare(): no temp file of a dead writer is left; a live writer\'s stays', async () => {
    const out = await folder('killed');
    // A child that writes 4 MB files in a loop; killed once it has started.
    const script = `
      import { FolderOutbox } from ${JSON.stringify(join(ROOT, 'src/engine/outboxes/folder.ts'))};
      const outbox = new FolderOutbox(${JSON.stringify(out)});
      await outbox.prepare();
      process.stdout.write('ready\\n');
      const body = 'x'.repeat(4 * 1024 * 1024);
      for (let n = 1; ; n++) await outbox.write('DE_SEV_APP_20210731_' + String(n).padStart(8, '0') + '.DAT', body);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    const deadPid = child.pid!;
    // Whether or not the kill landed inside a write, a dead writer's leftover is certain to exist with this one.
    await writeFile(join(out, `.${FILE}.${deadPid}.0123456789abcdef.tmp`), 'half a fi');
    // pid 1 is alive: its temp file may be a write in progress and must survive.
    const live = `.${FILE}.1.fedcba9876543210.tmp`;
    await writeFile(join(out, live), 'in progress');
    const before = await tempsIn(out);
    expect(before.length).toBeGreaterThanOrEqual(2);

    await new FolderOutbox(out).prepare();

    expect(await tempsIn(out)).toEqual([live]);
    const published = (await readdir(out)).filter((name) => name.endsWith('.DAT'));
    expect(published.length).toBeGreaterThan(0);
    for (const name of published) expect((await lstat(join(out, name))).size).toBe(4 * 1024 * 1024);
  });
});

describe.skipIf(!CAN_MOUNT)(`row 3: outbox write errors are typed, logged and in the DLQ reason ${CAN_MOUNT ? '' : NEEDS_MOUNT}`, () => {
  it('a read-only outbox fails prepare() with EROFS, not retryable', async () => {
    const mount = mountTmpfs('ro');
    try {
      const error = await new FolderOutbox(mount.dir).prepare().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutboxError);
      expect(error).toMatchObject({ code: 'EROFS', retryable: false, exitCode: 2 });
      expect((error as Error).message).toMatch(/read-only file system/);
    } finally {
      mount.dispose();
    }
  });

  it('esr-export run and trigger on a read-only outbox: exit 2 at once, one line naming the folder and EROFS (not exit 0 "0 file(s) written")', async () => {
    const mount = mountTmpfs('ro');
    try {
      const line = new RegExp(`^error: outbox ${mount.dir}: cannot be used \\(EROFS: read-only file system\\)$`);
      for (const args of [['run', '--until-idle', '100'], ['trigger', '--office', 'SEV', '--date', '2021-07-31']]) {
        const exit = await runCli('esr-export', [...args, '--outbox', mount.dir], { cwd: dir, deadlineMs: 40_000 });
        expectOneLineFailure({ ...exit, stderr: exit.stderr.replace(/^consuming from .*\n/m, '') }, line, 30_000);
        expect(exit.stdout).not.toMatch(/file\(s\) written/);
      }
    } finally {
      mount.dispose();
    }
  });

  it('an outbox that turns read-only mid-run: commands are dead-lettered with the cause, records stay TO_EXPORT, the log says why', async () => {
    const mount = mountTmpfs('size=1m');
    try {
      const outbox = new FolderOutbox(mount.dir);
      await outbox.prepare();
      mount.remount('ro');
      const store = new MemoryStore();
      await store.insertRecords(generateRecords({ seed: 3, appPerOffice: 5, dncPerOffice: 0, startFrom: '2021-08-01', startTo: '2021-08-20' }));
      const broker = new MemoryBroker({ mode: 'budget', maxDeliveries: 5, delayMs: 1 }, systemClock);
      await broker.publish({ commandId: 'c-sev', type: 'APP', localOffice: 'SEV', runDate: '2021-07-31', correlationId: 'k-sev' });
      const logged: string[] = [];
      const log = { log: (level: string, message: string, fields?: object) => void logged.push(`${level} ${message} ${JSON.stringify(fields)}`), child: () => log };
      const outcomes: Outcome[] = [];
      const summary = await runExports(broker, { store, outbox, log, clock: systemClock }, { stopWhenIdleMs: 50, onOutcome: (o) => outcomes.push(o) });

      expect(summary.files).toEqual([]);
      expect(outcomes).toEqual([expect.objectContaining({ kind: 'outbox-failed', code: 'EROFS', retryable: false })]);
      const dead = await broker.deadLetters.list();
      expect(dead.map((d) => d.messageId)).toEqual(['c-sev']);
      expect(dead[0]!.reason).toMatch(/outbox-failed: outbox .+: cannot write DE_SEV_APP_20210731_\d{8}\.DAT \(EROFS: read-only file system\)/);
      expect(logged.some((line) => /^error outbox write failed .*EROFS/.test(line))).toBe(true);
      expect((await store.findRecords({ office: 'SEV' })).every((r) => r.status === 'TO_EXPORT')).toBe(true);
    } finally {
      mount.dispose();
    }
  });

  it('a full outbox (ENOSPC) is retryable and leaves no temp file; after space is freed the retry publishes the whole file', async () => {
    const mount = mountTmpfs('size=64k');
    try {
      const outbox = new FolderOutbox(mount.dir);
      const big = 'R'.repeat(200 * 1024);
      const error = await outbox.write(FILE, big).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ENOSPC', retryable: true });
      expect(await tempsIn(mount.dir)).toEqual([]);
      expect(await outbox.list()).toEqual([]);
      mount.remount('size=1m');
      await outbox.write(FILE, big);
      expect(await readFile(join(mount.dir, FILE), 'utf8')).toBe(big);
    } finally {
      mount.dispose();
    }
  });

  it('end to end: a run whose files land in a full outbox exports them once space is freed', async () => {
    const mount = mountTmpfs('size=16k');
    try {
      const outbox = new FolderOutbox(mount.dir);
      const store = new MemoryStore();
      await store.insertRecords(generateRecords({ seed: 4, appPerOffice: 400, dncPerOffice: 0, startFrom: '2021-08-01', startTo: '2021-08-20' }));
      const broker = new MemoryBroker({ mode: 'budget', maxDeliveries: 50, delayMs: 20 }, systemClock);
      await broker.publish({ commandId: 'c-emd', type: 'APP', localOffice: 'EMD', runDate: '2021-07-31', correlationId: 'k-emd' });
      const outcomes: Outcome[] = [];
      const running = runExports(broker, { store, outbox, clock: systemClock }, { stopWhenIdleMs: 300, onOutcome: (o) => outcomes.push(o) });
      while (!outcomes.some((o) => o.kind === 'outbox-failed')) await new Promise((resolve) => setTimeout(resolve, 5));
      mount.remount('size=4m');
      const summary = await running;
      expect(outcomes[0]).toMatchObject({ kind: 'outbox-failed', code: 'ENOSPC', retryable: true });
      expect(summary.files).toHaveLength(1);
      const text = await readFile(join(mount.dir, summary.files[0]!), 'utf8');
      expect(parseEsrFile(text, summary.files[0]!).records.length).toBe((await store.findRecords({ office: 'EMD', status: 'EXPORTED' })).length);
      expect(await broker.deadLetters.list()).toEqual([]);
    } finally {
      mount.dispose();
    }
  });
});
