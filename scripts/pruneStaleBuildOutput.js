/**
 * Removes compiled files from dist/ whose TypeScript source is gone. tsc's incremental build rewrites
 * what changed but never deletes, so a renamed or deleted function's old dist/functions/*.js would
 * still match package.json `main`, and the Functions host and the local host would register it.
 * Runs before every build (`npm run build`).
 */
const { existsSync, readdirSync, rmSync } = require('node:fs');
const { join, relative, sep } = require('node:path');

/** The stale files removed, relative to `root`. */
function pruneStaleBuildOutput(root, outDir = join(root, 'dist')) {
  const removed = [];
  if (!existsSync(outDir)) return removed;
  const visit = (directory) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (/\.js(\.map)?$/.test(entry.name)) {
        const source = join(root, relative(outDir, path).replace(/\.js(\.map)?$/, '.ts'));
        if (!existsSync(source)) {
          rmSync(path);
          removed.push(relative(root, path).split(sep).join('/'));
        }
      }
    }
  };
  visit(outDir);
  return removed;
}

module.exports = { pruneStaleBuildOutput };

if (require.main === module) {
  const removed = pruneStaleBuildOutput(process.cwd());
  if (removed.length > 0) process.stdout.write(`removed ${removed.length} compiled file(s) whose source is gone: ${removed.join(', ')}\n`);
}
