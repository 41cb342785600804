import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * A module of the app as it ships: the tsc output in dist/ (every bench command builds first), so
 * benchmarks measure the code the Functions host runs, not a loader's transpiled copy. The bench
 * scripts themselves run through tsx's CommonJS hook (`--require tsx/cjs`): its ES module loader
 * (`--import tsx`) starts a thread of its own that added about 40 MB to every resident set measured.
 */
export function shippedModule<T>(relative: string): T {
  const compiled = resolve(__dirname, '..', '..', 'dist', 'shared', `${relative}.js`);
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run build\` first (the bench:* scripts do)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(compiled) as T;
}
