import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ignore from 'ignore';
import { describe, expect, it } from 'vitest';

/**
 * What `func azure functionapp publish` and `azd deploy` upload: the project folder minus
 * .funcignore. The host then loads package.json `main` and host.json. These tests hold the three
 * to what the compiled app needs, without Core Tools (which cannot be installed here).
 */

const root = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const packageJson = JSON.parse(read('package.json')) as {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
const tsconfig = JSON.parse(read('tsconfig.json')) as {
  compilerOptions: { rootDir: string; outDir: string; module: string };
  include: string[];
};
const host = JSON.parse(read('host.json')) as {
  version: string;
  extensionBundle: { id: string; version: string };
  extensions: { http: { routePrefix: string } };
};
const funcignore = ignore().add(read('.funcignore'));
const functionSources = readdirSync(join(root, 'functions')).filter((file) => file.endsWith('.ts'));

describe('package.json main, tsconfig and the build script', () => {
  it('builds with tsc into the folder main points at, first removing what sources that are gone compiled to', () => {
    expect(packageJson.scripts.build).toBe('node scripts/pruneStaleBuildOutput.js && tsc -p tsconfig.json');
    expect(tsconfig.compilerOptions.rootDir).toBe('.');
    expect(tsconfig.include).toContain('functions/**/*.ts');
    expect(packageJson.main).toBe(`${tsconfig.compilerOptions.outDir}/functions/*.js`);
  });

  it('compiles to CommonJS, which the Functions host loads', () => {
    // module node20 emits CommonJS for a package.json without "type": "module".
    expect(tsconfig.compilerOptions.module.toLowerCase()).toMatch(/^(commonjs|node16|node18|node20|nodenext)$/);
    expect((packageJson as { type?: string }).type ?? 'commonjs').toBe('commonjs');
  });

  it('has a function source for main to load, each compiled to a file the glob matches', () => {
    expect(functionSources.length).toBeGreaterThan(0);
    const glob = new RegExp(`^${packageJson.main.replace(/[.]/g, '\\.').replace('*', '[^/]+')}$`);
    for (const source of functionSources) {
      expect(`${tsconfig.compilerOptions.outDir}/functions/${source.replace(/\.ts$/, '.js')}`).toMatch(glob);
    }
  });

  it('depends on @azure/functions at run time, not only for development', () => {
    expect(packageJson.dependencies['@azure/functions']).toBeDefined();
  });
});

describe('.funcignore', () => {
  it.each([
    'host.json',
    'package.json',
    `${packageJson.main.replace('*', 'webhook')}`,
    'dist/shared/config.js',
    'dist/shared/queue/names.js',
    'node_modules/@azure/functions/package.json',
    'node_modules/@azure/service-bus/package.json',
  ])('keeps %s in the package', (path) => {
    expect(funcignore.ignores(path)).toBe(false);
  });

  it.each([
    ...functionSources.map((source) => `functions/${source}`),
    'shared/config.ts',
    'shared/queue/names.ts',
    'test/unit/infra/bicep.test.ts',
    'infra/main.bicep',
    'infra/modules/functionApp.bicep',
    'docs/deploy.md',
    'local.settings.json',
    'tsconfig.json',
    'vitest.config.mts',
    '.vigil/vigil.db',
    'scripts/pruneStaleBuildOutput.js',
    'dist/shared/simulator/azureDevOps/azureDevOpsServer.js',
    'dist/shared/demo/index.js',
  ])('leaves %s out of the package', (path) => {
    expect(funcignore.ignores(path)).toBe(true);
  });
});

describe('host.json', () => {
  it('is a v4 host with an extension bundle that has the Service Bus trigger with identity connections', () => {
    expect(host.version).toBe('2.0');
    expect(host.extensionBundle.id).toBe('Microsoft.Azure.Functions.ExtensionBundle');
    // Identity-based Service Bus connections need bundle 3.x or later; the range must start at 4.
    expect(host.extensionBundle.version).toMatch(/^\[4\.\*?,\s*5\.0\.0\)$/);
  });

  it('serves HTTP functions under /api, where the Bicep webhook URL points', () => {
    expect(host.extensions.http.routePrefix).toBe('api');
    expect(read('infra/main.bicep')).toContain(`/${host.extensions.http.routePrefix}/hooks/azure-devops'`);
  });
});

describe('azure.yaml', () => {
  const azureYaml = read('azure.yaml');

  it('deploys this folder as the api service to a Function App, the one the Bicep tags', () => {
    expect(azureYaml).toMatch(/^services:\n {2}api:\n/m);
    expect(azureYaml).toMatch(/^ {4}project: \.$/m);
    expect(azureYaml).toMatch(/^ {4}language: ts$/m);
    expect(azureYaml).toMatch(/^ {4}host: function$/m);
    expect(read('infra/main.bicep')).toMatch(/serviceName:\s*'api'/);
  });

  it('provisions infra/main.bicep and builds before packaging', () => {
    expect(azureYaml).toMatch(/^ {2}path: infra$/m);
    expect(azureYaml).toMatch(/^ {2}module: main$/m);
    expect(azureYaml).toMatch(/prepackage:\n\s+shell: sh\n\s+run: npm ci && npm run build\n/);
  });
});
