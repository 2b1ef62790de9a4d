/**
 * Credentials never appear in output: every secret read (passwords, keys) is replaced by `***`
 * where it stands as a whole value — not inside a longer word, so a short password that happens to
 * be part of "RabbitMQ" does not turn the message into "Ra***itMQ" (and does not point at itself).
 */
const WORD = /[\p{L}\p{N}_]/u;

function isWordAt(text: string, index: number): boolean {
  const char = text[index];
  return char !== undefined && WORD.test(char);
}

export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let clean = text;
  // Longest first: a secret that contains another is replaced whole.
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    let out = '';
    let from = 0;
    let at = clean.indexOf(secret);
    while (at !== -1) {
      const inWord = (WORD.test(secret[0] ?? '') && isWordAt(clean, at - 1)) || (WORD.test(secret.at(-1) ?? '') && isWordAt(clean, at + secret.length));
      if (!inWord) {
        out += `${clean.slice(from, at)}***`;
        from = at + secret.length;
      }
      at = clean.indexOf(secret, inWord ? at + 1 : from);
    }
    clean = out + clean.slice(from);
  }
  return clean;
}
