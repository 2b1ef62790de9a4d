import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tellStory, type StoryResult } from '../../src/story/story.js';
import { closedPort } from '../support/rabbitmq-management.js';

let out: string;
beforeAll(async () => void (out = await mkdtemp(join(tmpdir(), 'esr-story-'))));
afterAll(async () => rm(out, { recursive: true, force: true }));

async function story(managementUrl: string): Promise<{ result: StoryResult; progress: string[] }> {
  const progress: string[] = [];
  const result = await tellStory({
    outDir: out,
    policiesDir: 'policies',
    scenariosDir: 'scenarios',
    amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
    managementUrl,
    compression: 100,
    progress: (line) => progress.push(line),
  });
  return { result, progress };
}

describe('the 2021 story in one command', () => {
  it('on the live RabbitMQ: every step behaves as the story says', async () => {
    const { result, progress } = await story('http://127.0.0.1:15672');
    expect(result.broker).toMatch(/^RabbitMQ/);
    expect(result.steps.map((s) => [s.title, s.ok])).toEqual(result.steps.map((s) => [s.title, true]));
    expect(result.steps).toHaveLength(5);
    expect(progress.join('\n')).toMatch(/rabbitmqctl set_policy/);
    expect(progress.join('\n')).toMatch(/runs that did not complete: APP:/);
    // The story's comparison is the distributional one, with its figures and bounds.
    expect(progress.join('\n')).toMatch(/files written +\d\.\d{3} ± \d\.\d{3} +\d\.\d{3} ± \d\.\d{3} +\d\.\d{3} +\d\.\d{3} +within/);
    const html = await readFile(result.reports[0]!, 'utf8');
    expect(html).toContain('<svg');
  }, 90_000);

  it('without the management API it tells the same story on the local SQS endpoint, saying AMQP answers and the API does not', async () => {
    const port = await closedPort();
    const { result, progress } = await story(`http://127.0.0.1:${port}`);
    expect(result.broker).toMatch(/local SQS endpoint/);
    expect(result.broker).toContain(`AMQP at amqp://127.0.0.1:5672 answers; the management API at http://127.0.0.1:${port} does not answer (connection refused (ECONNREFUSED))`);
    expect(result.ok, progress.join('\n')).toBe(true);
    expect(progress.join('\n')).toMatch(/aws sqs set-queue-attributes|RedrivePolicy|redrive_policy/);
  }, 90_000);
});
