import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { InputError } from './input-error.js';
import { readInputFile } from './input-file.js';

export { InputError } from './input-error.js';

// The schemas are the project's own (test/verifier/policy-load.test.ts holds them to the meta-schema):
// not validating them again, and not optimising their small validators, halves the compile of every run.
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, validateSchema: false, code: { optimize: false } });
addFormats.default(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Finds the YAML node at a JSON pointer; with `key`, the key node of that entry in the map instead. */
function nodeAt(root: Node | null, pointer: string, key?: string): Node | null {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  let node: Node | null = root;
  for (const segment of segments) {
    if (isMap(node)) node = (node.get(segment, true) as Node | undefined) ?? node;
    else if (isSeq(node)) node = (node.get(Number(segment), true) as Node | undefined) ?? node;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    if (pair) return pair.key as Node;
  }
  return node;
}

function describe(error: ErrorObject): { pointer: string; key?: string; text: string } {
  const where = error.instancePath === '' ? 'the document' : error.instancePath.slice(1).replaceAll('/', '.');
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return {
        pointer: error.instancePath,
        key: String(params.additionalProperty),
        text: `unknown key '${String(params.additionalProperty)}' in ${where}`,
      };
    case 'required':
      return { pointer: error.instancePath, text: `${where} is missing required key '${String(params.missingProperty)}'` };
    case 'enum':
      return {
        pointer: error.instancePath,
        text: `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    default:
      return { pointer: error.instancePath, text: `${where} ${error.message ?? 'is invalid'}` };
  }
}

/** Outside YAML's printable set (YAML 1.2, 5.1): C0 controls but tab, LF and CR; DEL; C1 controls but NEL. */
// eslint-disable-next-line no-control-regex
const NON_PRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f]/;

const NULL_KEY = Symbol('null key');

/**
 * Where the first key that repeats an earlier key of its map is (the error yaml's `uniqueKeys` gives:
 * keys equal as scalar values, collections only as the same node), one set per map: yaml compares
 * each key with every earlier one, and an environment binding 1,000 queues made that 500,000 compares.
 */
function firstDuplicateKeyOffset(document: Document): number | undefined {
  let first: number | undefined;
  visit(document, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        const value = key === null ? NULL_KEY : isScalar(key) ? key.value : key;
        if (seen.has(value)) {
          const offset = (key as Node | null)?.range?.[0];
          if (offset !== undefined && (first === undefined || offset < first)) first = offset;
          return;
        }
        seen.add(value);
      }
    },
  });
  return first;
}

export interface ValidatedDocument<T> {
  data: T;
  /** The parsed document and its line counter, for callers that point at lines of valid input too. */
  document: Document;
  lineCounter: LineCounter;
}

/**
 * Parses YAML keeping node positions, validates it against a JSON Schema, and maps the first
 * error back to the line and column of the offending node. Throws InputError.
 */
export function parseValidatedYamlDocument<T>(text: string, file: string, schema: object): ValidatedDocument<T> {
  const bad = NON_PRINTABLE.exec(text);
  if (bad) {
    const before = text.slice(0, bad.index);
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    const line = before.split('\n').length;
    const column = bad.index - (before.lastIndexOf('\n') + 1) + 1;
    throw new InputError(file, line, column, `invalid YAML: control character U+${code} is not allowed`);
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  const syntaxError = document.errors[0];
  const duplicate = firstDuplicateKeyOffset(document);
  if (duplicate !== undefined && (syntaxError === undefined || duplicate < syntaxError.pos[0])) {
    const position = lineCounter.linePos(duplicate);
    throw new InputError(file, position.line, position.col, 'invalid YAML: Map keys must be unique');
  }
  if (syntaxError) {
    const position = syntaxError.linePos?.[0];
    const message = (syntaxError.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new InputError(file, position?.line ?? null, position?.col ?? null, `invalid YAML: ${message}`);
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // e.g. an unresolved alias, or an alias bomb past maxAliasCount
    throw new InputError(file, null, null, `invalid YAML: ${(error as Error).message}`, { cause: error });
  }
  const validate = validatorFor(schema);
  if (validate(data)) return { data: data as T, document, lineCounter };

  // Report the most specific error first: the one deepest in the document.
  const errors = [...(validate.errors ?? [])].sort((a, b) => b.instancePath.length - a.instancePath.length);
  const first = describe(errors[0]!);
  const node = nodeAt(document.contents as Node | null, first.pointer, first.key);
  const offset = node?.range?.[0];
  const position = offset === undefined ? null : lineCounter.linePos(offset);
  const others = errors.length > 1 ? ` (and ${errors.length - 1} more problem(s))` : '';
  throw new InputError(file, position?.line ?? 1, position?.col ?? 1, `${first.text}${others}`);
}

export function parseValidatedYaml<T>(text: string, file: string, schema: object): T {
  return parseValidatedYamlDocument<T>(text, file, schema).data;
}

/** Reads (through `readInputFile`: regular file, size cap), parses and validates a YAML file. */
export async function readValidatedYaml<T>(file: string, schema: object): Promise<T> {
  return parseValidatedYaml<T>(await readInputFile(file), file, schema);
}
