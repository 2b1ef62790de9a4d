#!/usr/bin/env node
// FerretDB 1.24 for the tests: installed once into a cache outside the clone, started on 127.0.0.1
// over the machine's PostgreSQL (or FerretDB's SQLite backend when PostgreSQL is not there), and
// left running for the next run, which finds it and reuses it.
//
//   node scripts/ferretdb.mjs          ensure it runs; prints MONGODB_URI=… on stdout (progress on stderr)
//   node scripts/ferretdb.mjs stop     stop the one this script started
//
// Used by vitest's globalSetup (test/store/ferretdb-setup.ts) when MONGODB_URI is not set, and by .ci/run.
// Environment: ESR_FERRETDB_CACHE (default ~/.cache/esr-ferretdb), ESR_FERRETDB_PORT (default 27017,
// another free one when taken), GO (default go on PATH, else
// /usr/local/go/bin/go), ESR_FERRETDB_POSTGRESQL (default postgres://postgres@127.0.0.1:5432/ferretdb_esr).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';

export const FERRETDB_VERSION = '1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';
const DEFAULT_PORT = Number(process.env.ESR_FERRETDB_PORT ?? 27017);
/** How long a started FerretDB may take to answer. */
const START_TIMEOUT_MS = 30_000;

const cacheDir = process.env.ESR_FERRETDB_CACHE ?? join(homedir(), '.cache', 'esr-ferretdb');
const binary = join(cacheDir, `ferretdb-${FERRETDB_VERSION}`);
const stateFile = join(cacheDir, 'running.json');
const logFile = join(cacheDir, 'ferretdb.log');
const postgresUrl = process.env.ESR_FERRETDB_POSTGRESQL ?? 'postgres://postgres@127.0.0.1:5432/ferretdb_esr';

const say = (text) => process.stderr.write(`ferretdb: ${text}\n`);

function goCommand() {
  if (process.env.GO) return process.env.GO;
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0 ? 'go' : '/usr/local/go/bin/go';
}

/**
 * `go install …/cmd/ferretdb@v1.24.2` builds a binary that panics at start ("Invalid
 * build/version/version.txt"): the module ships without the version file its own build task
 * writes. So: download the module with go, write that file into a copy, build the copy.
 */
