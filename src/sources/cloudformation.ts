/**
 * CloudFormation templates (YAML with the short tags `!Ref`, `!GetAtt`, `!Sub`, ... or JSON):
 * `AWS::SQS::Queue` resources. Intrinsics are resolved where the template alone decides them
 * (parameter defaults, `!GetAtt Queue.Arn` to a queue in the same template); anything else is
 * reported as unknown until deployment. A JSON template's values come from source
 * `cloudformation-json`, a YAML one's from `cloudformation`: each gets fixes in its own language.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document, type ScalarTag, type CollectionTag, type YAMLMap, type YAMLSeq } from 'yaml';
import { SourceError } from './errors.js';
import type { Provenance, QueueSettings, Setting, Suppression } from './queue-settings.js';
import { parseRedrivePolicy, sqsQueueSettings, type RedrivePolicy, type SqsQueueSpec } from './sqs-attributes.js';
import { suppression } from './suppressions.js';

type Json = Record<string, unknown>;

const FUNCTIONS = ['And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAtt', 'GetAZs', 'If', 'ImportValue', 'Join', 'Not', 'Or', 'Select', 'Split', 'Sub', 'Transform', 'ToJsonString', 'Length'];

function shortTags(): (ScalarTag | CollectionTag)[] {
  const keyOf = (name: string): string => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`);
  return [...FUNCTIONS, 'Ref', 'Condition'].flatMap((name): (ScalarTag | CollectionTag)[] => [
    {
      tag: `!${name}`,
      resolve: (text: string) => ({ [keyOf(name)]: name === 'GetAtt' ? splitOnce(text) : text }),
    },
    { tag: `!${name}`, collection: 'seq', resolve: (seq: YAMLSeq.Parsed | YAMLMap.Parsed) => ({ [keyOf(name)]: seq.toJSON() }) },
    { tag: `!${name}`, collection: 'map', resolve: (map: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [keyOf(name)]: map.toJSON() }) },
  ]);
}

/** Aliases expanded at most (yaml's guard against alias bombs). */
const MAX_ALIAS_COUNT = 100;

function splitOnce(text: string): string[] {
  const dot = text.indexOf('.');
  return dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)];
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isCloudFormation(document: unknown): boolean {
  return isObject(document) && ('AWSTemplateFormatVersion' in document || (isObject(document.Resources) && !('resource_changes' in document)));
}

