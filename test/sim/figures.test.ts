import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { applyFigures, computeFigures, FIGURE_FILES, FIGURES, figuresIn } from '../../scripts/regen-figures.js';

describe('every simulator figure the docs and policy comments quote is the one the code computes now', () => {
  it('applyFigures rewrites both marker kinds, reports what changed, and refuses an unknown figure', () => {
    const figures = new Map([['a', 'new']]);
    const md = applyFigures('x <!-- fig:a -->old<!-- /fig --> y', figures);
    expect(md).toEqual({ text: 'x <!-- fig:a -->new<!-- /fig --> y', stale: ['a'] });
    const yaml = applyFigures('k: 1\n  # fig:a: new\n', figures);
    expect(yaml).toEqual({ text: 'k: 1\n  # fig:a: new\n', stale: [] });
    expect(() => applyFigures('<!-- fig:b -->1<!-- /fig -->', figures)).toThrow(/unknown figure 'b'/);
  });

  it('no file quotes a stale figure (run `node --import tsx scripts/regen-figures.ts` to rewrite them)', async () => {
    const texts = await Promise.all(FIGURE_FILES.map((file) => readFile(file, 'utf8')));
    const quoted = new Set(texts.flatMap(figuresIn));
    // Every figure is quoted somewhere, and every quote is a known figure.
    expect([...quoted].sort()).toEqual(Object.keys(FIGURES).sort());
    const figures = await computeFigures();
    for (const [i, file] of FIGURE_FILES.entries()) expect(applyFigures(texts[i]!, figures).stale, file).toEqual([]);
  }, 600_000);
});
