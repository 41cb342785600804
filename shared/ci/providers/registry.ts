import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { systemClock } from '../../clock';
import type { VigilConfig } from '../../config';
import { ConfigurationError } from '../../errors';
import { createLogger } from '../../logging';
import type { OrganizationSettings } from '../../organizations';
import type { CiProvider, CiProviderConfig, CreateCiProvider } from './ciProvider';

/**
 * CI providers by name: the built-ins, and the extra modules an operator lists in
 * VIGIL_CI_PROVIDER_MODULES. Only those paths are ever loaded; anything wrong with one (no file,
 * no `createCiProvider` export, a provider of the wrong shape, a name already taken) stops
 * start-up with a ConfigurationError naming the path, rather than failing later on a queue.
 */
export interface CiProviderRegistry {
  /** Every provider name: the built-ins first, then the extra modules in the order configured. */
  readonly names: readonly string[];
  /** Where a provider comes from: `built-in`, or the module's absolute path. */
  origin(name: string): string | undefined;
  /** A provider for one organization. */
  create(name: string, config: CiProviderConfig): Promise<CiProvider>;
}

/** Built-ins are imported on first use, so a process that never scans CI does not load their SDKs. */
const builtIns: Record<string, () => Promise<CreateCiProvider>> = {
  'azure-pipelines': async () => (await import('./azurePipelinesProvider.js')).createAzurePipelinesProvider,
  'github-actions': async () => (await import('./githubActionsProvider.js')).createGitHubActionsProvider,
  'gitlab-ci': async () => (await import('./gitlabCiProvider.js')).createGitLabCiProvider,
};

export const builtInCiProviderNames: readonly string[] = Object.keys(builtIns);

const providerNamePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
const callable = z.custom<(...args: unknown[]) => unknown>((value) => typeof value === 'function', { message: 'a function' });
const providerShape = z.object({
  name: z.string().regex(providerNamePattern, { message: "a name of lower-case letters, digits and '-'" }),
  listRuns: callable,
  getRun: callable,
  streamLogs: callable,
  close: callable.optional(),
});

interface Entry {
  origin: string;
  factory: () => Promise<CreateCiProvider>;
}

const loaded = new Map<string, Promise<CiProviderRegistry>>();

/**
 * The registry for this configuration, loaded once per process (per distinct module list).
 * Called at start-up by createAppServices so a bad module stops the host before it serves.
 */
export function loadCiProviders(config: VigilConfig): Promise<CiProviderRegistry> {
  const paths = modulePaths(config.environment.VIGIL_CI_PROVIDER_MODULES);
  const key = paths.join('\n');
  let registry = loaded.get(key);
  if (!registry) {
    registry = buildRegistry(paths, config);
    loaded.set(key, registry);
    // A failed load is not remembered: the next caller gets the same clear error, not a stale promise.
    registry.catch(() => loaded.delete(key));
  }
  return registry;
}

function modulePaths(setting: string | undefined): string[] {
  return (setting ?? '')
    .split(',')
    .map((path) => path.trim())
    .filter((path) => path.length > 0);
}

async function buildRegistry(paths: string[], config: VigilConfig): Promise<CiProviderRegistry> {
  const entries = new Map<string, Entry>();
  for (const [name, factory] of Object.entries(builtIns)) entries.set(name, { origin: 'built-in', factory });
  for (const configured of paths) {
    const path = resolve(configured);
    const factory = await loadModule(configured, path);
    let probe: unknown;
    try {
      probe = factory(startUpCheckConfig(config));
    } catch (error) {
      const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new ConfigurationError(
        `createCiProvider of '${path}' threw at start-up (it must not do I/O or need settings until it is used): ${detail}`,
      );
    }
    const name = nameOf(probe, path, 'at start-up');
    const taken = entries.get(name);
    if (taken) {
      const by = taken.origin === 'built-in' ? 'a built-in provider' : `the module '${taken.origin}'`;
      throw new ConfigurationError(
        `VIGIL_CI_PROVIDER_MODULES: the module '${path}' provides '${name}', a name already taken by ${by}: give its provider another name or remove one of them`,
      );
    }
    entries.set(name, { origin: path, factory: async () => factory });
  }
  return {
    names: [...entries.keys()],
    origin: (name) => entries.get(name)?.origin,
    async create(name, providerConfig) {
      const entry = entries.get(name);
      if (!entry) {
        throw new ConfigurationError(
          `no CI provider '${name}' (known: ${[...entries.keys()].join(', ')}; add a module with VIGIL_CI_PROVIDER_MODULES, see docs/ci-providers.md)`,
        );
      }
      const provider = (await entry.factory())(providerConfig);
      nameOf(provider, entry.origin, `for organization '${providerConfig.organization.organization}'`);
      if (provider.name !== name) {
        throw new ConfigurationError(
          `the CI provider '${name}' from '${entry.origin}' now calls itself '${provider.name}': a provider's name must not change`,
        );
      }
      return provider;
    },
  };
}

async function loadModule(configured: string, path: string): Promise<CreateCiProvider> {
  const where = `VIGIL_CI_PROVIDER_MODULES: the module '${path}'${configured === path ? '' : ` (listed as '${configured}')`}`;
  if (!existsSync(path))
    throw new ConfigurationError(`${where} does not exist: check the path (relative paths start at the working directory)`);
  if (!statSync(path).isFile()) throw new ConfigurationError(`${where} is not a file`);
  let namespace: unknown;
  try {
    namespace = await import(pathToFileURL(path).href);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigurationError(`${where} could not be loaded: ${detail}`);
  }
  const factory = exportedFactory(namespace);
  if (!factory) throw new ConfigurationError(`${where} does not export a function createCiProvider(config): see docs/ci-providers.md`);
  return factory;
}

/** `export function createCiProvider` in an ES module, or `exports.createCiProvider` in CommonJS (which `import()` shows as `default`). */
function exportedFactory(moduleNamespace: unknown): CreateCiProvider | undefined {
  const exported = moduleNamespace as { createCiProvider?: unknown; default?: { createCiProvider?: unknown } } | null;
  const candidate = exported?.createCiProvider ?? exported?.default?.createCiProvider;
  return typeof candidate === 'function' ? (candidate as CreateCiProvider) : undefined;
}

/** The provider's name, after checking it has the CiProvider shape; a ConfigurationError naming what is missing otherwise. */
function nameOf(provider: unknown, origin: string, when: string): string {
  if (provider && typeof (provider as { then?: unknown }).then === 'function') {
    throw new ConfigurationError(
      `createCiProvider of '${origin}' returned a promise ${when}: it must return the provider itself (connect lazily, in its methods)`,
    );
  }
  const parsed = providerShape.safeParse(provider);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || '(the returned value)';
    throw new ConfigurationError(
      `createCiProvider of '${origin}' returned no CI provider ${when}: ${field}: ${issue.message} (a provider has name, listRuns, getRun and streamLogs)`,
    );
  }
  return parsed.data.name;
}

/**
 * What a module's factory gets at start-up, when it is only asked for its name and shape: an
 * organization with no integrations and a vault with no secrets, so nothing real is handed to it
 * before it is used for a real organization.
 */
function startUpCheckConfig(config: VigilConfig): CiProviderConfig {
  const organization: OrganizationSettings = {
    id: 'vigil-start-up-check',
    organization: 'vigil-start-up-check',
    alertChannels: [],
    workItems: { workItemType: 'Issue', stateMapping: {} },
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
  };
  return {
    organization,
    vault: { getSecret: async () => undefined },
    clock: systemClock,
    logger: createLogger({ sink: { write: () => undefined } }),
    config,
  };
}
