import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Outbox } from '../outbox.js';

let tempCounter = 0;

/** A local folder (the SFTP drop's stand-in). Files appear whole or not at all: temp file, then rename. */
export class FolderOutbox implements Outbox {
  private ready: Promise<unknown> | null = null;

  constructor(readonly directory: string) {}

  async write(fileName: string, content: string): Promise<void> {
    this.ready ??= mkdir(this.directory, { recursive: true });
    await this.ready;
    // Unique per writer, so two handlers resuming the same batch never share a temp file.
    const temp = join(this.directory, `.${fileName}.${process.pid}.${++tempCounter}.tmp`);
    try {
      await writeFile(temp, content, { flush: true });
      await rename(temp, join(this.directory, fileName));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async read(fileName: string): Promise<string | null> {
    try {
      return await readFile(join(this.directory, fileName), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.directory)).filter((name) => name.endsWith('.DAT')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}
