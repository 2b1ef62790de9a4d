import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tellStory, type StoryResult } from '../../src/story/story.js';

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
    const html = await readFile(result.reports[0]!, 'utf8');
    expect(html).toContain('<svg');
  }, 90_000);

  it('without RabbitMQ it tells the same story on the local SQS endpoint', async () => {
    const { result, progress } = await story('http://127.0.0.1:9'); // nothing listens on the discard port
    expect(result.broker).toMatch(/local SQS endpoint/);
    expect(result.ok, progress.join('\n')).toBe(true);
    expect(progress.join('\n')).toMatch(/aws sqs set-queue-attributes|RedrivePolicy|redrive_policy/);
  }, 90_000);
});
