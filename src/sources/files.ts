/**
 * Files given to the verifier (`--source PATH…`, an environment's `files:`), each a file or a folder
 * of files. What each file is comes from its content, never its name: a Terraform plan
 * (`terraform show -json`), `.tf` configuration, a CloudFormation template (YAML or JSON), a
 * RabbitMQ definitions export (whole broker or one vhost), a management API or `rabbitmqctl`
 * listing, AWS CLI `get-queue-attributes` / `list-queues` output. The RabbitMQ listings and AWS CLI
 * files of one source are read together (a folder of `/api/queues` + `/api/policies` is one vhost);
 * the others stand alone. docs/sources.md gives the command that writes each.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { readInputFile } from '../config/input-file.js';
import { cloudFormationQueueSettings, isCloudFormation, parseTemplate } from './cloudformation.js';
import { SourceError } from './errors.js';
import type { QueueSettings, Source } from './queue-settings.js';
import { artefactQueueSettings, type RabbitArtefact } from './rabbitmq-artefact.js';
import { definitionsArtefact, isDefinitions } from './rabbitmq-definitions.js';
import { isRabbitListing, listingArtefact } from './rabbitmq-listings.js';
import { sqsQueueSettings } from './sqs-attributes.js';
import { isSqsAttributes, isSqsQueueList, sqsCliSpecs, type SqsAttributesFile } from './sqs-cli.js';
import { terraformConfigQueueSettings } from './terraform-config.js';
import { looksLikeHcl } from './terraform-hcl.js';
import { isTerraformPlan, terraformPlanQueueSettings } from './terraform-plan.js';

export function fileSource(path: string): Source {
  return filesSource([path]);
}

/** One source reading every path together. */
export function filesSource(paths: readonly string[]): Source {
  return { description: `${paths.length === 1 ? 'file' : 'files'} ${paths.join(', ')}`, load: () => loadFiles(paths) };
}

const EXPECTED =
  'expected a Terraform plan (terraform show -json) or .tf files, a CloudFormation template, a RabbitMQ definitions export, ' +
  'management API or rabbitmqctl --formatter json listing, or aws sqs get-queue-attributes / list-queues output';

/** File names a folder source reads; others (READMEs, .terraform/) are not sources. */
const READ_IN_FOLDER = /\.(json|ya?ml|template|tf)$/i;

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

/** What one source's files add up to before they become queues. */
interface Collected {
  standalone: Promise<QueueSettings[]>[];
  rabbit: RabbitArtefact[];
  sqs: SqsAttributesFile[];
  sqsUrls: string[];
  /** Terraform root-module folders whose `.tf` files are read directly (no plan among them). */
  terraformDirs: Set<string>;
  planDirs: Set<string>;
}

async function filesOf(path: string): Promise<string[]> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch {
    return [path]; // readInputFile names the problem
  }
  if (!isFolder) return [path];
  const names = (await readdir(path)).filter((name) => READ_IN_FOLDER.test(name)).sort();
  if (names.length === 0) throw new SourceError(`${path}: a folder with no .json, .yaml, .yml, .template or .tf file: ${EXPECTED}`);
  return names.map((name) => join(path, name));
}

async function collect(file: string, into: Collected): Promise<void> {
  const text = await readInputFile(file);
  const start = text.trimStart()[0];
  if (start === '{' || start === '[') {
    const document = parseJson(text, file);
    if (isTerraformPlan(document)) {
      into.planDirs.add(resolve(dirname(file)));
      into.standalone.push(terraformPlanQueueSettings(document, text, file));
    } else if (isDefinitions(document)) into.rabbit.push(definitionsArtefact(document, text, file));
    else if (isSqsAttributes(document)) into.sqs.push({ document, text, file });
    else if (isSqsQueueList(document)) into.sqsUrls.push(...document.QueueUrls);
    else if (isCloudFormation(document)) into.standalone.push(Promise.resolve(cloudFormationQueueSettings(text, file)));
    else if (isRabbitListing(document)) into.rabbit.push(listingArtefact(document, text, file));
    else throw new SourceError(`${file}: unrecognised JSON: ${EXPECTED}`);
    return;
  }
  if (looksLikeHcl(text)) {
    into.terraformDirs.add(resolve(dirname(file)));
    return;
  }
  const { document } = parseTemplate(text, file);
  if (!isCloudFormation(document)) throw new SourceError(`${file}: unrecognised file: ${EXPECTED}`);
  into.standalone.push(Promise.resolve(cloudFormationQueueSettings(text, file)));
}

async function loadFiles(paths: readonly string[]): Promise<QueueSettings[]> {
  const into: Collected = { standalone: [], rabbit: [], sqs: [], sqsUrls: [], terraformDirs: new Set(), planDirs: new Set() };
  for (const path of paths) for (const file of await filesOf(path)) await collect(file, into);
  if (into.sqsUrls.length > 0 && into.sqs.length === 0 && into.rabbit.length === 0 && into.standalone.length === 0) {
    throw new SourceError(`${paths.join(', ')}: aws sqs list-queues output names queues but not their attributes: add aws sqs get-queue-attributes --attribute-names All output for each`);
  }
  // .tf files next to a plan only help read the plan
  const configs = [...into.terraformDirs].filter((dir) => !into.planDirs.has(dir)).map((dir) => terraformConfigQueueSettings(dir));
  const read = await Promise.all([...into.standalone, ...configs]);
  const source = into.rabbit.some((a) => a.version !== undefined) ? 'definitions' : 'rabbitmq-files';
  return [
    ...read.flat(),
    ...(into.rabbit.length === 0 ? [] : artefactQueueSettings(into.rabbit, source, into.rabbit.length === 1 ? into.rabbit[0]?.file : undefined)),
    ...(into.sqs.length === 0 ? [] : sqsQueueSettings(sqsCliSpecs(into.sqs, into.sqsUrls))),
  ];
}
