import type { Node } from 'yaml';
import { parseValidatedYamlDocument } from '../config/validated-yaml.js';
import { YamlLines } from './positions.js';

/**
 * Parses and validates once, keeping the document for line lookups (a policy of 1,000 queues is
 * parsed once, not twice). Any problem is an InputError at file:line:column.
 */
export function parseYamlWithLines<T>(text: string, file: string, schema: object): { data: T; lines: YamlLines } {
  const { data, document, lineCounter } = parseValidatedYamlDocument<T>(text, file, schema);
  return { data, lines: new YamlLines(document.contents as Node | null, lineCounter) };
}
