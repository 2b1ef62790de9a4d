import { describe, expect, it } from 'vitest';

describe('the library entry point', () => {
  it('imports without side effects and exposes the three tools', async () => {
    const handles = process.getActiveResourcesInfo().length;
    const library = await import('../../src/index.js');
    expect(typeof library.handleCommand).toBe('function');
    expect(typeof library.runScenario).toBe('function');
    expect(typeof library.runPolicyCheck).toBe('function');
    expect(library.OFFICE_CODES).toHaveLength(13);
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(handles);
  });
});
