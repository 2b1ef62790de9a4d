import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { OutboxError, type Outbox } from '../outbox.js';

/**
 * A temp file is `.<file name>.<pid>.<random>.tmp`: the pid says whose it is (so a restart can tell
 * a dead writer's leftovers from a live neighbour's), the random part makes the name unguessable.
 */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/;
/** Exclusive create never follows a symlink (O_EXCL), and O_NOFOLLOW says so twice. */
const CREATE_EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const TEMP_ATTEMPTS = 5;

function errnoOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

/** `EROFS: read-only file system, open '/x/y'` → `EROFS: read-only file system` (the path is named already). */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split(', ')[0] ?? message;
}

function tempNameFor(fileName: string): string {
  return `.${fileName}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`;
}

/** True when no process of that id runs: its temp files can never be finished. */
function isDead(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return errnoOf(error) === 'ESRCH';
  }
}

/**
 * A local folder (the SFTP drop's stand-in). Files appear whole or not at all: an exclusive,
 * unguessable temp file (a planted symlink can never redirect the write), fsync'd, renamed over the
 * final name (which replaces a planted symlink there instead of following it), then the folder
 * fsync'd so that the rename survives a power cut.
 */
export class FolderOutbox implements Outbox {
  private ready: Promise<void> | null = null;

  constructor(readonly directory: string) {}

  /**
   * Creates the folder, removes temp files left by writers that died (this process's own pid
   * included: it has written nothing yet), and proves the folder writable. Called once; `write`
   * calls it too. Throws `OutboxError`.
   */
  prepare(): Promise<void> {
    this.ready ??= this.open().catch((error: unknown) => {
      this.ready = null;
      throw this.failure('cannot be used', error);
    });
    return this.ready;
  }

  private async open(): Promise<void> {
    await mkdir(this.directory, { recursive: true }).catch((error: unknown) => {
      // mkdir -p on an existing file (e.g. /dev/null) says EEXIST, which would read as "nothing wrong".
      throw errnoOf(error) === 'EEXIST' ? Object.assign(new Error('ENOTDIR: exists and is not a folder'), { code: 'ENOTDIR' }) : error;
    });
    for (const name of await readdir(this.directory)) {
      const pid = TEMP_NAME.exec(name)?.[1];
      if (pid !== undefined && (Number(pid) === process.pid || isDead(Number(pid)))) {
        await rm(join(this.directory, name), { force: true });
      }
    }
    const probe = await this.createTemp('.probe');
    await probe.handle.close();
    await rm(probe.path);
  }

  async write(fileName: string, content: string): Promise<void> {
    if (fileName.includes('/') || fileName.startsWith('.')) throw new OutboxError(this.directory, 'EINVAL', `'${fileName}' is not a plain file name`);
    await this.prepare();
    let temp: string | null = null;
    try {
      const created = await this.createTemp(fileName);
      temp = created.path;
      try {
        await created.handle.writeFile(content, 'utf8');
        await created.handle.sync();
      } finally {
        await created.handle.close();
      }
      await rename(temp, join(this.directory, fileName));
      temp = null;
      await this.syncDirectory();
    } catch (error) {
      if (temp !== null) await rm(temp, { force: true }).catch(() => undefined);
      throw this.failure(`cannot write ${fileName}`, error);
    }
  }

  async read(fileName: string): Promise<string | null> {
    try {
      return await readFile(join(this.directory, fileName), { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW });
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return null;
      throw this.failure(`cannot read ${fileName}`, error);
    }
  }

  /** The published files: regular `.DAT` files only (never a symlink or folder someone put there). */
  async list(): Promise<string[]> {
    try {
      const entries = await readdir(this.directory, { withFileTypes: true });
      return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.DAT')).map((entry) => entry.name).sort();
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return [];
      throw this.failure('cannot be listed', error);
    }
  }

  private async createTemp(fileName: string): Promise<{ handle: FileHandle; path: string }> {
    for (let attempt = 1; ; attempt++) {
      const path = join(this.directory, tempNameFor(fileName));
      try {
        return { handle: await open(path, CREATE_EXCLUSIVE, 0o644), path };
      } catch (error) {
        // Only someone planting files at random names collides; give up after a few.
        if (errnoOf(error) !== 'EEXIST' || attempt === TEMP_ATTEMPTS) throw error;
      }
    }
  }

  private async syncDirectory(): Promise<void> {
    const handle = await open(this.directory, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private failure(what: string, error: unknown): OutboxError {
    if (error instanceof OutboxError) return error;
    return new OutboxError(this.directory, errnoOf(error), `${what} (${reasonOf(error)})`, { cause: error });
  }
}
