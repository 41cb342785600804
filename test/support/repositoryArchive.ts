import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { SecretFactory } from './scanning/syntheticSecrets';

/**
 * Repository archives of any size for tests and the benchmark, shaped like what Azure DevOps'
 * Items API serves for `path=/&$format=zip`: source files in nested folders with synthetic secrets
 * planted at known lines, plus what a content scan must leave out — vendored dependencies
 * (`node_modules/`, `vendor/`), build output, minified bundles, lock files and binaries (by name and
 * by content), some of them holding secrets too. Content is generated as it is read, and the zip
 * is built by yazl as it is streamed (data descriptors, as Azure DevOps' zips have), so a 500 MB
 * archive costs no memory.
 */
export type ArchiveFileKind = 'source' | 'vendored' | 'generated' | 'lock' | 'binary-by-name' | 'binary-by-content';

export interface PlantedSecret {
  /** Relative path in the archive: `src/billing/internal/settings.ts`. */
  path: string;
  /** 1-based. */
  line: number;
  kind: string;
  /** The synthetic secret itself, for assertions that it never leaks. */
  secret: string;
}

export interface ArchiveFile {
  path: string;
  kind: ArchiveFileKind;
  /** Approximate size; text files end on a whole line. */
  bytes: number;
  seed: number;
  planted: PlantedSecret[];
  /** The exact size, known once the content has been generated (read) once. */
  generatedBytes?: number;
}

export interface RepositoryArchiveOptions {
  /** Approximate total of uncompressed bytes. */
  totalBytes: number;
  seed?: number;
  averageFileBytes?: number;
  /** Secrets planted in files a scan must read. */
  secrets?: number;
  /** Secrets planted in files a scan must leave out (vendored, generated, binary). */
  secretsInSkippedFiles?: number;
  /** Share of the bytes in vendored, generated and lock files (default 0.2) and in binaries (default 0.05). */
  skippedShare?: number;
  binaryShare?: number;
  /** yazl deflate level (default 6; 0 stores). */
  compressionLevel?: number;
}

const secretKinds: ReadonlyArray<[string, (f: SecretFactory) => string]> = [
  ['github-token', (f) => f.gitHubToken()],
  ['npm-token', (f) => f.npmToken()],
  ['azure-devops-pat', (f) => f.azureDevOpsPat()],
  ['slack-bot-token', (f) => f.slackBotToken()],
  ['gitlab-token', (f) => f.gitLabToken()],
];

const modules = ['billing', 'identity', 'search', 'catalog', 'orders', 'shipping', 'reports', 'notifications'];
const layers = ['api', 'core', 'internal', 'adapters', 'config'];
const words = ['customer', 'invoice', 'order', 'amount', 'status', 'region', 'retry', 'window', 'handler', 'result', 'cursor', 'batch'];

export class RepositoryArchive {
  readonly files: ArchiveFile[] = [];

  constructor(readonly options: RepositoryArchiveOptions) {
    const f = new SecretFactory(options.seed ?? 7);
    const average = options.averageFileBytes ?? 24 * 1024;
    const skippedShare = options.skippedShare ?? 0.2;
    const binaryShare = options.binaryShare ?? 0.05;
    let total = 0;
    let index = 0;
    while (total < options.totalBytes) {
      const roll = f.below(1000) / 1000;
      const kind: ArchiveFileKind =
        roll < binaryShare / 2
          ? 'binary-by-name'
          : roll < binaryShare
            ? 'binary-by-content'
            : roll < binaryShare + skippedShare
              ? pickSkipped(f)
              : 'source';
      const bytes = Math.max(200, Math.round(average * (0.2 + f.below(1600) / 1000)));
      this.files.push({ path: pathFor(kind, index, f), kind, bytes, seed: f.next(), planted: [] });
      total += bytes;
      index++;
    }
    // One large file, so an entry bigger than every buffer (and than what is inflated at once) is part of every archive of some size.
    if (options.totalBytes >= 2 * 1024 * 1024) {
      const bytes = Math.min(64 * 1024 * 1024, Math.max(1536 * 1024, Math.round(options.totalBytes / 16)));
      this.files.push({ path: 'data/seed/fixtures-export.sql', kind: 'source', bytes, seed: f.next(), planted: [] });
    }
    this.plant(f, options.secrets ?? 12, (file) => file.kind === 'source');
    this.plant(f, options.secretsInSkippedFiles ?? 6, (file) => file.kind !== 'source');
  }

  /** Secrets in files a scan reads: each must be found at its path and line. */
  get planted(): PlantedSecret[] {
    return this.files.filter((file) => file.kind === 'source').flatMap((file) => file.planted);
  }

  /** Secrets in files a scan leaves out: none may be found. */
  get plantedInSkippedFiles(): PlantedSecret[] {
    return this.files.filter((file) => file.kind !== 'source').flatMap((file) => file.planted);
  }

  get totalBytes(): number {
    return this.files.reduce((sum, file) => sum + file.bytes, 0);
  }

  /** One file's bytes, generated in chunks of about 64 KiB as they are read. */
  content(file: ArchiveFile): AsyncIterable<Buffer> {
    return file.kind === 'binary-by-name' || file.kind === 'binary-by-content' ? binaryChunks(file) : textChunks(file);
  }

