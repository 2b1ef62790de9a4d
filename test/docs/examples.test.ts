/**
 * Every shell example in README.md and docs/*.md is run, as a reader would type it, and must do
 * what its text says: an exit code its comment names (`exit 1`, `exit 2`; else 0) and never a
 * stack trace. Each ```sh block runs in order in its own empty folder (the shipped policies and
 * scenarios resolve from the package, as for an installed user; `test/` and `scripts/` are linked).
 * Markers in the comment say how a line is run:
 *   `runs until stopped`  a daemon: still running after a few seconds, no stack trace, then SIGTERM;
 *   `needs AWS`           run against local stand-ins instead (printed): the `aws` and `legacy`
 *                          environments read definitions exports of the same topology, without and
 *                          with the 2021 retry policy.
 * The two quickstart lines (`npm ci && …`) are run by .ci/run on a fresh clone; here it is checked
 * that .ci/run still finds them.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definitions } from '../verifier/workspace.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const COMMAND_TIMEOUT_MS = 180_000;

export interface Example {
  file: string;
  line: number;
  command: string;
  comment: string;
}

/** The ```sh blocks of a Markdown text: one example per non-empty line, its `# comment` split off. */
export function shellBlocks(text: string, file: string): Example[][] {
  const blocks: Example[][] = [];
  let current: Example[] | undefined;
  text.split('\n').forEach((raw, index) => {
    if (current === undefined && /^```(sh|bash|shell)\s*$/.test(raw)) current = [];
    else if (current !== undefined && /^```\s*$/.test(raw)) {
      blocks.push(current);
      current = undefined;
    } else if (current !== undefined && raw.trim() !== '') {
      const hash = raw.search(/\s#\s/);
      current.push({ file, line: index + 1, command: (hash === -1 ? raw : raw.slice(0, hash)).trim(), comment: hash === -1 ? '' : raw.slice(hash).replace(/^\s#\s/, '').trim() });
    }
  });
  return blocks;
}

/** The exit codes the text implies: every "exit N" its comment names (e.g. "exit 1 if stuck, 2 …"), else success. */
export function expectedExits(comment: string): number[] {
  const stated = [...comment.matchAll(/\bexit (\d)\b/g)].map((match) => Number(match[1]));
  return stated.length > 0 ? stated : [0];
}

const blocks = DOCS.flatMap((file) => shellBlocks(readFileSync(join(ROOT, file), 'utf8'), file).map((examples) => ({ file, examples })));

let bin: string;
let standIns: string;
beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'esr-examples-bin-'));
  // The tools as an installed user has them on PATH.
  for (const tool of ['esr-export', 'esr-sim', 'policy-check']) {
    await writeFile(join(bin, tool), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', `${tool}.js`)}" "$@"\n`, { mode: 0o755 });
  }
  // needs AWS: the shipped policies, with aws/legacy read from definitions exports instead of Amazon MQ.
  standIns = join(bin, 'policies');
  await cp(join(ROOT, 'policies'), standIns, { recursive: true });
  // --prove runs the policies' provenBy scenarios, found next to the policies folder.
  await symlink(join(ROOT, 'scenarios'), join(bin, 'scenarios'));
  await writeFile(join(bin, 'aws.json'), JSON.stringify(definitions(false)));
  await writeFile(join(bin, 'legacy.json'), JSON.stringify(definitions(true)));
  for (const env of ['aws', 'legacy']) {
    const shipped = readFileSync(join(ROOT, 'policies/environments', `${env}.yaml`), 'utf8');
    const queues = shipped.slice(shipped.indexOf('\nqueues:') + 1);
    await writeFile(join(standIns, 'environments', `${env}.yaml`), `name: ${env}\nfiles: [../../${env}.json]\n${queues}`);
  }
});
afterAll(async () => {
  if (bin) await rm(bin, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  output: string;
}

function runLine(example: Example, cwd: string): Promise<Ran> {
  const needsAws = /needs AWS/i.test(example.comment);
  const command = needsAws ? `${example.command} --policies ${JSON.stringify(standIns)}` : example.command;
  if (needsAws) console.log(`${example.file}:${example.line}: needs AWS — run against local stand-ins instead (definitions exports for aws and legacy): ${command}`);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1' };
  const daemon = /runs until stopped/i.test(example.comment);
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd, env, detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const stop = () => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGTERM');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      if (daemon) output += '\n[still running: stopped by the test]\n';
      else output += `\n[timed out after ${COMMAND_TIMEOUT_MS} ms]\n`;
      stop();
    }, daemon ? 4_000 : COMMAND_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: daemon && signal === 'SIGTERM' && output.includes('[still running') ? 0 : code, output });
    });
  });
}

describe('every shell example in README.md and docs/*.md does what its text says', () => {
  it('finds the examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(blocks.map((block) => [`${block.file}:${block.examples[0]?.line ?? 0}`, block] as const))('%s', async (_where, block) => {
    const cwd = await mkdtemp(join(tmpdir(), 'esr-example-'));
    try {
      for (const linked of ['test', 'scripts']) await symlink(join(ROOT, linked), join(cwd, linked));
      await mkdir(join(cwd, 'out'), { recursive: true });
      for (const example of block.examples) {
        if (example.command.startsWith('npm ci && ')) {
          // Run by .ci/run on a fresh clone (it reinstalls node_modules): it must still find this line.
          expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toContain(`readme_command '${example.comment}'`);
          continue;
        }
        const ran = await runLine(example, cwd);
        const where = `${example.file}:${example.line}: ${example.command}\n${ran.output}`;
        expect(ran.output, where).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
        expect(expectedExits(example.comment), where).toContain(ran.code);
      }
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 900_000);
});

describe('the examples reader', () => {
  it('splits blocks, lines and comments; reads the exit code the text implies', () => {
    const text = 'intro\n```sh\na --x 1   # does a: exit 1\n\nb "#not a comment"\n```\n```js\nignored\n```\n';
    expect(shellBlocks(text, 'f.md')).toEqual([
      [
        { file: 'f.md', line: 3, command: 'a --x 1', comment: 'does a: exit 1' },
        { file: 'f.md', line: 5, command: 'b "#not a comment"', comment: '' },
      ],
    ]);
    expect([expectedExits('does a: exit 1'), expectedExits('fine'), expectedExits('exit 1 if stuck, exit 2 when down')]).toEqual([[1], [0], [1, 2]]);
  });
});
