import { describe, expect, it } from 'vitest';
import { hasBinaryExtension, looksBinary } from '../../../shared/repositories/contentScan/binaryContent';
import { parseExcludeSetting, RepositoryPathFilter } from '../../../shared/repositories/contentScan/repositoryPathFilter';

/** What a repository content scan leaves out before reading, and how it tells binary files from text. */
describe('the paths a repository scan leaves out', () => {
  const defaults = RepositoryPathFilter.fromSetting(undefined);

  it.each([
    'node_modules/left-pad/index.js',
    '/web/node_modules/@scope/pkg/lib/a.js',
    'services/api/vendor/github.com/acme/sdk/auth.go',
    'web/dist/main.js',
    'build/output/app.js',
    'web/static/app.min.js',
    'web/static/site.min.css',
    'web/static/app.js.map',
    'package-lock.json',
    'web/yarn.lock',
    'services/api/go.sum',
    'src/Api/packages.lock.json',
  ])('leaves out %s by default', (path) => {
    expect(defaults.excludes(path)).toBe(true);
  });

  it.each(['src/app.ts', 'config/appsettings.json', '.env', 'deploy/build.sh', 'docs/vendor-notes.md', 'src/distance.ts', 'package.json'])(
    'reads %s',
    (path) => {
      expect(defaults.excludes(path)).toBe(false);
    },
  );

  it('adds gitignore patterns from the setting (commas or lines, comments ignored) and re-includes defaults with !', () => {
    expect(parseExcludeSetting('fixtures/, *.snap\n# comment\n\n !vendor/ ')).toEqual(['fixtures/', '*.snap', '!vendor/']);
    const filter = RepositoryPathFilter.fromSetting('test/fixtures/\n*.snap,!vendor/');
    expect(filter.excludes('test/fixtures/keys/server.pem')).toBe(true);
    expect(filter.excludes('src/__snapshots__/app.test.ts.snap')).toBe(true);
    expect(filter.excludes('services/api/vendor/github.com/acme/sdk/auth.go')).toBe(false);
    expect(filter.excludes('node_modules/x/index.js')).toBe(true);
  });
});

describe('telling binary files from text', () => {
  it('knows binary files by name', () => {
    for (const path of ['assets/logo.PNG', 'lib/app.dll', 'fonts/a.woff2', 'dist.zip']) expect(hasBinaryExtension(path)).toBe(true);
    for (const path of ['src/app.ts', 'certs/client.pem', 'Makefile', '.png']) expect(hasBinaryExtension(path)).toBe(false);
  });

  it('sniffs a NUL byte or a high share of bytes that are not UTF-8 text', () => {
    expect(looksBinary(Buffer.from('plain text\nwith lines\n'), true)).toBe(false);
    expect(looksBinary(Buffer.from('héllo wörld — “quoted” ✓ 日本語\n'), true)).toBe(false);
    expect(looksBinary(Buffer.from([0x68, 0x69, 0x00, 0x21]), true)).toBe(true);
    expect(looksBinary(Buffer.from(Array.from({ length: 200 }, (_, i) => 0x80 + (i % 64))), true)).toBe(true);
    // Latin-1 text: a few invalid bytes among many ASCII ones is still text.
    expect(looksBinary(Buffer.from(`${'caf\xe9 '.repeat(3)}${'plain ascii text '.repeat(20)}`, 'latin1'), true)).toBe(false);
  });

  it('does not hold a character cut at the end of the sniff window against a file', () => {
    const text = Buffer.from(`${'a'.repeat(10)}✓`);
    expect(looksBinary(text.subarray(0, 11), false)).toBe(false);
    expect(looksBinary(Buffer.from([0xe2, 0x9c]), true)).toBe(true);
  });
});
