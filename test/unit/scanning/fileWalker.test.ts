import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { walkFiles } from '../../../shared/scanning/fileWalker';

describe('folder walks', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-walk-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, content: string | Buffer) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  write('.gitignore', 'node_modules/\n*.log\n!keep.log\n');
  write('src/app.ts', 'const a = 1;');
  write('src/.gitignore', 'generated/\n');
  write('src/generated/out.ts', 'x');
  write('node_modules/pkg/index.js', 'x');
  write('build.log', 'x');
  write('keep.log', 'x');
  write('.git/config', 'x');
  write('image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
  write('certs/signing.pfx', Buffer.from([0x30, 0x82, 0x00, 0x01]));

  it('honours .gitignore at every depth, skips .git and binaries, and keeps binaries a path rule wants', async () => {
    const files: string[] = [];
    for await (const file of walkFiles(root, { keepBinary: (path) => path.endsWith('.pfx') })) files.push(file.relativePath);
    expect(files).toEqual(['.gitignore', 'certs/signing.pfx', 'keep.log', 'src/.gitignore', 'src/app.ts']);
  });

  it('skips paths a custom allowlist names', async () => {
    const files: string[] = [];
    for await (const file of walkFiles(root, { skipPaths: [/^src\//] })) files.push(file.relativePath);
    expect(files).toEqual(['.gitignore', 'keep.log']);
  });
});
