import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { azureDevOpsSource } from '../../shared/events/sources/azureDevOps';

/** The recorded Azure DevOps service hook samples, and their minimal variants under `minimal/`. */
export const serviceHookSamples = join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks');
export const minimalServiceHookSamples = join(serviceHookSamples, 'minimal');

/**
 * What a resource keeps when a subscription asks for Minimal resource details. Microsoft documents
 * only "key fields such as id, url and name", and publishes one Minimal sample (build.complete,
 * `alt/build.complete.minimal.docs-2025.json`), which also keeps `status` and `result`. So:
 * `id`, `url`, `name`, `_links`, every `…Id`/`…Ids`, `rev` (the number that identifies a revision),
 * and `state`/`status`/`result`; an object or array is kept when something inside it is.
 */
const keptKeys = new Set(['id', 'url', 'name', '_links', 'rev', 'state', 'status', 'result']);
const isKept = (key: string) => keptKeys.has(key) || /Ids?$/.test(key);

/**
 * The minimal variant of a recorded sample: the resource pruned as above, and no `message` or
 * `detailedMessage` (`vigil hooks subscribe` asks for no messages). The other top-level fields
 * (`id`, `eventType`, `subscriptionId`, `resourceContainers`, …) are not part of the resource and stay.
 */
export function minimalVariant(sample: Record<string, unknown>): Record<string, unknown> {
  const variant: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(sample)) {
    if (key === 'message' || key === 'detailedMessage') continue;
    if (key !== 'resource') variant[key] = value;
    else variant.resource = pruned(value) ?? {};
  }
  return variant;
}

function pruned(value: unknown): unknown {
  if (Array.isArray(value)) {
    const kept = value.map(pruned).filter((element) => element !== undefined);
    return kept.length > 0 ? kept : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const kept: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (isKept(key)) kept[key] = child;
    else {
      const inner = pruned(child);
      if (inner !== undefined) kept[key] = inner;
    }
  }
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** Paths (relative to the samples folder, `/`-separated) of the recorded samples of event types Vigil reads ids from. */
export function routedServiceHookSamples(readType: (path: string) => string | undefined): string[] {
  return jsonFilesUnder(serviceHookSamples)
    .filter((path) => !path.startsWith(minimalServiceHookSamples + sep))
    .filter((path) => {
      const type = readType(path);
      return type !== undefined && type in azureDevOpsSource.extractors;
    })
    .map((path) => relative(serviceHookSamples, path).split(sep).join('/'));
}

export function jsonFilesUnder(directory: string): string[] {
  return readdirSync(directory)
    .flatMap((name) => {
      const path = join(directory, name);
      return statSync(path).isDirectory() ? jsonFilesUnder(path) : name.endsWith('.json') ? [path] : [];
    })
    .sort();
}
