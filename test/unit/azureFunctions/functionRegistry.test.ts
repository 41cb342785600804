import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionEntryFiles } from '../../../shared/azureFunctions/functionModules';
import { queueNames } from '../../../shared/queue/names';
import { appFunctions } from '../../support/testHost';

describe('the function app', () => {
  it('has package.json main glob name exactly the compiled file of every function in functions/', () => {
    const sources = readdirSync(join(__dirname, '..', '..', '..', 'functions')).filter((name) => name.endsWith('.ts'));
    expect(functionEntryFiles().map((file) => basename(file))).toEqual(sources.map((name) => name.replace(/\.ts$/, '.js')).sort());
  });

  it('binds exactly one queue function to each queue of docs/architecture.md, "Queues and settlement"', async () => {
    const bound = (await appFunctions()).flatMap((f) => (f.kind === 'queue' ? [f.queue] : []));
    expect(bound.sort()).toEqual([...queueNames].sort());
  });

  it('serves the webhook, the health check and the read-only overview with its API over HTTP', async () => {
    const http = (await appFunctions()).flatMap((f) => (f.kind === 'http' ? [`${f.methods.join(',')} ${f.route}`] : []));
    expect(http.sort()).toEqual(
      [
        'GET health',
        'POST hooks/{source}',
        'GET overview',
        'GET overview/{view}',
        'GET overview/risks/{id}',
        'GET overview/static/{file}',
        'GET risks',
        'GET risks/{id}',
        'GET assets',
        'GET pipelines',
        'GET status',
      ].sort(),
    );
  });
});
