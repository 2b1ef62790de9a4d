import { OperatingError } from '../errors.js';

// Apart from validated-yaml.ts so that naming an input error does not load the YAML and JSON Schema
// libraries (they are most of a cold start).
/** Bad input: names file, line, column and what was expected. Exit code 2. */
export class InputError extends OperatingError {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly column: number | null,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`${file}${line === null ? '' : `:${line}${column === null ? '' : `:${column}`}`}: ${detail}`, options);
  }
}