/** Parses YAML or JSON text with the CloudFormation short tags; errors name file:line:column. */
export function parseTemplate(text: string, file: string): { document: unknown; lineOf: (path: (string | number)[]) => number | undefined } {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { customTags: shortTags(), lineCounter, prettyErrors: false, uniqueKeys: false });
  const first = doc.errors[0];
  if (first !== undefined) {
    const at = lineCounter.linePos(first.pos[0]);
    throw new SourceError(`${file}:${at.line}:${at.col}: ${first.message.split('\n')[0] ?? 'invalid YAML'}`);
  }
  /** The line of a path's key (`WorkQueue:`, `RedrivePolicy:`), or of the item in a list: where a reader looks. */
  const lineOf = (path: (string | number)[]): number | undefined => {
    const parent = path.length <= 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    const last = path.at(-1);
    const key = isMap(parent) ? parent.items.find((pair) => isScalar(pair.key) && pair.key.value === last)?.key : undefined;
    const node = (isScalar(key) ? key : doc.getIn(path, true)) as { range?: [number, number, number] } | undefined;
    return node?.range === undefined ? undefined : lineCounter.linePos(node.range[0]).line;
  };
  try {
    return { document: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), lineOf };
  } catch (error) {
    // an alias to no anchor, or an alias bomb (a few lines expanding to millions of nodes)
    throw new SourceError(`${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** A value the template decides alone, or a reason it does not. */
type Resolved = { known: true; value: unknown } | { known: false; queue?: string };

class Resolver {
  constructor(
    private readonly parameters: Json,
    private readonly resources: Json,
  ) {}

  resolve(node: unknown): Resolved {
    if (!isObject(node)) return { known: true, value: node };
    // a template is outside input: a name that is not text (JSON `{"toString": ""}` included) names nothing
    if ('Ref' in node) return typeof node.Ref === 'string' ? this.ref(node.Ref) : { known: false };
    if ('Fn::GetAtt' in node) {
      const getAtt = node['Fn::GetAtt'];
      const [id, attribute] = Array.isArray(getAtt) ? getAtt.map((part) => (typeof part === 'string' ? part : undefined)) : typeof getAtt === 'string' ? splitOnce(getAtt) : [];
      return id !== undefined && attribute === 'Arn' && this.isQueue(id) ? { known: false, queue: id } : { known: false };
    }
    if ('Fn::Sub' in node) return this.sub(node['Fn::Sub']);
    if (Object.keys(node).some((key) => key.startsWith('Fn::'))) return { known: false };
    return { known: true, value: node };
  }

  isQueue(id: string): boolean {
    const resource = this.resources[id];
    return isObject(resource) && resource.Type === 'AWS::SQS::Queue';
  }

  private ref(name: string): Resolved {
    const parameter = this.parameters[name];
    if (isObject(parameter) && 'Default' in parameter) return { known: true, value: parameter.Default };
    return { known: false };
  }

  private sub(argument: unknown): Resolved {
    const [template, variables] = Array.isArray(argument) ? [argument[0], argument[1]] : [argument, {}];
    if (typeof template !== 'string') return { known: false };
    let unresolved = false;
    const value = template.replace(/\$\{([^}!]+)\}/g, (_match, name: string) => {
      const resolved = isObject(variables) && name in variables ? this.resolve(variables[name]) : this.ref(name);
      if (resolved.known && (typeof resolved.value === 'string' || typeof resolved.value === 'number')) return String(resolved.value);
      unresolved = true;
      return '';
    });
    return unresolved ? { known: false } : { known: true, value };
  }
}

export function cloudFormationQueueSettings(text: string, file: string): QueueSettings[] {
  const { document, lineOf } = parseTemplate(text, file);
  if (!isObject(document) || !isObject(document.Resources)) throw new SourceError(`${file}: expected a CloudFormation template with Resources`);
  const resources = document.Resources;
  const resolver = new Resolver(isObject(document.Parameters) ? document.Parameters : {}, resources);
  const queueIds = Object.keys(resources).filter((id) => resolver.isQueue(id));
  const propertiesOf = (id: string): Json => {
    const resource = resources[id];
    return isObject(resource) && isObject(resource.Properties) ? resource.Properties : {};
  };
  const nameOf = (id: string): string => {
    const resolved = resolver.resolve(propertiesOf(id).QueueName);
    return resolved.known && typeof resolved.value === 'string' ? resolved.value : id;
  };
  // a JSON template is told apart by its content, so that its fixes are written in JSON
  const source = text.trimStart().startsWith('{') ? 'cloudformation-json' : 'cloudformation';
  const provenance = (id: string, property: string): Provenance => {
    const line = lineOf(['Resources', id, 'Properties', property]) ?? lineOf(['Resources', id]);
    return { source, origin: 'file', detail: `${id}.${property}`, file, ...(line === undefined ? {} : { line }) };
  };
  const numberOf = (id: string, property: string): Setting<number> => {
    const from = provenance(id, property);
    const raw = propertiesOf(id)[property];
    if (raw === undefined) return { value: null, from };
    const resolved = resolver.resolve(raw);
    if (!resolved.known) return { value: null, unknown: true, from };
    const value = Number(resolved.value);
    if (!Number.isFinite(value)) throw new SourceError(`${file}:${from.line ?? 1}: ${id}.${property} must be a number`);
    return { value, from };
  };
  const redriveOf = (id: string): { redrive: Setting<RedrivePolicy>; targetName?: string } => {
    const from = provenance(id, 'RedrivePolicy');
    const raw = propertiesOf(id).RedrivePolicy;
    if (raw === undefined) return { redrive: { value: null, from } };
    if (typeof raw === 'string') return { redrive: { value: parseRedrivePolicy(raw, `${file}:${from.line ?? 1} ${id}`), from } };
    const policy = isObject(raw) ? raw : {};
    const target = resolver.resolve(policy.deadLetterTargetArn);
    const count = resolver.resolve(policy.maxReceiveCount);
    // a queue of this template: its ARN exists only once deployed, but its name is known
    const targetName = target.known ? undefined : target.queue === undefined ? undefined : nameOf(target.queue);
    const arn = target.known ? target.value : targetName === undefined ? undefined : `arn:aws:sqs:<region>:<account-id>:${targetName}`;
    if (arn === undefined || !count.known) return { redrive: { value: null, unknown: true, from }, ...(targetName === undefined ? {} : { targetName }) };
    return { redrive: { value: parseRedrivePolicy({ deadLetterTargetArn: arn, maxReceiveCount: count.value }, `${file}:${from.line ?? 1} ${id}`), from } };
  };

  /** `Metadata: { policy-check: { skip: [{ id, reason }] } }` of the resource. */
  const suppressionsOf = (id: string): Suppression[] => {
    const resource = resources[id];
    const metadata = isObject(resource) && isObject(resource.Metadata) ? resource.Metadata : {};
    const config = metadata['policy-check'];
    if (config === undefined) return [];
    const path = ['Resources', id, 'Metadata', 'policy-check'];
    const skip = isObject(config) ? config.skip : undefined;
    if (!Array.isArray(skip)) throw new SourceError(`${file}:${lineOf(path) ?? 1}: ${id} Metadata policy-check needs skip: a list of { id, reason }`);
    return skip.map((entry, index) => {
      const at = { file, line: lineOf([...path, 'skip', index]) ?? lineOf(path) ?? 1 };
      const record = isObject(entry) ? entry : {};
      return suppression(record.id, record.reason, at, `skip: [{ id: ${typeof record.id === 'string' ? record.id : 'ESR-…'}, reason: <why this is accepted> }]`);
    });
  };

  const specs = queueIds.map((id): SqsQueueSpec => {
    const name = nameOf(id);
    const fifo = resolver.resolve(propertiesOf(id).FifoQueue);
    const { redrive, targetName } = redriveOf(id);
    return {
      name,
      id: `${file}#${id}`,
      arn: null,
      fifo: (fifo.known && (fifo.value === true || fifo.value === 'true')) || name.endsWith('.fifo'),
      visibilityTimeoutSeconds: numberOf(id, 'VisibilityTimeout'),
      retentionSeconds: numberOf(id, 'MessageRetentionPeriod'),
      redrive,
      ...(targetName === undefined ? {} : { redriveTargetName: targetName }),
      location: { file, line: lineOf(['Resources', id]) ?? 1 },
      suppressions: suppressionsOf(id),
    };
  });
  return sqsQueueSettings(specs);
}
