import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCompiledCli } from '../support/compiledCli';

/** `vigil orgs rules NAME add|list|remove` and `vigil orgs summaries NAME` over the compiled CLI: settings checked when set, shown by `orgs show`. */
let env: NodeJS.ProcessEnv;
let dataDir: string;

const vigil = (...args: string[]) => runCompiledCli(env, ...args);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-orgs-rules-'));
  env = { PATH: process.env.PATH, VIGIL_DATA_DIR: dataDir };
  expect((await vigil('orgs', 'add', 'contoso', '--gitlab-url', 'https://gitlab.example.com', '--gitlab-token-secret', 'gl')).code).toBe(0);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('vigil orgs rules', () => {
  it('says there are none at first, so every event runs its work', async () => {
    expect(await vigil('orgs', 'rules', 'contoso', 'list')).toMatchObject({
      code: 0,
      stdout: '',
      stderr: "organization 'contoso' has no trigger rules: every event runs its work\n",
    });
  });

  it('adds rules in order, one before another when asked, and lists them', async () => {
    expect(
      await vigil(
        'orgs',
        'rules',
        'contoso',
        'add',
        'docs-only',
        '--skip',
        '--events',
        'push',
        'pull-request',
        '--path',
        'docs/**',
        '*.md',
      ),
    ).toMatchObject({
      code: 0,
      stdout: "organization 'contoso': trigger rule 1. docs-only: skip push, pull-request when every changed path docs/** *.md\n",
    });
    expect((await vigil('orgs', 'rules', 'contoso', 'add', 'nightly', '--skip', '--events', 'build', '--pipeline', 'nightly-*')).code).toBe(
      0,
    );
    expect(
      (await vigil('orgs', 'rules', 'contoso', 'add', 'release', '--run', '--branch', 'release/*', '--before', 'docs-only')).stdout,
    ).toBe("organization 'contoso': trigger rule 1. release: run all work when branch release/*\n");
    expect((await vigil('orgs', 'rules', 'contoso', 'list')).stdout).toBe(
      [
        '1. release: run all work when branch release/*',
        '2. docs-only: skip push, pull-request when every changed path docs/** *.md',
        '3. nightly: skip build when pipeline nightly-*',
        '',
      ].join('\n'),
    );
    const listed = JSON.parse((await vigil('orgs', 'rules', 'contoso', 'list', '--json')).stdout) as {
      triggerRules: Array<{ name: string }>;
    };
    expect(listed.triggerRules.map((rule) => rule.name)).toEqual(['release', 'docs-only', 'nightly']);
  });

  it('shows the rules in vigil orgs show', async () => {
    expect((await vigil('orgs', 'show', 'contoso')).stdout).toContain(
      '  trigger rule  2. docs-only: skip push, pull-request when every changed path docs/** *.md\n',
    );
  });

  it('refuses a bad pattern, an unknown event, a repeated name and a rule without an action, with exit 2 and what is wrong', async () => {
    expect(await vigil('orgs', 'rules', 'contoso', 'add', 'broken', '--skip', '--path', 'src/{a,b')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`trigger rule 'broken': --path: bad pattern 'src/{a,b': Missing closing: "}"`),
    });
    expect(await vigil('orgs', 'rules', 'contoso', 'add', 'deploys', '--skip', '--events', 'deploy')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("trigger rule 'deploys': --events: expected build, push, pull-request"),
    });
    expect(await vigil('orgs', 'rules', 'contoso', 'add', 'nightly', '--skip', '--branch', 'main')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("already has a trigger rule 'nightly' (remove it first: vigil orgs rules contoso remove nightly)"),
    });
    expect(await vigil('orgs', 'rules', 'contoso', 'add', 'vague', '--branch', 'main')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('say what the rule does: --skip or --run'),
    });
    expect((await vigil('orgs', 'rules', 'contoso', 'list', '--json')).stdout).not.toContain('broken');
  });

  it('removes a rule by name, and says so when there is none of that name', async () => {
    expect((await vigil('orgs', 'rules', 'contoso', 'remove', 'release')).stdout).toBe(
      "organization 'contoso': removed trigger rule 'release'\n",
    );
    expect(await vigil('orgs', 'rules', 'contoso', 'remove', 'release')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("organization 'contoso' has no trigger rule 'release' (vigil orgs rules contoso list)"),
    });
    expect((await vigil('orgs', 'rules', 'contoso', 'list')).stdout).toMatch(/^1\. docs-only: /);
  });
});

describe('vigil orgs summaries', () => {
  it('sets an Azure OpenAI writer by secret name, shows it, and goes back to the template', async () => {
    const set = await vigil(
      'orgs',
      'summaries',
      'contoso',
      '--writer',
      'azure-openai',
      '--endpoint',
      'https://contoso-ai.openai.azure.com/',
      '--deployment',
      'gpt-4o-mini',
      '--key-secret',
      'azure-openai-contoso',
    );
    expect(set).toMatchObject({
      code: 0,
      stdout:
        "organization 'contoso': summaries written by azure-openai deployment gpt-4o-mini at https://contoso-ai.openai.azure.com (api 2024-10-21, key secret azure-openai-contoso, time-out 10 s; the template when it fails)\n",
      stderr: "note: secret 'azure-openai-contoso' is not in the vault yet (vigil secrets set azure-openai-contoso)\n",
    });
    expect((await vigil('orgs', 'show', 'contoso')).stdout).toContain('  summaries     written by azure-openai deployment gpt-4o-mini');
    expect((await vigil('orgs', 'summaries', 'contoso', '--writer', 'template')).stdout).toBe(
      "organization 'contoso': summaries written by the template\n",
    );
    expect((await vigil('orgs', 'show', 'contoso', '--json')).stdout).not.toContain('azure-openai');
  });

  it('refuses settings it cannot use, saying which option', async () => {
    expect(await vigil('orgs', 'summaries', 'contoso', '--writer', 'azure-openai', '--deployment', 'd')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--writer azure-openai needs --endpoint URL and --deployment NAME'),
    });
    expect(
      await vigil('orgs', 'summaries', 'contoso', '--writer', 'azure-openai', '--endpoint', 'http://contoso.example', '--deployment', 'd'),
    ).toMatchObject({ code: 2, stderr: expect.stringContaining('--endpoint: an https URL') });
    expect(
      await vigil(
        'orgs',
        'summaries',
        'contoso',
        '--writer',
        'azure-openai',
        '--endpoint',
        'https://contoso-ai.openai.azure.com',
        '--deployment',
        'd',
        '--timeout-seconds',
        '600',
      ),
    ).toMatchObject({ code: 2, stderr: expect.stringContaining('--timeout-seconds: ') });
  });
});
