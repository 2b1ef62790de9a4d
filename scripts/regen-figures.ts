/**
 * Every simulator figure the docs and the policy comments quote, computed here and written into them,
 * so none can go stale: `node --import tsx scripts/regen-figures.ts` rewrites them, `--check` only
 * says which differ (exit 1). test/sim/figures.test.ts runs the check.
 *
 * In Markdown a figure sits between `<!-- fig:NAME -->` and `<!-- /fig -->`; in YAML it is a whole
 * comment line `# fig:NAME: TEXT`. The figures are deterministic (seeded runs, counts, bounds); wall
 * times are not figures: they belong to `npm run bench`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { proveFindings } from '../src/evaluate/prove.js';
import { loadPolicies } from '../src/policy/load.js';
import { describeBound } from '../src/sim/bound.js';
import { exploreScenario } from '../src/sim/explore.js';
import { recommendRetry } from '../src/sim/recommend.js';
import { loadScenario } from '../src/sim/scenario.js';

export const FIGURE_FILES = ['docs/simulator.md', 'policies/esr-export-commands.yaml'];

const count = (n: number) => n.toLocaleString('en-GB');

/** recommend's seeds for the Saturday figure: a small search, confirmed on as many fresh seeds as `--prove` runs. */
export const SATURDAY_SEARCH_SEEDS = 100;
export const SATURDAY_CONFIRM_SEEDS = 30_000;

export const FIGURES: Record<string, () => Promise<string>> = {
  async 'explore-3-offices'() {
    const result = await exploreScenario(await loadScenario('scenarios/explore-3-offices.yaml'));
    return `${result.verdict}: ${count(result.interleavings)} interleavings, ${count(result.states)} states`;
  },
  async 'saturday-recommend'() {
    const file = 'scenarios/2021-saturday-burst.yaml';
    const result = await recommendRetry(await loadScenario(file), { seeds: SATURDAY_SEARCH_SEEDS, confirmSeeds: SATURDAY_CONFIRM_SEEDS });
    if (!result.recommended || !result.confirmed) return `recommend --seeds ${SATURDAY_SEARCH_SEEDS} finds no budget`;
    const searched = result.confirmed.raisedFrom ?? result.recommended.maxDeliveries;
    const raised = result.confirmed.raisedFrom === null ? 'which they confirm' : `raised to ${result.recommended.maxDeliveries} by them`;
    return (
      `\`esr-sim recommend ${file} --seeds ${SATURDAY_SEARCH_SEEDS} --confirm-seeds ${SATURDAY_CONFIRM_SEEDS}\`: ` +
      `the search says ${searched} deliveries ${result.recommended.delayMs / 1000} s apart, ${count(SATURDAY_CONFIRM_SEEDS)} confirmation seeds ${raised} ` +
      `(${describeBound(result.confirmed.bound)})`
    );
  },
  /** What `policy-check --prove` says of the shipped ESR policy: its provenBy scenario at its minimums. */
  async 'esr-prove'() {
    const policy = (await loadPolicies('policies')).find((p) => p.name === 'esr-export-commands')!;
    const [finding] = await proveFindings([policy], 'any', '.');
    return `\`policy-check --prove\`: ${finding!.message.replace(/^the simulator confirms the minimums: /, '')}`;
  },
};

export async function computeFigures(names: readonly string[] = Object.keys(FIGURES)): Promise<Map<string, string>> {
  const figures = new Map<string, string>();
  for (const name of names) figures.set(name, await FIGURES[name]!());
  return figures;
}

const MARKDOWN = /<!-- fig:([\w-]+) -->([\s\S]*?)<!-- \/fig -->/g;
const YAML = /^(\s*# fig:([\w-]+): )(.*)$/gm;

/** The figure names a file quotes. */
export function figuresIn(text: string): string[] {
  return [...text.matchAll(MARKDOWN)].map((m) => m[1]!).concat([...text.matchAll(YAML)].map((m) => m[2]!));
}

/** The text with every figure it quotes replaced by its computed value; `stale` lists those that changed. */
export function applyFigures(text: string, figures: ReadonlyMap<string, string>): { text: string; stale: string[] } {
  const stale: string[] = [];
  const value = (name: string, old: string) => {
    const now = figures.get(name);
    if (now === undefined) throw new Error(`unknown figure '${name}' (known: ${[...figures.keys()].join(', ')})`);
    if (now !== old) stale.push(name);
    return now;
  };
  const replaced = text
    .replace(MARKDOWN, (_, name: string, old: string) => `<!-- fig:${name} -->${value(name, old)}<!-- /fig -->`)
    .replace(YAML, (_, head: string, name: string, old: string) => `${head}${value(name, old)}`);
  return { text: replaced, stale };
}

async function main(check: boolean): Promise<number> {
  const figures = await computeFigures();
  let stale = 0;
  for (const file of FIGURE_FILES) {
    const before = await readFile(file, 'utf8');
    const after = applyFigures(before, figures);
    for (const name of after.stale) process.stdout.write(`${file}: ${name} is stale → ${figures.get(name)}\n`);
    stale += after.stale.length;
    if (!check && after.stale.length > 0) await writeFile(file, after.text);
  }
  process.stdout.write(check ? `${stale} stale figure(s)\n` : `${stale} figure(s) rewritten\n`);
  return check && stale > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.includes('--check'));
