import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';

/**
 * The files a folder scan reads: everything under the folder except what its `.gitignore` files
 * (at any depth) exclude, the `.git` directory, and binary files (a NUL byte in the first 8 KiB).
 * A file that a path rule reports (a `.p12` bundle) is kept even though it is binary. Directory
 * symlinks are not followed, so a link cycle cannot loop.
 */
export interface WalkOptions {
  /** Keep binary files whose path satisfies this (files that path rules report). */
  keepBinary?: (path: string) => boolean;
  /** Skip files whose path (relative to the walk root, with '/') matches one of these. */
  skipPaths?: readonly RegExp[];
}

export interface WalkedFile {
  /** Path to open. */
  path: string;
  /** Path relative to the walk root, with '/', as reports show it under the root. */
  relativePath: string;
}

const sniffBytes = 8192;

export async function isBinaryFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(sniffBytes);
    const { bytesRead } = await handle.read(buffer, 0, sniffBytes, 0);
    return buffer.subarray(0, bytesRead).includes(0);
  } finally {
    await handle.close();
  }
}

interface IgnoreScope {
  /** Directory (relative to the root, '' for the root) whose .gitignore this is. */
  base: string;
  rules: Ignore;
}

export async function* walkFiles(root: string, options: WalkOptions = {}): AsyncGenerator<WalkedFile> {
  yield* walkDirectory(root, root, [], options);
}

async function* walkDirectory(
  root: string,
  directory: string,
  scopes: readonly IgnoreScope[],
  options: WalkOptions,
): AsyncGenerator<WalkedFile> {
  const relativeDirectory = toPosix(relative(root, directory));
  const localScopes = [...scopes];
  const gitignore = await readFile(join(directory, '.gitignore'), 'utf8').catch(() => undefined);
  if (gitignore !== undefined) localScopes.push({ base: relativeDirectory, rules: ignore().add(gitignore) });

  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name === '.git') continue;
    const path = join(directory, entry.name);
    const relativePath = relativeDirectory === '' ? entry.name : `${relativeDirectory}/${entry.name}`;
    const isDirectory = entry.isDirectory();
    if (isIgnored(localScopes, relativePath, isDirectory)) continue;
    if (isDirectory) {
      yield* walkDirectory(root, path, localScopes, options);
      continue;
    }
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) isFile = (await stat(path).catch(() => undefined))?.isFile() ?? false;
    if (!isFile) continue;
    if (options.skipPaths?.some((pattern) => pattern.test(relativePath))) continue;
    if (!(options.keepBinary?.(relativePath) ?? false) && (await isBinaryFile(path).catch(() => true))) continue;
    yield { path, relativePath };
  }
}

function isIgnored(scopes: readonly IgnoreScope[], relativePath: string, isDirectory: boolean): boolean {
  let ignored = false;
  for (const scope of scopes) {
    const inScope =
      scope.base === '' ? relativePath : relativePath.startsWith(`${scope.base}/`) ? relativePath.slice(scope.base.length + 1) : undefined;
    if (inScope === undefined) continue;
    const result = scope.rules.test(isDirectory ? `${inScope}/` : inScope);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
