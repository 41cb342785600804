import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/architecture.md, "Start-up": a cold start imports the function files and, on first use, only
 * the adapters its configuration names. Checked on the compiled app as the Functions host loads it,
 * in a fresh process: what it has loaded once every function is registered, and once the adapters
 * for its configuration are loaded.
 */
const root = join(__dirname, '..', '..');

function packagesLoaded(env: Record<string, string>, withAdapters: boolean): string[] {
  const script = `
    const { readdirSync } = require('node:fs');
    const { join } = require('node:path');
    const functions = join(${JSON.stringify(root)}, 'dist', 'functions');
    for (const file of readdirSync(functions).filter((name) => name.endsWith('.js'))) require(join(functions, file));
    const done = () => process.stdout.write(JSON.stringify([...new Set(Object.keys(require.cache).flatMap((m) => {
      const p = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(m); return p ? [p[1]] : [];
    }))].sort()));
    if (${withAdapters}) {
      const { loadConfig } = require(join(${JSON.stringify(root)}, 'dist', 'shared', 'config.js'));
      require(join(${JSON.stringify(root)}, 'dist', 'shared', 'app', 'services.js')).loadAdapterModules(loadConfig()).then(done);
    } else done();`;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '', ...env } }).toString('utf8'),
  ) as string[];
}

/** The app's own modules under dist/shared/ loaded once every function is registered and the embedded adapters are loaded. */
function sharedFoldersLoaded(): string[] {
  const script = `
    const { readdirSync } = require('node:fs');
    const { join } = require('node:path');
    const functions = join(${JSON.stringify(root)}, 'dist', 'functions');
    for (const file of readdirSync(functions).filter((name) => name.endsWith('.js'))) require(join(functions, file));
    const { loadConfig } = require(join(${JSON.stringify(root)}, 'dist', 'shared', 'config.js'));
    require(join(${JSON.stringify(root)}, 'dist', 'shared', 'app', 'services.js')).loadAdapterModules(loadConfig()).then(() =>
      process.stdout.write(JSON.stringify([...new Set(Object.keys(require.cache).flatMap((m) => {
        const p = /dist[\\/]shared[\\/]([^\\/]+)[\\/]/.exec(m); return p ? [p[1]] : [];
      }))].sort())));`;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH ?? '', VIGIL_DATA_DIR: join(root, 'test', '.tmp', 'startup') },
    }).toString('utf8'),
  ) as string[];
}

const azure = {
  ServiceBusConnection__fullyQualifiedNamespace: 'vigil-test.servicebus.windows.net',
  COSMOS_ENDPOINT: 'https://vigil-test.documents.azure.com:443/',
  KEY_VAULT_URL: 'https://vigil-test.vault.azure.net',
};
const clients = ['azure-devops-node-api', '@octokit/rest', '@octokit/core', '@gitbeaker/rest', '@gitbeaker/core'];

describe('a cold start', () => {
  it('registers every function without loading any SDK, client or database binding', () => {
    const loaded = packagesLoaded({ VIGIL_DATA_DIR: join(root, 'test', '.tmp', 'startup') }, false);
    expect(loaded.filter((name) => name.startsWith('@azure/') && !name.startsWith('@azure/functions'))).toEqual([]);
    expect(loaded.filter((name) => clients.includes(name) || name === 'better-sqlite3')).toEqual([]);
  });

  it('on the local host loads SQLite and no Azure SDK', () => {
    const loaded = packagesLoaded({ VIGIL_DATA_DIR: join(root, 'test', '.tmp', 'startup') }, true);
    expect(loaded).toContain('better-sqlite3');
    expect(loaded.filter((name) => name.startsWith('@azure/') && !name.startsWith('@azure/functions'))).toEqual([]);
  });

  it('never loads the Azure DevOps simulator or the demo (only `vigil demo` does)', () => {
    const loaded = sharedFoldersLoaded();
    expect(loaded).toContain('app');
    expect(loaded).not.toContain('simulator');
    expect(loaded).not.toContain('demo');
  });

  it('never loads the scanning engine: no webhook needs it, and its rules take longest to load', () => {
    expect(sharedFoldersLoaded()).not.toContain('scanning');
  });

  it('in Azure loads Service Bus and Cosmos DB and no SQLite, nor any client a webhook never uses', () => {
    const loaded = packagesLoaded(azure, true);
    expect(loaded).toEqual(expect.arrayContaining(['@azure/service-bus', '@azure/cosmos']));
    expect(loaded).not.toContain('better-sqlite3');
    expect(loaded.filter((name) => clients.includes(name))).toEqual([]);
  });
});
