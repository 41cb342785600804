import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * What a cold start pays before its first webhook can be answered: importing every compiled function
 * file (as the Functions host does through package.json `main`) and loading the store and queue
 * adapters the configuration names, with the vault adapter built (shared/app/services.ts,
 * `loadAdapterModules`; nothing connects). Each measure runs in a fresh process, alternated, and
 * the medians are reported.
 *
 * The baseline, measured in the same run: a process that imports only the Azure SDKs the Azure
 * configuration cannot start without (`@azure/functions`, `@azure/service-bus`, `@azure/cosmos`,
 * `@azure/identity`, `@azure/keyvault-secrets`). `ratio` = Azure import / that floor.
 * Targets (issue 16): ratio <= 1.3, embedded import <= 300 ms.
 */
const root = resolve(__dirname, '..', '..');
const runs = Number(process.env.BENCH_RUNS ?? 9);
const azureSdks = ['@azure/functions', '@azure/service-bus', '@azure/cosmos', '@azure/identity', '@azure/keyvault-secrets'];

const azureEnvironment = {
  ServiceBusConnection__fullyQualifiedNamespace: 'vigil-bench.servicebus.windows.net',
  COSMOS_ENDPOINT: 'https://vigil-bench.documents.azure.com:443/',
  KEY_VAULT_URL: 'https://vigil-bench.vault.azure.net',
};

/** Runs in the child: times the imports and prints `{ ms, rssMB, packages }`. */
const appImport = `
const t0 = process.hrtime.bigint();
const { readdirSync } = require('node:fs');
const { join } = require('node:path');
const functions = join(${JSON.stringify(root)}, 'dist', 'functions');
for (const file of readdirSync(functions).filter((name) => name.endsWith('.js')).sort()) require(join(functions, file));
const { loadConfig } = require(${JSON.stringify(join(root, 'dist', 'shared', 'config.js'))});
const { loadAdapterModules } = require(${JSON.stringify(join(root, 'dist', 'shared', 'app', 'services.js'))});
const { createVault } = require(${JSON.stringify(join(root, 'dist', 'shared', 'vault', 'createVault.js'))});
const config = loadConfig();
loadAdapterModules(config).then(() => {
  createVault(config);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const packages = [...new Set(Object.keys(require.cache).flatMap((m) => { const p = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(m); return p ? [p[1]] : []; }))].sort();
  process.stdout.write(JSON.stringify({ ms, rssMB: process.memoryUsage().rss / 1048576, packages }));
});`;

const sdkImport = `
const t0 = process.hrtime.bigint();
for (const name of ${JSON.stringify(azureSdks)}) require(name);
process.stdout.write(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6, rssMB: process.memoryUsage().rss / 1048576, packages: [] }));`;

interface Sample {
  ms: number;
  rssMB: number;
  packages: string[];
}

function sample(script: string, env: Record<string, string>): Sample {
  const output = execFileSync(process.execPath, ['-e', script], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } });
  return JSON.parse(output.toString('utf8')) as Sample;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (value: number) => Math.round(value * 10) / 10;

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-startup-'));
try {
  const embeddedEnvironment = { VIGIL_DATA_DIR: dataDir };
  const azure: Sample[] = [];
  const embedded: Sample[] = [];
  const floor: Sample[] = [];
  // One untimed round first: the file system cache, not the code, would be measured otherwise.
  sample(appImport, azureEnvironment);
  sample(appImport, embeddedEnvironment);
  sample(sdkImport, {});
  for (let run = 0; run < runs; run++) {
    azure.push(sample(appImport, azureEnvironment));
    floor.push(sample(sdkImport, {}));
    embedded.push(sample(appImport, embeddedEnvironment));
  }
  const azureImportMs = median(azure.map((s) => s.ms));
  const sdkFloorMs = median(floor.map((s) => s.ms));
  process.stdout.write(
    `${JSON.stringify({
      azureImportMs: round(azureImportMs),
      sdkFloorMs: round(sdkFloorMs),
      ratio: Math.round((azureImportMs / sdkFloorMs) * 100) / 100,
      embeddedImportMs: round(median(embedded.map((s) => s.ms))),
      rssMB: round(median(azure.map((s) => s.rssMB))),
      embeddedRssMB: round(median(embedded.map((s) => s.rssMB))),
      floorRssMB: round(median(floor.map((s) => s.rssMB))),
      runs,
      // What each configuration loaded: the embedded one must name no Azure SDK but @azure/functions, the Azure one no SQLite.
      azurePackages: azure[0].packages,
      embeddedPackages: embedded[0].packages,
    })}\n`,
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
