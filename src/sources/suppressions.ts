/**
 * Inline suppressions in IaC, in the conventions checkov and cfn-nag users know:
 * - Terraform: a comment inside the resource block, `# policy-check:skip=ESR-DLQ-001:the reason`
 *   (checkov writes `#checkov:skip=CKV_AWS_27:the reason`); `//` comments too;
 * - CloudFormation: `Metadata: { policy-check: { skip: [{ id: ESR-DLQ-001, reason: … }] } }` on the
 *   resource (cfn-nag: `Metadata: { cfn_nag: { rules_to_suppress: [{ id, reason }] } }`).
 * A reason is mandatory and the id must be a check id: anything else is bad input (exit 2, file:line).
 */
import { CHECK_REGISTRY } from '../evaluate/checks/registry.js';
import { SourceError } from './errors.js';
import type { SourceLocation, Suppression } from './queue-settings.js';

const KNOWN_IDS: ReadonlySet<string> = new Set(CHECK_REGISTRY.map((check) => check.id));

const COMMENT = /(?:#|\/\/)\s*policy-check:skip=([^\s:]*)(?::(.*))?$/;

/** One suppression, checked: a known check id and a reason. */
export function suppression(id: unknown, reason: unknown, location: SourceLocation, example: string): Suppression {
  const at = `${location.file}:${location.line}`;
  if (typeof id !== 'string' || !KNOWN_IDS.has(id)) {
    throw new SourceError(`${at}: suppression of unknown check id '${String(id)}': expected one of ${[...KNOWN_IDS].join(', ')}`);
  }
  if (typeof reason !== 'string' || reason.trim() === '') throw new SourceError(`${at}: suppression of ${id} without a reason: write ${example}`);
  return { checkId: id, reason: reason.trim(), location };
}

/** The `policy-check:skip` comments of lines [from, to] (1-based, inclusive) of a Terraform file. */
export function terraformSuppressions(lines: readonly string[], from: number, to: number, file: string): Suppression[] {
  const found: Suppression[] = [];
  for (let line = from; line <= to && line <= lines.length; line++) {
    const match = COMMENT.exec(lines[line - 1] ?? '');
    if (match === null) continue;
    const id = match[1] ?? '';
    found.push(suppression(id, match[2], { file, line }, `# policy-check:skip=${id || 'ESR-…'}:<why this is accepted>`));
  }
  return found;
}
