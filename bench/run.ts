/**
 * `npm run bench`: runs every `bench/*.bench.ts` (each exports `run()` returning its figures) and
 * prints one JSON document. Performance targets live here, never in tests.
 * `npm run bench -- sim rabbitmq` runs only the named ones.
 */
import { readdir } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';

const only = process.argv.slice(2);
const directory = new URL('.', import.meta.url);
const names = (await readdir(directory))
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.slice(0, -'.bench.ts'.length))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

const results: Record<string, unknown> = {};
for (const name of names) {
  process.stderr.write(`bench: ${name}…\n`);
  try {
    const module = (await import(new URL(`${name}.bench.ts`, directory).href)) as { run(): Promise<Record<string, unknown>> };
    results[name] = await module.run();
  } catch (error) {
    results[name] = { error: error instanceof Error ? error.message : String(error) };
    process.exitCode = 1;
  }
}
const machine = { node: process.version, cpus: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown' };
process.stdout.write(`${JSON.stringify({ machine, results }, null, 2)}\n`);
