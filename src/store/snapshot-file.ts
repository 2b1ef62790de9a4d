import { readFile, rename, writeFile } from 'node:fs/promises';
import { MemoryStore, type MemorySnapshot } from './memory.js';

/**
 * The in-memory store kept in a JSON file between commands, so `seed`, `schedule` and `audit`
 * can be run one after another without MongoDB. One writer at a time; for local use only.
 */
export async function loadStateFile(file: string): Promise<MemoryStore> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new MemoryStore();
    throw error;
  }
  return MemoryStore.fromSnapshot(JSON.parse(text) as MemorySnapshot);
}

export async function saveStateFile(store: MemoryStore, file: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(store.snapshot()));
  await rename(temp, file);
}
