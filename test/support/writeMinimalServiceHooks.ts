/**
 * Writes the minimal variant of every routed recorded Azure DevOps sample to
 * test/fixtures/azure-devops/service-hooks/minimal/ (same relative path), by the rule in
 * minimalServiceHooks.ts. The files are committed; test/unit/events/minimalServiceHooks.test.ts
 * fails when they no longer match the rule.
 *
 *   node --require tsx/cjs test/support/writeMinimalServiceHooks.ts
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  jsonFilesUnder,
  minimalServiceHookSamples,
  minimalVariant,
  routedServiceHookSamples,
  serviceHookSamples,
} from './minimalServiceHooks';

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const eventType = (path: string) => {
  const type = readJson(path).eventType;
  return typeof type === 'string' ? type : undefined;
};

const routed = routedServiceHookSamples(eventType);
// Only what the rule derives: a sample that is no longer routed loses its variant (the README stays).
if (existsSync(minimalServiceHookSamples)) for (const path of jsonFilesUnder(minimalServiceHookSamples)) rmSync(path);
for (const name of routed) {
  const target = join(minimalServiceHookSamples, name);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${JSON.stringify(minimalVariant(readJson(join(serviceHookSamples, name))), null, 2)}\n`);
}
process.stdout.write(`wrote ${routed.length} minimal variants to ${minimalServiceHookSamples}\n`);