  /** The zip, built as it is read. */
  zip(): Readable {
    const zip = new ZipFile();
    const compressionLevel = this.options.compressionLevel ?? 6;
    for (const file of this.files) {
      zip.addReadStreamLazy(file.path, { compressionLevel, mtime: new Date('2026-01-01T00:00:00Z') }, (callback) =>
        callback(null, Readable.from(this.content(file))),
      );
    }
    zip.end();
    return zip.outputStream as Readable;
  }

  async writeZip(path: string): Promise<void> {
    await pipeline(this.zip(), createWriteStream(path));
  }

  private plant(f: SecretFactory, count: number, eligible: (file: ArchiveFile) => boolean): void {
    const candidates = this.files.filter(eligible);
    if (candidates.length === 0) return;
    for (let i = 0; i < count; i++) {
      const file = candidates[f.below(candidates.length)];
      const lines = Math.max(2, Math.floor(file.bytes / 80));
      let line = 1 + f.below(lines - 1);
      while (file.planted.some((p) => p.line === line)) line++;
      const [kind, make] = secretKinds[f.below(secretKinds.length)];
      file.planted.push({ path: file.path, line, kind, secret: make(f) });
    }
  }
}

function pickSkipped(f: SecretFactory): ArchiveFileKind {
  const roll = f.below(10);
  return roll < 6 ? 'vendored' : roll < 9 ? 'generated' : 'lock';
}

function pathFor(kind: ArchiveFileKind, index: number, f: SecretFactory): string {
  const module = f.pick(modules);
  switch (kind) {
    case 'source':
      return `src/${module}/${f.pick(layers)}/${f.pick(words)}/${f.pick(words)}${index}.${f.pick(['ts', 'cs', 'py', 'json', 'yaml'])}`;
    case 'vendored':
      return f.below(2) === 0
        ? `node_modules/@contoso/${module}-client/lib/${f.pick(words)}${index}.js`
        : `services/${module}/vendor/github.com/contoso/${f.pick(words)}/${f.pick(words)}${index}.go`;
    case 'generated':
      return f.below(2) === 0 ? `web/dist/assets/${module}.${index}.js` : `web/static/${module}${index}.min.js`;
    case 'lock':
      return f.below(2) === 0 ? `web/${module}${index}/package-lock.json` : `services/${module}${index}/yarn.lock`;
    case 'binary-by-name':
      return `assets/${module}/icon${index}.${f.pick(['png', 'woff2', 'pdf', 'zip'])}`;
    case 'binary-by-content':
      return `tools/${module}/payload${index}.dat`;
  }
}

const templates: ReadonlyArray<(n: number, w: string) => string> = [
  (n, w) => `export function ${w}Of${n}(input: Record<string, number>): number {`,
  (n, w) => `  const ${w} = input['${w}'] ?? ${n % 97};`,
  (n, w) => `  if (${w} > ${n % 1000}) return ${w} * ${1 + (n % 7)};`,
  (n) => `  // keep the order stable: callers compare snapshots taken at step ${n % 50}`,
  (n, w) => `  for (const item of items${n % 13}) total += item.${w};`,
  () => `  return total;`,
  () => `}`,
  () => ``,
  (n, w) => `    logger.debug('computed ${w}', { step: ${n % 11}, region: 'westeurope' });`,
  (n, w) => `import { ${w}Service } from '../${w}/${w}Service${n % 9}';`,
];

async function* textChunks(file: ArchiveFile): AsyncGenerator<Buffer> {
  const f = new SecretFactory(file.seed);
  const planted = new Map(file.planted.map((p) => [p.line, p]));
  const lastPlanted = Math.max(0, ...file.planted.map((p) => p.line));
  let written = 0;
  let line = 1;
  while (written < file.bytes || line <= lastPlanted) {
    const parts: string[] = [];
    let length = 0;
    while (length < 64 * 1024 && (written + length < file.bytes || line <= lastPlanted)) {
      const secret = planted.get(line);
      const text = secret ? plantedLine(secret) : templates[f.below(templates.length)](f.below(100_000), f.pick(words));
      parts.push(text, '\n');
      length += Buffer.byteLength(text) + 1;
      line++;
    }
    const chunk = Buffer.from(parts.join(''));
    written += chunk.length;
    yield chunk;
  }
  file.generatedBytes = written;
}

function plantedLine(secret: PlantedSecret): string {
  switch (secret.kind) {
    case 'npm-token':
      return `//registry.npmjs.org/:_authToken=${secret.secret}`;
    case 'azure-devops-pat':
      return `  azureDevOpsPat: '${secret.secret}',`;
    case 'slack-bot-token':
      return `SLACK_BOT_TOKEN=${secret.secret}`;
    default:
      return `  const token = "${secret.secret}";`;
  }
}

async function* binaryChunks(file: ArchiveFile): AsyncGenerator<Buffer> {
  const f = new SecretFactory(file.seed);
  let written = 0;
  // A NUL early on, as real binaries have; a planted secret sits in the bytes as text would.
  const header = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
    ...file.planted.map((p) => Buffer.from(`\n${p.secret}\n`)),
  ]);
  yield header;
  written += header.length;
  while (written < file.bytes) {
    const size = Math.min(64 * 1024, file.bytes - written);
    const chunk = Buffer.from(f.bytes(Math.min(size, 4096)));
    const out = Buffer.alloc(size);
    for (let offset = 0; offset < size; offset += chunk.length) chunk.copy(out, offset, 0, Math.min(chunk.length, size - offset));
    written += size;
    yield out;
  }
  file.generatedBytes = written;
}
