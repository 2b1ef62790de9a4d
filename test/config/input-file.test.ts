import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_BYTES, readInputFile } from '../../src/config/input-file.js';
import { InputError, readValidatedYaml } from '../../src/config/validated-yaml.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'esr-input-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failureOf(read: Promise<unknown>): Promise<InputError> {
  const error = await read.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).exitCode).toBe(2);
  return error as InputError;
}

describe('readInputFile / readValidatedYaml: only regular files under the cap (issue 13 row 8)', () => {
  it('a FIFO with no writer is refused at once, never read (it would block forever)', async () => {
    const fifo = join(dir, 'x.yaml');
    execFileSync('mkfifo', [fifo]);
    const started = performance.now();
    const error = await failureOf(readValidatedYaml(fifo, {}));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(error.message).toBe(`${fifo}: expected a regular file (not a FIFO, socket or device)`);
  });

  it('a file over the cap is refused from its size, before it is read (a sparse 150 MB file)', async () => {
    const big = join(dir, 'big.yaml');
    await writeFile(big, '');
    await truncate(big, 150 * 1024 * 1024);
    const error = await failureOf(readValidatedYaml(big, {}));
    expect(error.message).toBe(`${big}: file is ${150 * 1024 * 1024} bytes; the limit is ${MAX_INPUT_BYTES} bytes`);
  });

  it('a folder, a device and a missing file each say what they are', async () => {
    expect((await failureOf(readInputFile(dir))).message).toMatch(/expected a file, found a folder$/);
    expect((await failureOf(readInputFile('/dev/zero'))).message).toMatch(/expected a regular file/);
    expect((await failureOf(readInputFile(join(dir, 'absent.yaml')))).message).toMatch(/absent\.yaml: file not found$/);
  });
});
