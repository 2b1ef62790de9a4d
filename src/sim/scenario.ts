import { readFileSync } from 'node:fs';
import type { Document, Node } from 'yaml';
import { readInputFile } from '../config/input-file.js';
import { dataFile } from '../data-paths.js';
import { InputError, parseValidatedYamlDocument } from '../config/validated-yaml.js';
import type { Scenario } from './scenario-model.js';
import type { ScenarioFile } from './scenario-types.js';

/** Reading a scenario file; the scenario itself and what is derived from it are scenario-model's. */
export * from './scenario-model.js';

/** `schemas/` ships at the package root; `src/sim` (tsx) and `dist/sim` (built) both sit two levels below it. */
export const scenarioSchema: object = JSON.parse(readFileSync(new URL('../../schemas/scenario.schema.json', import.meta.url), 'utf8')) as object;
const schema = scenarioSchema;

export async function loadScenario(file: string): Promise<Scenario> {
  // A shipped scenario (scenarios/…, esr-retry-toolkit/scenarios/…) resolves from the package when the user has none.
  return parseScenario(await readInputFile(dataFile(file)), file);
}

/** Validates against the schema, then what a schema cannot say: instants in order. Throws InputError. */
export function parseScenario(text: string, file: string): Scenario {
  const { data, document, lineCounter } = parseValidatedYamlDocument<ScenarioFile>(text, file, schema);
  const fail = (path: (string | number)[], detail: string): never => {
    const offset = (document as Document).getIn(path, true) as Node | undefined;
    const position = offset?.range ? lineCounter.linePos(offset.range[0]) : null;
    throw new InputError(file, position?.line ?? 1, position?.col ?? 1, detail);
  };
  const startMs = Date.parse(data.start);
  const horizonMs = Date.parse(data.horizon);
  if (!(horizonMs > startMs)) fail(['horizon'], `horizon ${data.horizon} must be after start ${data.start}`);
  data.commands.forEach((command, i) => {
    const at = Date.parse(command.at);
    if (at < startMs || at > horizonMs) fail(['commands', i, 'at'], `commands[${i}].at ${command.at} must lie between start ${data.start} and horizon ${data.horizon}`);
  });
  (data.replays ?? []).forEach((replay, i) => {
    const at = Date.parse(replay.at);
    if (at < startMs || at > horizonMs) fail(['replays', i, 'at'], `replays[${i}].at ${replay.at} must lie between start ${data.start} and horizon ${data.horizon}`);
  });
  return { ...data, file };
}
