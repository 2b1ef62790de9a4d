import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The determinism lint of src/sim: every way real time or randomness could enter is refused. */
const banned = {
  "import { randomUUID } from 'node:crypto';": 'no-restricted-imports',
  "import { setTimeout as sleep } from 'node:timers/promises';": 'no-restricted-imports',
  "import { performance as p } from 'perf_hooks';": 'no-restricted-imports',
  'export const a = performance.now();': 'no-restricted-globals',
  'export const b = Date();': 'no-restricted-syntax',
  'export const c = new Date();': 'no-restricted-syntax',
  'export const d = Date.now();': 'no-restricted-properties',
  'export const e = setTimeout(() => undefined, 1);': 'no-restricted-globals',
  'export const f = setImmediate(() => undefined);': 'no-restricted-globals',
  "export const g = import('node:crypto');": 'no-restricted-syntax',
  'export const h = crypto.randomUUID();': 'no-restricted-globals',
  'export const i = Math.random();': 'no-restricted-properties',
  'export const j = process.hrtime.bigint();': 'no-restricted-properties',
};

describe('eslint: src/sim is wholly deterministic', () => {
  const eslint = new ESLint({ cwd: process.cwd() });

  it.each(Object.entries(banned))('refuses %s', async (line, rule) => {
    const [result] = await eslint.lintText(`${line}\n`, { filePath: 'src/sim/probe.ts' });
    expect(result!.messages.map((m) => m.ruleId)).toContain(rule);
  });

  it('allows converting instants (Date.parse, new Date(ms)), and src/live may read real time', async () => {
    const [sim] = await eslint.lintText("export const t = Date.parse('2021-07-31T14:00:00Z') + new Date(0).getTime();\n", { filePath: 'src/sim/probe.ts' });
    expect(sim!.messages).toEqual([]);
    const [live] = await eslint.lintText("import { randomUUID } from 'node:crypto';\nexport const id = randomUUID() + Date.now();\n", { filePath: 'src/live/probe.ts' });
    expect(live!.messages).toEqual([]);
  });
});
