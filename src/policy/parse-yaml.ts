import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { InputError, parseValidatedYaml } from '../config/validated-yaml.js';
import { YamlLines } from './positions.js';

/** The same ajv options as the shared loader, so that both accept exactly the same documents. */
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats.default(ajv);
const validators = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

/** Delegates to the shared loader for its file:line:column error; it also guards yaml's plain errors (unresolved alias). */
function explainFailure(text: string, file: string, schema: object, cause: unknown): never {
  try {
    parseValidatedYaml(text, file, schema);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const detail = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    throw new InputError(file, null, null, `invalid YAML: ${detail}`, { cause: error });
  }
  // Both validators share their options: a document one rejects, the other rejects too.
  throw new InputError(file, null, null, 'invalid document', { cause });
}

/**
 * Parses and validates once, keeping the document for line lookups (a policy of 1,000 queues is
 * parsed once, not twice). Any problem is reported by the shared loader, at file:line:column.
 */
export function parseYamlWithLines<T>(text: string, file: string, schema: object): { data: T; lines: YamlLines } {
  const counter = new LineCounter();
  const document = parseDocument(text, { lineCounter: counter, uniqueKeys: true });
  let data: unknown;
  let failure: unknown = document.errors[0];
  if (failure === undefined) {
    try {
      data = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      failure = error;
    }
  }
  if (failure === undefined && validatorFor(schema)(data)) return { data: data as T, lines: new YamlLines(document.contents as Node | null, counter) };
  return explainFailure(text, file, schema, failure);
}
