import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppServices } from '../../../shared/app/services';
import type { CiProviderConfig } from '../../../shared/ci/providers/ciProvider';
import { builtInCiProviderNames, loadCiProviders } from '../../../shared/ci/providers/registry';
import { loadConfig } from '../../../shared/config';
import { ConfigurationError } from '../../../shared/errors';
import { createLogger } from '../../../shared/logging/logger';
import { ManualClock } from '../../support/manualClock';

/**
 * The CI provider registry: the built-ins by name, extra modules loaded only from the paths an
 * operator configured, and every way a module can be wrong reported as one ConfigurationError
 * naming the path and the fault, before anything starts.
 */
const directory = mkdtempSync(join(tmpdir(), 'vigil-ci-providers-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let counter = 0;
/** A module file with `source` as its body; a fresh name each time, as modules are cached by path. */
function moduleFile(source: string, extension = 'mjs'): string {
  const path = join(directory, `provider-${++counter}.${extension}`);
  writeFileSync(path, source);
  return path;
}

const providerModule = (name: string, extra = '') => `
export function createCiProvider(config) {
  return {
    name: ${JSON.stringify(name)},
    async *listRuns() {},
    async getRun(ref) {
      return { provider: ${JSON.stringify(name)}, id: ref.id, number: ref.id, label: 'run ' + ref.id, organizationSeen: config.organization.organization,
        pipeline: { id: 'p', name: 'p' }, asset: { id: 'job:p', name: 'p' }, key: 'run:' + ref.id, status: 'completed' };
    },
    async *streamLogs() {},
    ${extra}
  };
}
`;

function configWith(modules: string[]) {
  return loadConfig({ VIGIL_DATA_DIR: join(directory, 'data'), VIGIL_CI_PROVIDER_MODULES: modules.join(',') });
}

function providerConfig(modules: string[] = []): CiProviderConfig {
  return {
    organization: {
      id: 'contoso',
      organization: 'contoso',
      alertChannels: [],
      workItems: { workItemType: 'Issue', stateMapping: {} },
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
    },
    vault: { getSecret: async () => undefined },
    clock: new ManualClock(),
    logger: createLogger({ sink: { write: () => undefined } }),
    config: configWith(modules),
  };
}

async function configurationError(modules: string[]): Promise<ConfigurationError> {
  try {
    await loadCiProviders(configWith(modules));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('the CI provider registry', () => {
  it('knows the built-in azure-pipelines, github-actions and gitlab-ci providers without any configuration', async () => {
    const registry = await loadCiProviders(configWith([]));
    expect(registry.names).toEqual(['azure-pipelines', 'github-actions', 'gitlab-ci']);
    expect(builtInCiProviderNames).toEqual(['azure-pipelines', 'github-actions', 'gitlab-ci']);
    expect(registry.origin('github-actions')).toBe('built-in');
    for (const name of registry.names) {
      const provider = await registry.create(name, providerConfig());
      expect(provider.name).toBe(name);
      await provider.close?.();
    }
  });

  it('says which providers exist when asked for an unknown one', async () => {
    const registry = await loadCiProviders(configWith([]));
    await expect(registry.create('jenkins', providerConfig())).rejects.toThrow(
      /no CI provider 'jenkins' \(known: azure-pipelines, github-actions, gitlab-ci; add a module with VIGIL_CI_PROVIDER_MODULES/,
    );
  });

  it('loads an extra provider from a configured ES module and makes it for an organization', async () => {
    const path = moduleFile(providerModule('jenkins'));
    const registry = await loadCiProviders(configWith([path]));
    expect(registry.names).toEqual(['azure-pipelines', 'github-actions', 'gitlab-ci', 'jenkins']);
    expect(registry.origin('jenkins')).toBe(path);
    const provider = await registry.create('jenkins', providerConfig([path]));
    expect(await provider.getRun({ id: '12' })).toMatchObject({ provider: 'jenkins', id: '12', organizationSeen: 'contoso' });
  });

  it('loads a CommonJS provider module too, and several modules in the order configured', async () => {
    const common = moduleFile(
      `exports.createCiProvider = () => ({ name: 'buildkite', listRuns: async function* () {}, getRun: async () => { throw new Error('unused'); }, streamLogs: async function* () {} });\n`,
      'cjs',
    );
    const esm = moduleFile(providerModule('drone'));
    const registry = await loadCiProviders(configWith([common, ` ${esm} `]));
    expect(registry.names).toEqual(['azure-pipelines', 'github-actions', 'gitlab-ci', 'buildkite', 'drone']);
  });

  it('fails with the path when a configured module does not exist', async () => {
    const path = join(directory, 'no-such-provider.mjs');
    const error = await configurationError([path]);
    expect(error.message).toBe(
      `VIGIL_CI_PROVIDER_MODULES: the module '${path}' does not exist: check the path (relative paths start at the working directory)`,
    );
  });

  it('fails with the path when a module does not export createCiProvider', async () => {
    const path = moduleFile('export function makeProvider() { return {}; }\n');
    const error = await configurationError([path]);
    expect(error.message).toContain(`the module '${path}' does not export a function createCiProvider(config)`);
  });

  it('fails with the path when a module cannot even be loaded', async () => {
    const path = moduleFile('export function createCiProvider( {\n');
    const error = await configurationError([path]);
    expect(error.message).toMatch(new RegExp(`the module '${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' could not be loaded: `));
  });

  it('fails naming what is missing when createCiProvider returns something that is not a provider', async () => {
    const path = moduleFile(`export function createCiProvider() { return { name: 'half', listRuns() {}, getRun() {} }; }\n`);
    const error = await configurationError([path]);
    expect(error.message).toContain(`createCiProvider of '${path}' returned no CI provider at start-up: streamLogs: a function`);
  });

  it('fails when createCiProvider needs I/O or settings at start-up, or returns a promise', async () => {
    const throws = moduleFile(
      `export function createCiProvider(config) { if (!config.organization.jenkins) throw new Error('no jenkins settings'); }\n`,
    );
    expect((await configurationError([throws])).message).toContain(`createCiProvider of '${throws}' threw at start-up`);
    const promise = moduleFile(`export async function createCiProvider() { return {}; }\n`);
    expect((await configurationError([promise])).message).toContain('returned a promise at start-up: it must return the provider itself');
  });

  it('refuses a module whose provider takes a built-in name', async () => {
    const path = moduleFile(providerModule('github-actions'));
    const error = await configurationError([path]);
    expect(error.message).toBe(
      `VIGIL_CI_PROVIDER_MODULES: the module '${path}' provides 'github-actions', a name already taken by a built-in provider: give its provider another name or remove one of them`,
    );
  });

  it('refuses two modules that provide the same name, naming both', async () => {
    const first = moduleFile(providerModule('teamcity'));
    const second = moduleFile(providerModule('teamcity'));
    const error = await configurationError([first, second]);
    expect(error.message).toContain(`the module '${second}' provides 'teamcity', a name already taken by the module '${first}'`);
  });

  it('stops app start-up before anything is opened when a configured module is wrong', async () => {
    const path = join(directory, 'missing.mjs');
    const dataDir = join(directory, 'start-up');
    await expect(createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_CI_PROVIDER_MODULES: path }))).rejects.toThrow(
      `VIGIL_CI_PROVIDER_MODULES: the module '${path}' does not exist`,
    );
  });
});
