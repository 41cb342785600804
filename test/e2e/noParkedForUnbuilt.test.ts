import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import examples from '@octokit/webhooks-examples';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNames } from '../../shared/queue/names';
import { queuesSettled } from '../support/alertReceiver';
import { startTestHost, type TestHost, testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders, githubHeaders, gitlabHeaders, post } from '../support/webhookClient';

/**
 * Every recorded Azure DevOps service hook and every GitHub and GitLab example payload, posted to a
 * host running every function, leaves behind only messages an operator can act on: an event whose
 * capability is not built yet is acknowledged and ignored, never parked.
 */
const fixtures = join(__dirname, '..', 'fixtures');
const cli = join(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');

function jsonFilesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? jsonFilesUnder(path) : name.endsWith('.json') ? [path] : [];
  });
}

let host: TestHost;

beforeAll(async () => {
  host = await startTestHost();
  for (const file of jsonFilesUnder(join(fixtures, 'azure-devops', 'service-hooks'))) {
    await post(host.url('/hooks/azure-devops'), readFileSync(file), azureDevOpsHeaders());
  }
  for (const group of examples) {
    for (const payload of group.examples) {
      const body = JSON.stringify(payload);
      await post(host.url('/hooks/github'), body, githubHeaders(group.name, body));
    }
  }
  for (const name of readdirSync(join(fixtures, 'gitlab')).filter((file) => file.endsWith('.json'))) {
    const body = readFileSync(join(fixtures, 'gitlab', name), 'utf8');
    await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body));
  }
  await queuesSettled(host, queueNames);
});

afterAll(async () => {
  await host?.dispose();
});

describe('events whose capability is not built yet', () => {
  it('leave no message in `vigil dlq list` that says a capability is missing', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'dlq', 'list', '--json'], {
      env: { ...process.env, ...testHookSecrets, VIGIL_DATA_DIR: host.dataDir },
    });
    const listed = JSON.parse(stdout) as { messages: Array<{ reason: string }> };
    // What is parked is parked for a reason an operator can fix (no organization configured for it).
    expect(listed.messages.length).toBeGreaterThan(0);
    for (const message of listed.messages) expect(message.reason).not.toMatch(/not (implemented|built)/i);
    expect(listed.messages.map((message) => message.reason)).toContainEqual(expect.stringMatching(/no organization '/));
  });
});
