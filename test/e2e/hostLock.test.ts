import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireHostLock } from '../../shared/localHost/hostLock';
import { processStartTime } from '../../shared/localHost/processStartTime';

/**
 * One local host per data directory, checked against real processes: two hosts starting in the
 * same instant, a lock left by a host that died (its pid free, or reused by an unrelated process),
 * and a data folder the host may not write.
 */
const dist = join(__dirname, '..', '..', 'dist');
const directories: string[] = [];
const children: ChildProcess[] = [];

function dataDir(): string {
  const directory = mkdtempSync(join(tmpdir(), 'vigil-lock-'));
  directories.push(directory);
  return directory;
}

/** Mounts an empty read-only tmpfs on `directory`; false where this process may not mount. */
function mountReadOnly(directory: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', directory], { stdio: 'ignore' });
    mounts.push(directory);
    return true;
  } catch {
    return false;
  }
}

const mounts: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const mount of mounts.splice(0)) execFileSync('umount', [mount], { stdio: 'ignore' });
  for (const directory of directories.splice(0)) {
    chmodSync(directory, 0o700);
    rmSync(directory, { recursive: true, force: true });
  }
});

/** A process that loads the compiled lock, says `ready`, and on a line from stdin tries to take it: `acquired` or `refused`. */
function contender(directory: string): { child: ChildProcess; lines: AsyncIterator<string> } {
  const script = `
    const { acquireHostLock } = require(${JSON.stringify(join(dist, 'shared', 'localHost', 'hostLock.js'))});
    process.stdout.write('ready\\n');
    process.stdin.once('data', () => {
      try { acquireHostLock(${JSON.stringify(directory)}); process.stdout.write('acquired\\n'); }
      catch (error) { process.stdout.write('refused ' + error.message + '\\n'); }
      process.stdin.pause();
    });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
}

async function nextLine(lines: AsyncIterator<string>): Promise<string> {
  const { value, done } = await lines.next();
  if (done) throw new Error('the contender ended without answering');
  return value;
}

/** A process that does nothing until killed: a live pid that is not a Vigil host. */
function bystander(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('the host lock', () => {
  it('goes to exactly one of two hosts that take it in the same instant, every time', async () => {
    for (let round = 0; round < 10; round++) {
      const directory = dataDir();
      const contenders = [contender(directory), contender(directory)];
      for (const c of contenders) expect(await nextLine(c.lines)).toBe('ready');
      for (const c of contenders) c.child.stdin!.write('go\n');
      const answers = await Promise.all(contenders.map((c) => nextLine(c.lines)));
      expect(
        answers.filter((a) => a === 'acquired'),
        `round ${round}: ${answers.join(' | ')}`,
      ).toHaveLength(1);
      expect(answers.find((a) => a !== 'acquired')).toMatch(/^refused another Vigil host \(pid \d+\) is using /);
    }
  });

  it('is taken over from a host that died', async () => {
    const directory = dataDir();
    const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((resolve) => dead.once('exit', resolve));
    writeFileSync(join(directory, 'host.pid'), JSON.stringify({ pid: dead.pid, startTime: '1' }));
    const release = acquireHostLock(directory);
    expect(JSON.parse(readFileSync(join(directory, 'host.pid'), 'utf8'))).toMatchObject({ pid: process.pid });
    release();
    expect(existsSync(join(directory, 'host.pid'))).toBe(false);
  });

  it.runIf(processStartTime(process.pid) !== undefined)('is taken over when its pid now belongs to an unrelated, later process', () => {
    const directory = dataDir();
    const unrelated = bystander();
    // The pid is alive, but that process started at another time than the host that wrote the lock.
    writeFileSync(join(directory, 'host.pid'), JSON.stringify({ pid: unrelated.pid, startTime: '1' }));
    const release = acquireHostLock(directory);
    expect(JSON.parse(readFileSync(join(directory, 'host.pid'), 'utf8'))).toMatchObject({ pid: process.pid });
    release();
  });

  it('is refused while the host that wrote it is alive, naming its pid', () => {
    const directory = dataDir();
    const holder = bystander();
    writeFileSync(join(directory, 'host.pid'), JSON.stringify({ pid: holder.pid, startTime: processStartTime(holder.pid!) }));
    expect(() => acquireHostLock(directory)).toThrow(
      new RegExp(`another Vigil host \\(pid ${holder.pid}\\) is using ${directory.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
  });
});

describe('vigil start on a data folder it may not write', () => {
  it('exits 2 with one line naming the folder, not an EACCES stack', async () => {
    const directory = dataDir();
    chmodSync(directory, 0o555);
    // root writes anywhere, even in a folder of mode 555: there, mount a read-only file system on it
    // (the folder stays unwritable whatever user runs the host), or, without mount rights, run the CLI
    // as nobody, as an operator without rights would (that needs the checkout readable by nobody).
    const root = process.getuid?.() === 0;
    const mounted = root && mountReadOnly(directory);
    const asNobody = root && !mounted ? { uid: 65534, gid: 65534 } : {};
    const child = spawn(process.execPath, [join(dist, 'shared', 'cli', 'main.js'), 'start', '--port', '0'], {
      env: { PATH: process.env.PATH, VIGIL_DATA_DIR: directory },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...asNobody,
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`cannot write to the data folder ${directory}`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