function install() {
  if (existsSync(binary)) return;
  mkdirSync(cacheDir, { recursive: true });
  const go = goCommand();
  say(`installing FerretDB v${FERRETDB_VERSION} into ${cacheDir} (once; about 2 minutes)`);
  const env = { ...process.env, GOFLAGS: '-mod=mod' };
  const { Dir } = JSON.parse(execFileSync(go, ['mod', 'download', '-json', `${MODULE}@v${FERRETDB_VERSION}`], { env, encoding: 'utf8' }));
  const work = mkdtempSync(join(tmpdir(), 'esr-ferretdb-build-'));
  try {
    const source = join(work, 'src');
    cpSync(Dir, source, { recursive: true });
    chmodRecursive(source);
    writeFileSync(join(source, 'build', 'version', 'version.txt'), `v${FERRETDB_VERSION}\n`);
    const temp = `${binary}.${process.pid}.tmp`;
    execFileSync(go, ['build', '-trimpath', '-o', temp, './cmd/ferretdb'], { cwd: source, env, stdio: ['ignore', 'ignore', 'inherit'] });
    renameSync(temp, binary); // atomic: a concurrent install of the same version is harmless
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The module cache is read-only; the copy must be writable to add the version file and to be removed. */
function chmodRecursive(dir) {
  execFileSync('chmod', ['-R', 'u+w', dir]);
}

/** `{ version }` when a FerretDB answers at this URI, `{ other }` when another server does, null when nothing answers. */
export async function identify(uri, timeoutMs = 1_500) {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    return typeof info.ferretdbVersion === 'string' ? { version: info.ferretdbVersion } : { other: `MongoDB ${info.version}` };
  } catch {
    return null;
  } finally {
    await client.close().catch(() => undefined);
  }
}

const uriFor = (port) => `mongodb://127.0.0.1:${port}/`;

function readState() {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    return null;
  }
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The backend: the machine's PostgreSQL (its database created if missing) when psql reaches it, else SQLite in the cache. */
function backend() {
  const url = new URL(postgresUrl);
  const database = url.pathname.slice(1);
  const admin = new URL(postgresUrl);
  admin.pathname = '/postgres';
  const exists = spawnSync('psql', [admin.href, '-Atc', `SELECT 1 FROM pg_database WHERE datname = '${database.replace(/'/g, "''")}'`], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (exists.status === 0) {
    if (exists.stdout.trim() !== '1') {
      const created = spawnSync('psql', [admin.href, '-qc', `CREATE DATABASE "${database.replace(/"/g, '""')}"`], { encoding: 'utf8', timeout: 10_000 });
      // A concurrent run may have created it first: only a failure that left no database is one.
      if (created.status !== 0 && !/already exists/.test(created.stderr)) throw new Error(`cannot create PostgreSQL database ${database}: ${created.stderr.trim()}`);
    }
    return { args: ['--handler=postgresql', `--postgresql-url=${postgresUrl}`], description: `PostgreSQL ${url.host}/${database}` };
  }
  const dir = join(cacheDir, 'sqlite-data');
  mkdirSync(dir, { recursive: true });
  return { args: ['--handler=sqlite', `--sqlite-url=file:${dir}/`], description: `SQLite in ${dir} (PostgreSQL not reachable: ${(exists.stderr || exists.error?.message || '').trim().split('\n')[0]})` };
}

async function waitForAnswer(uri, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  child.once('exit', (code, signal) => (exited = code ?? signal));
  while (Date.now() < deadline) {
    const found = await identify(uri, 500);
    if (found?.version) return found;
    if (exited !== null) return { exited };
    await sleep(200);
  }
  return null;
}

function logTail() {
  try {
    return readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}

/**
 * Makes sure a FerretDB answers and returns `{ uri, description }`. Reuses one already running
 * (the port this script last used, then 27017); otherwise installs if needed and starts one,
 * detached, for this and later runs. Throws, with the reason, when it cannot within bounded time.
 */
export async function ensureFerretDb() {
  const known = readState();
  for (const port of new Set([known?.port, DEFAULT_PORT].filter(Boolean))) {
    const found = await identify(uriFor(port));
    if (found?.version) return { uri: uriFor(port), description: `FerretDB ${found.version} already running on 127.0.0.1:${port}` };
  }
  const port = (await portIsFree(DEFAULT_PORT)) ? DEFAULT_PORT : await freePort();
  try {
    const started = await startFerretDb(port);
    writeFileSync(stateFile, JSON.stringify({ port, pid: started.pid }));
    return { uri: started.uri, description: started.description };
  } catch (error) {
    // Another run may have started one on this port at the same moment: ours then failed to bind.
    const other = await identify(uriFor(port));
    if (other?.version) return { uri: uriFor(port), description: `FerretDB ${other.version} on 127.0.0.1:${port} (started by a concurrent run)` };
    throw error;
  }
}

/**
 * Starts a new FerretDB on `port` (installing it first if needed), detached, and waits until it
 * answers: `{ uri, description, pid, stop() }`. For tests that need their own server, e.g. to kill
 * and restart it (start it again on the same port: the data lives in the backend).
 */
export async function startFerretDb(port) {
  install();
  const { args, description } = backend();
  mkdirSync(cacheDir, { recursive: true });
  const log = openSync(logFile, 'a');
  const child = spawn(
    binary,
    [`--listen-addr=127.0.0.1:${port}`, '--telemetry=disable', '--debug-addr=-', `--state-dir=${cacheDir}`, '--log-level=warn', ...args],
    { detached: true, stdio: ['ignore', log, log], env: { ...process.env, DO_NOT_TRACK: '1', FERRETDB_TELEMETRY: 'disable' } },
  );
  child.unref();
  const uri = uriFor(port);
  const answer = await waitForAnswer(uri, child, START_TIMEOUT_MS);
  if (answer?.version) {
    return {
      uri,
      description: `FerretDB ${answer.version} started on 127.0.0.1:${port} over ${description}`,
      pid: child.pid,
      stop: (signal = 'SIGTERM') => void child.kill(signal),
    };
  }
  if (answer === null) child.kill('SIGKILL');
  const why = answer === null ? `did not answer within ${START_TIMEOUT_MS} ms` : `exited (${answer.exited})`;
  throw new Error(`FerretDB ${why} on 127.0.0.1:${port}; log ${logFile}: ${logTail()}`);
}

/** Stops the FerretDB this script started (by the pid it recorded), if it still runs. */
export function stopFerretDb() {
  const known = readState();
  if (!known?.pid) return false;
  try {
    // A recycled pid is not ours: only a process running our binary is stopped.
    if (!readFileSync(`/proc/${known.pid}/cmdline`, 'utf8').startsWith(binary)) throw new Error('not ours');
    process.kill(known.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  rmSync(stateFile, { force: true });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'stop') {
    say(stopFerretDb() ? 'stopped' : 'none started by this script');
  } else {
    try {
      const { uri, description } = await ensureFerretDb();
      say(description);
      process.stdout.write(`MONGODB_URI=${uri}\n`);
    } catch (error) {
      say(error.message);
      process.exit(2);
    }
  }
}
