/**
 * Secret scanning benchmark (not a test): `npm run bench:scan`
 * (`npm run --silent build && node --require tsx/cjs test/bench/scan.bench.ts`).
 *
 * Generates a seeded, realistic Azure Pipelines build log (100 MB by default; set
 * VIGIL_BENCH_MB to change it) with a few hundred synthetic secrets of many kinds planted in it,
 * then scans the same file with Vigil's engine and with secretlint 11 and its recommended preset
 * (through secretlint's Node API), in the same process. Prints one JSON line:
 *
 *   {"bytes","vigilMBps","secretlintMBps","ratio","vigilRecall","secretlintRecall","vigilPeakRssMB"}
 *
 * Recall is the share of planted lines on which a scanner reports something. The log is generated
 * in a child process; Vigil runs first and its peak RSS is read before secretlint loads the file
 * into memory (secretlint needs the whole text as one string; Vigil streams it).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Engine from '../../shared/scanning';
import type { PlantedSecret } from './scanLogGenerator';
import { shippedModule } from './shippedApp';

const loadEngine = () => shippedModule<typeof Engine>('scanning/index');

interface SecretlintMessage {
  loc?: { start?: { line?: number } };
}

async function scanWithVigil(file: string): Promise<{ seconds: number; lines: Set<number> }> {
  const scanner = loadEngine().createScanner({ fingerprintKey: Buffer.from('vigil-benchmark-key-not-secret-0') });
  const lines = new Set<number>();
  const started = process.hrtime.bigint();
  for await (const finding of scanner.scanStream(createReadStream(file, { highWaterMark: 1024 * 1024 }), { path: 'build.log' })) {
    lines.add(finding.line);
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, lines };
}

async function scanWithSecretlint(file: string): Promise<{ seconds: number; lines: Set<number> }> {
  const { runSecretLint } = await import('secretlint');
  const content = readFileSync(file, 'utf8');
  const started = process.hrtime.bigint();
  const result = await runSecretLint({
    cliOptions: { cwd: tmpdir(), stdinContent: content, stdinFileName: 'build.log' },
    engineOptions: {
      formatter: 'json',
      color: false,
      maskSecrets: true,
      configFileJSON: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] },
    },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = new Set<number>();
  const reports = JSON.parse(result.stdout ?? '[]') as { messages?: SecretlintMessage[] }[];
  for (const report of reports) {
    for (const message of report.messages ?? []) {
      const line = message.loc?.start?.line;
      if (line !== undefined) lines.add(line);
    }
  }
  return { seconds, lines };
}

function recall(planted: readonly PlantedSecret[], lines: ReadonlySet<number>): number {
  return planted.filter((secret) => lines.has(secret.line)).length / planted.length;
}

async function main(): Promise<void> {
  const megabytes = Number(process.env.VIGIL_BENCH_MB ?? 100);
  const directory = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const file = join(directory, 'build.log');
  try {
    // Generated in a child process: its memory and garbage must not weigh on the measured scan.
    const planted = JSON.parse(
      execFileSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'scanLogGenerator.ts'), file, String(megabytes)], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      }),
    ) as PlantedSecret[];
    const bytes = statSync(file).size;
    // Both tools first scan a small log untimed, so the figures compare steady state, not JIT warm-up.
    const warmUp = join(directory, 'warm-up.log');
    execFileSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'scanLogGenerator.ts'), warmUp, '8'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    await scanWithVigil(warmUp);
    const vigil = await scanWithVigil(file);
    // Read before secretlint runs: maxRSS is the process's peak so far, and secretlint loads whole files.
    const vigilPeakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
    await scanWithSecretlint(warmUp);
    const secretlint = await scanWithSecretlint(file);
    const mb = bytes / (1024 * 1024);
    const vigilMBps = mb / vigil.seconds;
    const secretlintMBps = mb / secretlint.seconds;
    const round = (value: number, digits = 1) => Number(value.toFixed(digits));
    process.stdout.write(
      `${JSON.stringify({
        bytes,
        vigilMBps: round(vigilMBps),
        secretlintMBps: round(secretlintMBps),
        ratio: round(vigilMBps / secretlintMBps, 2),
        vigilRecall: round(recall(planted, vigil.lines), 3),
        secretlintRecall: round(recall(planted, secretlint.lines), 3),
        vigilPeakRssMB,
      })}\n`,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`scan benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
