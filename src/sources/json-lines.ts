/**
 * The line on which each element of a JSON file's lists starts, so a finding can point at the queue
 * in the file (SARIF). One pass over the text, no second parse: an export of 10,000 queues costs
 * milliseconds. The text is already known to be valid JSON (JSON.parse ran first).
 */

/** Root list → key ''; a list under a top-level key → that key. Each value: the lines of its elements, in order. */
export function jsonElementLines(text: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  // one frame per open container: is it a list, and which top-level key holds it (lists at depth ≤ 1 only)
  const stack: { list: boolean; key: string | null }[] = [];
  let line = 1;
  let lastKey: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
    } else if (c === 34) {
      // a string: skip it, remembering it when it may be a top-level key
      const start = i + 1;
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
      if (stack.length === 1 && stack[0]?.list === false) lastKey = text.slice(start, i);
    } else if (c === 123 || c === 91) {
      const parent = stack.at(-1);
      if (parent?.list === true && parent.key !== null && c === 123) {
        let lines = found.get(parent.key);
        if (lines === undefined) found.set(parent.key, (lines = []));
        lines.push(line);
      }
      const list = c === 91;
      const key = !list ? null : stack.length === 0 ? '' : stack.length === 1 && stack[0]?.list === false ? lastKey : null;
      stack.push({ list, key });
    } else if (c === 125 || c === 93) {
      stack.pop();
    }
  }
  return found;
}
