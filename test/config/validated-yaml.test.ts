import { describe, expect, it } from 'vitest';
import { InputError, parseValidatedYaml } from '../../src/config/validated-yaml.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string' },
    kind: { enum: ['a', 'b'] },
    items: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { n: { type: 'integer', minimum: 1 } } } },
  },
};

function errorOf(text: string): InputError {
  try {
    parseValidatedYaml(text, 'x.yaml', schema);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('parseValidatedYaml', () => {
  it('returns valid data', () => {
    expect(parseValidatedYaml('name: ok\nitems:\n  - n: 2\n', 'x.yaml', schema)).toEqual({ name: 'ok', items: [{ n: 2 }] });
  });

  it.each([
    ['name: x\nitems:\n  - n: 0\n', 3, 8, /items\.0\.n must be >= 1/],
    ['name: x\nitems:\n  - m: 1\n', 3, 5, /unknown key 'm' in items\.0/],
    ['kind: a\n', 1, 1, /missing required key 'name'/],
    ['name: x\nkind: c\n', 2, 7, /kind must be one of "a", "b"/],
    ['name: [\n', 2, 1, /invalid YAML/],
    ['name: a\nname: b\n', 2, 1, /Map keys must be unique/],
    ['name: x\nkind: a\u001b[2J\n', 2, 8, /invalid YAML: control character U\+001B is not allowed/],
    ['name: "x\u0000"\n', 1, 9, /invalid YAML: control character U\+0000 is not allowed/],
  ])('names file, line and column: %j', (text, line, column, message) => {
    const error = errorOf(text);
    expect([error.line, error.column]).toEqual([line, column]);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`x.yaml:${line}:${column}: `)).toBe(true);
    expect(error.exitCode).toBe(2);
  });
});

describe('parseValidatedYaml on hostile YAML', () => {
  it.each(['name: *nothing\n', 'a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nname: x\n'])(
    'is an InputError, never a crash: %j',
    (text) => {
      expect(() => parseValidatedYaml(text, 'x.yaml', schema)).toThrow(InputError);
    },
  );
});
