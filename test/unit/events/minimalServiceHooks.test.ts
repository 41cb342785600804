import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { azureDevOpsSource } from '../../../shared/events/sources/azureDevOps';
import {
  jsonFilesUnder,
  minimalServiceHookSamples,
  minimalVariant,
  routedServiceHookSamples,
  serviceHookSamples,
} from '../../support/minimalServiceHooks';

type Payload = Record<string, unknown> & { eventType: string };

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Payload;
const samples = routedServiceHookSamples((path) => readJson(path).eventType);

describe('the minimal variants of the routed samples', () => {
  it('are exactly one per routed sample, at the same relative path', () => {
    const committed = jsonFilesUnder(minimalServiceHookSamples).map((path) =>
      relative(minimalServiceHookSamples, path).split(sep).join('/'),
    );
    expect(committed).toEqual(samples);
  });

  it.each(samples.map((name) => [name]))('minimal/%s is what the rule in test/support derives from the recorded sample', (name) => {
    expect(readJson(join(minimalServiceHookSamples, name))).toEqual(minimalVariant(readJson(join(serviceHookSamples, name))));
  });

  it.each(samples.map((name) => [name]))('minimal/%s gives the same event as the recorded sample', (name) => {
    const full = readJson(join(serviceHookSamples, name));
    const minimal = readJson(join(minimalServiceHookSamples, name));
    expect(azureDevOpsSource.extractors[minimal.eventType](minimal)).toEqual(azureDevOpsSource.extractors[full.eventType](full));
  });

  it('keep ids, urls, names and links and drop everything else, messages included', () => {
    const variant = minimalVariant({
      id: 'delivery',
      eventType: 'git.push',
      message: { text: 'Jamal pushed' },
      detailedMessage: { text: 'Jamal pushed 1 commit' },
      resource: {
        pushId: 14,
        url: 'https://dev.azure.com/contoso/_apis/git/repositories/r/pushes/14',
        _links: { self: { href: 'https://dev.azure.com/contoso/_apis/git/repositories/r/pushes/14' } },
        pushedBy: { displayName: 'Jamal Hartnett', uniqueName: 'jamal@example.com', id: 'u1' },
        commits: [{ commitId: 'c1', comment: 'Fixed bug in web.config file' }, { comment: 'no id here' }],
        repository: { id: 'r', name: 'Web', size: 728 },
        date: '2024-09-19T13:03:27Z',
      },
      resourceContainers: { project: { id: 'p' } },
    });
    expect(variant).toEqual({
      id: 'delivery',
      eventType: 'git.push',
      resource: {
        pushId: 14,
        url: 'https://dev.azure.com/contoso/_apis/git/repositories/r/pushes/14',
        _links: { self: { href: 'https://dev.azure.com/contoso/_apis/git/repositories/r/pushes/14' } },
        pushedBy: { id: 'u1' },
        commits: [{ commitId: 'c1' }],
        repository: { id: 'r', name: 'Web' },
      },
      resourceContainers: { project: { id: 'p' } },
    });
  });
});
