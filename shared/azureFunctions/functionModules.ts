import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * The compiled function files the Azure Functions host loads: package.json `main` is a glob such
 * as `dist/functions/*.js`. The local host loads exactly the same files.
 */
export function packageRoot(): string {
  // This file compiles to dist/shared/azureFunctions/functionModules.js; the sources sit at shared/azureFunctions/.
  let directory = __dirname;
  for (let i = 0; i < 5; i++) {
    try {
      readFileSync(join(directory, 'package.json'));
      return directory;
    } catch {
      directory = dirname(directory);
    }
  }
  throw new Error(`package.json not found above ${__dirname}`);
}

export function functionEntryFiles(root = packageRoot()): string[] {
  const main = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main?: string }).main;
  if (!main) throw new Error('package.json has no "main" naming the function files');
  const slash = main.lastIndexOf('/');
  const directory = join(root, main.slice(0, slash));
  const pattern = globToRegExp(main.slice(slash + 1));
  return readdirSync(directory)
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => join(directory, name));
}

/** Supports the two glob forms Functions apps use in `main`: `*` and `{a,b}`. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const part of glob.split(/(\{[^}]*\}|\*)/)) {
    if (part === '*') source += '[^/]*';
    else if (part.startsWith('{')) source += `(?:${part.slice(1, -1).split(',').map(escapeRegExp).join('|')})`;
    else source += escapeRegExp(part);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function loadFunctionModules(files = functionEntryFiles()): string[] {
  for (const file of files) require(file);
  return files.map((file) => relative(process.cwd(), file));
}
