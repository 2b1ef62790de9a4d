/**
 * The one way the toolkit reads a file a user named: a regular file (not a FIFO, device or folder,
 * which would hang or read forever), under a size cap, as UTF-8. Every failure is an `InputError`
 * naming the file and what was expected.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError } from './input-error.js';

/** Policies, environments, scenarios, exports and plans are far below this; a larger file is a mistake. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export async function readInputFile(path: string, maxBytes: number = MAX_INPUT_BYTES): Promise<string> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not block; the regular-file check below rejects it.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const detail = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : `cannot open (${code ?? 'error'})`;
    throw new InputError(path, null, null, detail, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new InputError(path, null, null, 'expected a file, found a folder');
    if (!stats.isFile()) throw new InputError(path, null, null, 'expected a regular file (not a FIFO, socket or device)');
    if (stats.size > maxBytes) {
      throw new InputError(path, null, null, `file is ${stats.size} bytes; the limit is ${maxBytes} bytes`);
    }
    const bytes = await handle.readFile();
    if (bytes.length > maxBytes) throw new InputError(path, null, null, `file grew past the limit of ${maxBytes} bytes while being read`);
    return bytes.toString('utf8');
  } finally {
    await handle.close();
  }
}
