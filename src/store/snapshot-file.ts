import { readFile, rename, writeFile } from 'node:fs/promises';
import { InputError, parseValidatedYaml } from '../config/validated-yaml.js';
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
  try {
    JSON.parse(text);
  } catch (error) {
    throw new InputError(file, null, null, `not a state file: invalid JSON (${(error as Error).message})`, { cause: error });
  }
  // JSON is YAML: the shared loader names the line and column where a foreign file goes wrong.
  return MemoryStore.fromSnapshot(parseValidatedYaml<MemorySnapshot>(text, file, snapshotSchema));
}

/** An object that has at least these keys (ajv's strict mode wants each one declared). */
function outline(keys: string[]): object {
  return { type: 'object', required: keys, properties: Object.fromEntries(keys.map((key) => [key, {}])) };
}

/** The outline of a state file: enough to refuse a damaged or foreign one instead of crashing on it. */
const snapshotSchema = {
  type: 'object',
  required: ['records', 'batches', 'counters'],
  additionalProperties: false,
  properties: {
    records: { type: 'array', items: outline(['id', 'type', 'office', 'startDate', 'status', 'batchKey']) },
    batches: { type: 'array', items: outline(['key', 'type', 'office', 'state', 'sequence', 'recordIds']) },
    counters: {
      type: 'object',
      additionalProperties: { type: 'object', required: ['value', 'version'], properties: { value: { type: 'integer' }, version: { type: 'integer' } } },
    },
  },
};

export async function saveStateFile(store: MemoryStore, file: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(store.snapshot()));
  await rename(temp, file);
}
