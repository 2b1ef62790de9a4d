import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Log, Location as SarifLocation, Notification, ReportingDescriptor, Result } from 'sarif';
import { CHECK_REGISTRY, checkInfo } from '../evaluate/checks/registry.js';
import type { Finding } from '../evaluate/report.js';
import type { Location } from '../policy/types.js';
import { VERSION } from '../version.js';
import type { RenderOptions, Reporter } from './reporter.js';

/** The docs as shipped in this version of the package: stable links for every rule. */
const DOCS = `https://unpkg.com/esr-retry-toolkit@${VERSION}/docs/policies.md`;
const SRCROOT = '%SRCROOT%';

/** Stable across runs and line moves: what is checked where, not the message. */
export function fingerprint(finding: Finding): string {
  return createHash('sha256').update([finding.policy, finding.env, finding.queue, finding.check].join('\u0000')).digest('hex');
}

/** Every registered check is a rule (stable ruleIndex); an id the registry does not know yet follows. */
function rules(findings: readonly Finding[]): ReportingDescriptor[] {
  const known: ReportingDescriptor[] = CHECK_REGISTRY.map((check) => ({
    id: check.id,
    name: check.id,
    shortDescription: { text: check.title },
    fullDescription: { text: `${check.title}. Reads: ${check.reads}.` },
    help: { text: `${check.title}. Reads: ${check.reads}. Each result says how to fix it.` },
    helpUri: `${DOCS}#${check.docsAnchor}`,
  }));
  const unknown = [...new Set(findings.map((finding) => finding.check))].filter((id) => !checkInfo(id)).sort();
  return [...known, ...unknown.map((id) => ({ id, name: id, shortDescription: { text: id }, helpUri: DOCS }))];
}

/** Repository-relative under `%SRCROOT%` when the file is inside the root; else an absolute file URI. */
function physical(location: Location, root: string | undefined, message?: string): SarifLocation {
  const absolute = root === undefined ? undefined : resolve(root, location.file);
  const inside = absolute === undefined ? undefined : relative(root ?? '', absolute);
  const artifactLocation =
    inside !== undefined && !inside.startsWith('..') && !isAbsolute(inside)
      ? { uri: inside.split(sep).join('/'), uriBaseId: SRCROOT }
      : isAbsolute(location.file)
        ? { uri: pathToFileURL(location.file).href }
        : { uri: location.file.split('\\').join('/') };
  return { physicalLocation: { artifactLocation, region: { startLine: Math.max(1, location.line) } }, ...(message ? { message: { text: message } } : {}) };
}

const level = (finding: Finding): Result.level => (finding.severity === 'note' ? 'note' : finding.severity);

function text(finding: Finding): string {
  return [finding.message, `Expected ${finding.expected}; actual ${finding.actual}.`, ...(finding.fix ? [`Fix:\n${finding.fix}`] : [])].join('\n');
}

/** Anchored to the queue's IaC line when the source knows it, with the policy line as a related location. */
function result(finding: Finding, ruleIndex: number, root: string | undefined): Result {
  const primary = finding.queueLocation ?? finding.location;
  const related = finding.queueLocation && finding.location ? [{ id: 1, ...physical(finding.location, root, `policy line that asks for ${finding.check}`) }] : [];
  return {
    ruleId: finding.check,
    ruleIndex,
    level: level(finding),
    message: { text: text(finding) },
    locations: primary ? [physical(primary, root)] : [],
    ...(related.length > 0 ? { relatedLocations: related } : {}),
    partialFingerprints: { 'policyCheck/v1': fingerprint(finding) },
    properties: { policy: finding.policy, env: finding.env, queue: finding.queue, queueId: finding.queueId, status: finding.status, source: finding.source },
    ...(finding.waiver ? { suppressions: [{ kind: 'external', status: 'accepted', justification: `${finding.waiver.reason} (until ${finding.waiver.expires})` }] } : {}),
  };
}

/** "Could not check" is about the run, not the code: a notification, never a result. */
function notification(finding: Finding, root: string | undefined): Notification {
  const at = finding.queueLocation ?? finding.location;
  return {
    level: 'error',
    message: { text: `${finding.queue} ${finding.check} could not be checked: ${finding.message} (${finding.source})` },
    descriptor: { id: finding.check },
    ...(at ? { locations: [physical(at, root)] } : {}),
    properties: { policy: finding.policy, env: finding.env, queue: finding.queue },
  };
}

function render(report: Parameters<Reporter['render']>[0], options: RenderOptions): string {
  const root = options.root;
  const driverRules = rules(report.findings);
  const indexOf = new Map(driverRules.map((rule, index) => [rule.id, index]));
  const problems = report.findings.filter((finding) => finding.status === 'fail' || finding.status === 'waived');
  const unchecked = report.findings.filter((finding) => finding.status === 'error');
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'policy-check', version: VERSION, semanticVersion: VERSION, informationUri: DOCS, rules: driverRules } },
        automationDetails: { id: `policy-check/${report.env}${report.baseline ? `-vs-${report.baseline}` : ''}/` },
        ...(root === undefined ? {} : { originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(resolve(root)).href.replace(/\/?$/, '/') } } }),
        invocations: [{ executionSuccessful: unchecked.length === 0, toolExecutionNotifications: unchecked.map((finding) => notification(finding, root)) }],
        results: problems.map((finding) => result(finding, indexOf.get(finding.check) ?? -1, root)),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** SARIF 2.1.0: one result per problem (passes are not results; could-not-check are notifications). */
export const reporter: Reporter = { render };
