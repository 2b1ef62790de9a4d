import type { Outbox } from '../outbox.js';

export class MemoryOutbox implements Outbox {
  readonly files = new Map<string, string>();

  async write(fileName: string, content: string): Promise<void> {
    this.files.set(fileName, content);
  }

  async read(fileName: string): Promise<string | null> {
    return this.files.get(fileName) ?? null;
  }

  async list(): Promise<string[]> {
    return [...this.files.keys()].sort();
  }
}
