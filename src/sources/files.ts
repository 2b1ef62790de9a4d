/**
 * A file given to the verifier: Terraform plan JSON, a CloudFormation template (JSON or YAML), or a
 * RabbitMQ definitions export. The format is detected from the content, not trusted from the name.
 */
import { readFile } from 'node:fs/promises';
import { cloudFormationQueueSettings, isCloudFormation, parseTemplate } from './cloudformation.js';
import { SourceError } from './errors.js';
import type { QueueSettings, Source } from './queue-settings.js';
import { definitionsQueueSettings, isDefinitions } from './rabbitmq-definitions.js';
import { isTerraformPlan, terraformPlanQueueSettings } from './terraform-plan.js';

export function fileSource(path: string): Source {
  return { description: `file ${path}`, load: () => loadFile(path) };
}

const EXPECTED = 'expected a Terraform plan (terraform show -json), a CloudFormation template or a RabbitMQ definitions export';

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    throw new SourceError(`cannot read ${path} (${code})`, { cause: error });
  }
}

/** JSON.parse with the error placed at file:line:column. */
export function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = Number(/position (\d+)/.exec(message)?.[1] ?? 0);
    const before = text.slice(0, position).split('\n');
    const column = (before.at(-1)?.length ?? 0) + 1;
    throw new SourceError(`${path}:${before.length}:${column}: invalid JSON (${message.replace(/ in JSON at position.*$/, '')})`, { cause: error });
  }
}

async function loadFile(path: string): Promise<QueueSettings[]> {
  const text = await readText(path);
  if (text.trimStart().startsWith('{')) {
    const document = parseJson(text, path);
    if (isTerraformPlan(document)) return terraformPlanQueueSettings(document, path);
    if (isDefinitions(document)) return definitionsQueueSettings(document, path);
    if (isCloudFormation(document)) return cloudFormationQueueSettings(text, path);
    throw new SourceError(`${path}: unrecognised JSON: ${EXPECTED}`);
  }
  const { document } = parseTemplate(text, path);
  if (isCloudFormation(document)) return cloudFormationQueueSettings(text, path);
  throw new SourceError(`${path}: unrecognised file: ${EXPECTED}`);
}
