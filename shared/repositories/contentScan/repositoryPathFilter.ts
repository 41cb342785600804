import ignore, { type Ignore } from 'ignore';

/**
 * Which repository paths a content scan leaves out before reading them: dependencies checked in
 * (`node_modules/`, `vendor/`), build output, minified bundles and lock files. Their content is
 * someone else's code or generated from sources that are scanned anyway, and they are often most
 * of a repository's bytes. gitignore syntax, so `VIGIL_REPO_SCAN_EXCLUDE` can add patterns and
 * re-include a default with `!` (`!vendor/`). See docs/repository-scanning.md.
 */
export const defaultExcludedPaths: readonly string[] = [
  // Dependencies checked in
  'node_modules/',
  'bower_components/',
  'jspm_packages/',
  'vendor/',
  '.yarn/cache/',
  '.yarn/releases/',
  // Build output
  'dist/',
  'build/',
  // Generated or minified
  '*.min.js',
  '*.min.css',
  '*.js.map',
  '*.css.map',
  // Lock files: resolved versions and integrity hashes (whose high entropy only makes noise)
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'deno.lock',
  'composer.lock',
  'Gemfile.lock',
  'Cargo.lock',
  'poetry.lock',
  'Pipfile.lock',
  'go.sum',
  'packages.lock.json',
  'gradle.lockfile',
  'Podfile.lock',
  'pubspec.lock',
  'mix.lock',
];

export class RepositoryPathFilter {
  private readonly rules: Ignore;

  private constructor(readonly patterns: readonly string[]) {
    this.rules = ignore().add([...patterns]);
  }

  /** The defaults plus the setting's patterns (comma or newline separated; `#` starts a comment line). */
  static fromSetting(setting: string | undefined): RepositoryPathFilter {
    return new RepositoryPathFilter([...defaultExcludedPaths, ...parseExcludeSetting(setting)]);
  }

  /** Exactly these patterns (another filter's `patterns`). */
  static fromPatterns(patterns: readonly string[]): RepositoryPathFilter {
    return new RepositoryPathFilter(patterns);
  }

  /** True when the path (as the repository names it, `/src/app.ts` or `src/app.ts`) is left out. */
  excludes(path: string): boolean {
    const relative = toRelativePath(path);
    return relative !== '' && this.rules.ignores(relative);
  }
}

export function parseExcludeSetting(setting: string | undefined): string[] {
  if (!setting) return [];
  return setting
    .split(/[,\n]/)
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '' && !pattern.startsWith('#'));
}

/** `/src/app.ts` → `src/app.ts`; backslashes (a zip made on Windows) become slashes. */
export function toRelativePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\/+/, '').replace(/^\.\//, '');
}
