import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { scenarioSchema } from '../../src/sim/scenario.js';
import { schemaPaths } from './schema-paths.js';

describe('docs/simulator.md', () => {
  it('its scenario file reference lists exactly the keys of schemas/scenario.schema.json', async () => {
    const doc = await readFile('docs/simulator.md', 'utf8');
    const section = doc.split('## Scenario file reference')[1]!.split('\n## ')[0]!;
    const documented = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
    const inSchema = [...schemaPaths(scenarioSchema as Record<string, unknown>).keys()];
    expect(documented.length).toBeGreaterThan(50);
    expect([...documented].sort()).toEqual([...inSchema].sort());
  });

  it('lists every shipped scenario', async () => {
    const doc = await readFile('docs/simulator.md', 'utf8');
    const { readdir } = await import('node:fs/promises');
    for (const file of (await readdir('scenarios')).filter((f) => f.endsWith('.yaml'))) expect(doc).toContain(`\`${file}\``);
  });
});
