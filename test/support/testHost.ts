import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppServices } from '../../shared/app/services';
import { type FunctionDefinition, registeredFunctions } from '../../shared/azureFunctions/functionRegistry';
import type { Clock } from '../../shared/clock';
import { loadConfig } from '../../shared/config';
import { type LocalHost, startLocalHost } from '../../shared/localHost/localHost';
import { createLogger } from '../../shared/logging/logger';
import { createEnvironmentVault } from '../../shared/vault/environmentVault';
import type { Vault } from '../../shared/vault/port';

/** Synthetic hook secrets, generated per run: obviously not anyone's credentials. */
export const testHookSecrets = {
  VIGIL_HOOK_SECRET_AZURE_DEVOPS: `test-ado-${process.pid}-${Date.now().toString(36)}`,
  VIGIL_HOOK_SECRET_GITHUB: `test-github-${process.pid}-${Date.now().toString(36)}`,
  VIGIL_HOOK_SECRET_GITLAB: `test-gitlab-${process.pid}-${Date.now().toString(36)}`,
};

export interface TestHost extends LocalHost {
  dataDir: string;
  /** Every log line the host wrote (secret-scrubbed as in production). */
  logLines: string[];
  /** Resolves with the first log line (already written or yet to come) that matches. */
  waitForLog(pattern: RegExp): Promise<string>;
  url(path: string): string;
  /** Stops the host and deletes its data directory. */
  dispose(): Promise<void>;
}

/** Imports the app's function files from source, so the registry is the one these tests' modules see. */
export async function appFunctions(): Promise<FunctionDefinition[]> {
  const directory = join(__dirname, '..', '..', 'functions');
  for (const file of readdirSync(directory)
    .filter((name) => name.endsWith('.ts'))
    .sort()) {
    await import(join(directory, file));
  }
  return registeredFunctions();
}

/** A local host on a free loopback port with its own data directory, serving `functions` (default: the app's). */
export async function startTestHost(
  options: {
    env?: Record<string, string | undefined>;
    functions?: FunctionDefinition[];
    dataDir?: string;
    clock?: Clock;
    /** The vault the host reads (default: the environment, read-only). */
    vault?: Vault;
  } = {},
): Promise<TestHost> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vigil-host-'));
  const env = { ...testHookSecrets, VIGIL_DATA_DIR: dataDir, PORT: '0', VIGIL_LOG_LEVEL: 'debug', ...options.env };
  const config = loadConfig(env);
  const logLines: string[] = [];
  const logWaiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const write = (line: string) => {
    logLines.push(line);
    for (const waiter of logWaiters.filter((w) => w.pattern.test(line))) {
      logWaiters.splice(logWaiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  };
  const logger = createLogger({ level: 'debug', format: 'json', sink: { write } });
  const services = await createAppServices(config, { logger, vault: options.vault ?? createEnvironmentVault(env), clock: options.clock });
  const host = await startLocalHost({ config, services, functions: options.functions ?? (await appFunctions()), idlePollMs: 50 });
  return {
    ...host,
    dataDir,
    logLines,
    waitForLog(pattern) {
      const seen = logLines.find((line) => pattern.test(line));
      return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => logWaiters.push({ pattern, resolve }));
    },
    url: (path) => `${host.baseUrl}${path}`,
    async dispose() {
      await host.stop();
      await services.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
