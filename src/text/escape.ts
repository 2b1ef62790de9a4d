/**
 * Text that came from outside (broker names, message bodies, file contents) shown to a person:
 * control characters are escaped so that they can neither move the cursor, colour the terminal,
 * nor start a line a CI runner would read as a command (`::error::`).
 */
// C0 controls, DEL and C1 controls; tab is kept readable as \t like the others.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function escapeControl(text: string): string {
  return text.replace(CONTROL, (char) => {
    switch (char) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
}

// What JSON.stringify leaves raw although a terminal acts on it: DEL, C1 controls, line/paragraph separators.
const JSON_RAW_CONTROL = /[\u007f-\u009f\u2028\u2029]/g;

/** JSON for a person's terminal: still valid JSON (the escapes are JSON's own), with no control character left raw. */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(JSON_RAW_CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
