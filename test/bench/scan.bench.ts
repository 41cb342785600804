/**
 * Secret scanning benchmark (not a test): `npm run bench:scan`
 * (`npm run --silent build && node --require tsx/cjs test/bench/scan.bench.ts`).
 *
 * Generates two seeded Azure Pipelines build logs (100 MB each by default; set VIGIL_BENCH_MB to
 * change it) with the same few hundred synthetic secrets of many kinds planted in them:
 * - `planted`: npm, dotnet and maven output (scanLogGenerator.ts), where keywords are rare;
 * - `keyword-dense`: a deployment job with `system.debug` on (keywordDenseLogGenerator.ts), where
 *   most lines say `api`, `key`, `token`, `auth` or `eyJ` without holding a secret.
 * Each log is scanned by Vigil's engine (in a fresh child process, so that its peak RSS is its own),
 * by ripgrep's keyword-only pass over the same keywords (`rg -c -i -F -f KEYWORDS`, the rules'
 * keywords written to a temporary file; also with every literal the prefilter looks for), and by
 * secretlint 11 with its recommended preset. Vigil and ripgrep alternate for VIGIL_BENCH_ROUNDS
 * rounds (3 by default; medians reported, every round in `…Runs`). Prints one JSON line per log:
 *
 *   {"log","bytes","vigilMBps","rgMBps","prefilterMBps","rulePatternBoundMBps","vigilToRg","rgAllKeywordsMBps","secretlintMBps","secretlintSeconds",
 *    "vigilSeconds","ratio","vigilRecall","secretlintRecall","vigilPeakRssMB","findings","vigilRuns","rgRuns"}
 *
 * Target (docs/performance.md): vigilToRg ≥ 0.5 on every log, vigilPeakRssMB ≤ 150. Without
 * ripgrep (`rg` not on the PATH) its columns are null and a note says so. Recall is the share of
 * planted lines on which a scanner reports something. `prefilterMBps` is the engine's keyword pass
 * alone over the same bytes (no line analysed): the bound it cannot pass. `rulePatternBoundMBps` adds to
 * that pass only the rules' own patterns, run with V8's regex engine on the lines their keywords select
 * (texts made beforehand, nothing judged, the generic rule only where each keyword's name starts): the
 * bound of any design that evaluates the rules a line's keywords select (docs/performance.md).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Engine from '../../shared/scanning';
import type * as CompiledRules from '../../shared/scanning/compiledRules';
import type * as KeywordHits from '../../shared/scanning/keywordHits';
import type * as BuiltinRules from '../../shared/scanning/rules/builtinRules';
import type { PlantedSecret } from './scanLogGenerator';
import { shippedModule } from './shippedApp';

const loadEngine = () => shippedModule<typeof Engine>('scanning/index');
const fingerprintKey = Buffer.from('vigil-benchmark-key-not-secret-0');

interface SecretlintMessage {
  loc?: { start?: { line?: number } };
}

interface VigilRun {
  seconds: number;
  /** The keyword pass alone over the same bytes (no line is analysed): the engine's bound. */
  prefilterSeconds: number;
  /** Seconds of the rules' patterns alone on the lines their keywords select (rulePatternSeconds). */
  rulePatternSeconds: number;
  lines: number[];
  findings: number;
  peakRssMB: number;
}

async function scanWithVigil(file: string): Promise<{ seconds: number; lines: Set<number>; findings: number }> {
  const scanner = loadEngine().createScanner({ fingerprintKey });
  const lines = new Set<number>();
  let findings = 0;
  const started = process.hrtime.bigint();
  for await (const finding of scanner.scanStream(createReadStream(file, { highWaterMark: 1024 * 1024 }), { path: 'build.log' })) {
    lines.add(finding.line);
    findings++;
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, lines, findings };
}

/** One warm-up scan, then one timed scan, in this (child) process; prints a VigilRun. */
async function vigilChild(file: string, warmUp: string): Promise<void> {
  await scanWithVigil(warmUp);
  const run = await scanWithVigil(file);
  // Read before the keyword pass alone runs, though that pass holds no more than the scan did.
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  prefilterOnlySeconds(warmUp);
  const result: VigilRun = {
    seconds: run.seconds,
    prefilterSeconds: prefilterOnlySeconds(file),
    rulePatternSeconds: rulePatternSeconds(file),
    lines: [...run.lines],
    findings: run.findings,
    peakRssMB,
  };
  process.stdout.write(JSON.stringify(result));
}

/**
 * The first pass of the engine alone (keywordHits.ts: the automaton, in the WebAssembly kernel)
 * over the file in 1 MiB blocks cut at newlines, read into one reused buffer: what the engine
 * would cost if no line needed a second look.
 */
function prefilterOnlySeconds(file: string): number {
  const { compileRules } = shippedModule<typeof CompiledRules>('scanning/compiledRules');
  const { builtinRules } = shippedModule<typeof BuiltinRules>('scanning/rules/builtinRules');
  const { keywordPass } = shippedModule<typeof KeywordHits>('scanning/keywordHits');
  const { automaton } = compileRules(builtinRules);
  const size = statSync(file).size;
  const descriptor = openSync(file, 'r');
  const block = Buffer.alloc(1024 * 1024);
  let hits = 0;
  const started = process.hrtime.bigint();
  try {
    for (let offset = 0; offset < size; ) {
      const length = readSync(descriptor, block, 0, Math.min(block.length, size - offset), offset);
      const lastNewline = offset + length < size ? block.lastIndexOf(0x0a, length - 1) + 1 : length;
      hits += keywordPass(automaton, block, 0, lastNewline).hits.length;
      offset += lastNewline;
    }
  } finally {
    closeSync(descriptor);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (hits === 0) throw new Error('the keyword pass found no keyword at all');
  return seconds;
}

/**
 * The regex work a keyword-gated scan cannot avoid: per block, the keyword pass finds the lines, and for
 * each line every rule its keywords select is run on it once (anchored rules at each keyword's name, as
 * the analyzer runs them). Only the pattern runs are timed; making the texts and lists is not.
 */
function rulePatternSeconds(file: string): number {
  const { compileRules } = shippedModule<typeof CompiledRules>('scanning/compiledRules');
  const { builtinRules } = shippedModule<typeof BuiltinRules>('scanning/rules/builtinRules');
  const { keywordPass } = shippedModule<typeof KeywordHits>('scanning/keywordHits');
  const compiled = compileRules(builtinRules);
  const isNameByte = (code: number) => /[A-Za-z0-9_.-]/.test(String.fromCharCode(code));
  const bytes = readFileSync(file);
  let seconds = 0;
  let matches = 0;
  for (let offset = 0; offset < bytes.length; ) {
    const blockEnd = bytes.lastIndexOf(0x0a, Math.min(bytes.length, offset + 1024 * 1024) - 1) + 1;
    const pass = keywordPass(compiled.automaton, bytes, offset, blockEnd);
    const runs: { text: string; rule: number; at: number }[] = [];
    for (let h = 0; h < pass.hits.length; ) {
      const lineEnd = pass.lineEnd(pass.hits[h + 1]);
      const lineStart = pass.lineStart(pass.hits[h + 1]);
      const text = bytes.toString('latin1', lineStart, lineEnd);
      const seen = new Set<string>();
      for (; h < pass.hits.length && pass.hits[h + 1] <= lineEnd; h += 2) {
        for (const rule of compiled.actions[pass.hits[h]].rules) {
          let at = -1;
          if (compiled.rules[rule].definition.anchor === 'name-around-keyword') {
            at = pass.hits[h + 1] - compiled.automaton.keywords[pass.hits[h]].length - lineStart;
            const keywordStart = at;
            while (at > 0 && keywordStart - at < 80 && isNameByte(text.charCodeAt(at - 1))) at--;
          }
          if (seen.has(`${rule}:${at}`)) continue;
          seen.add(`${rule}:${at}`);
          runs.push({ text, rule, at });
        }
      }
    }
    const started = process.hrtime.bigint();
    for (const { text, rule, at } of runs) {
      const { probe, matcher } = compiled.rules[rule];
      if (at < 0) {
        if (probe.test(text)) matches++;
      } else {
        matcher.lastIndex = at;
        if (matcher.exec(text)) matches++;
      }
    }
    seconds += Number(process.hrtime.bigint() - started) / 1e9;
    offset = blockEnd;
  }
  if (matches === 0) throw new Error('no rule pattern matched at all');
  return seconds;
}

function vigilInChild(file: string, warmUp: string): VigilRun {
  return JSON.parse(
    execFileSync(process.execPath, ['--require', 'tsx/cjs', __filename, '--vigil', file, warmUp], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    }),
  ) as VigilRun;
}

/** Seconds of `rg -c -i -F -f KEYWORDS file`, or undefined when rg cannot run. */
function ripgrepSeconds(keywordsFile: string, file: string): number | undefined {
  const started = process.hrtime.bigint();
  const result = spawnSync('rg', ['-c', '-i', '-F', '-f', keywordsFile, file], { encoding: 'utf8', maxBuffer: 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // rg exits 1 when nothing matched, 2 on errors; a spawn failure (ENOENT) sets `error`.
  if (result.error || result.status === 2) return undefined;
  return seconds;
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

function generate(generator: string, file: string, megabytes: number): PlantedSecret[] {
  // Generated in a child process: its memory and garbage must not weigh on the measured scans.
  return JSON.parse(
    execFileSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, generator), file, String(megabytes)], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }),
  ) as PlantedSecret[];
}

async function main(): Promise<void> {
  const megabytes = Number(process.env.VIGIL_BENCH_MB ?? 100);
  const rounds = Math.max(1, Number(process.env.VIGIL_BENCH_ROUNDS ?? 3));
  const directory = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  try {
    const scanner = loadEngine().createScanner({ fingerprintKey });
    const ruleKeywords = join(directory, 'rule-keywords.txt');
    const prefilterKeywords = join(directory, 'prefilter-keywords.txt');
    writeFileSync(ruleKeywords, `${scanner.ruleKeywords.join('\n')}\n`);
    writeFileSync(prefilterKeywords, `${scanner.prefilterKeywords.join('\n')}\n`);
    let ripgrepMissing = false;

    for (const [log, generator] of [
      ['planted', 'scanLogGenerator.ts'],
      ['keyword-dense', 'keywordDenseLogGenerator.ts'],
    ] as const) {
      const file = join(directory, `${log}.log`);
      const warmUp = join(directory, `${log}-warm-up.log`);
      const planted = generate(generator, file, megabytes);
      // Both tools first scan a small log of the same kind untimed: steady state, not JIT warm-up.
      generate(generator, warmUp, 8);
      const bytes = statSync(file).size;
      const mb = bytes / (1024 * 1024);

      const vigilRuns: VigilRun[] = [];
      const rgRuns: number[] = [];
      for (let r = 0; r < rounds; r++) {
        // Alternated, so a burst of load from another process weighs on both.
        vigilRuns.push(vigilInChild(file, warmUp));
        const seconds = ripgrepMissing ? undefined : ripgrepSeconds(ruleKeywords, file);
        if (seconds === undefined) ripgrepMissing = true;
        else rgRuns.push(mb / seconds);
      }
      const allKeywordsSeconds = ripgrepMissing ? undefined : ripgrepSeconds(prefilterKeywords, file);
      const vigilMBpsRuns = vigilRuns.map((run) => mb / run.seconds);
      const vigilMBps = median(vigilMBpsRuns);
      const rgMBps = rgRuns.length > 0 ? median(rgRuns) : undefined;

      await scanWithSecretlint(warmUp);
      const secretlint = await scanWithSecretlint(file);
      const secretlintMBps = mb / secretlint.seconds;
      const last = vigilRuns[vigilRuns.length - 1];
      process.stdout.write(
        `${JSON.stringify({
          log,
          bytes,
          vigilMBps: round(vigilMBps),
          rgMBps: rgMBps === undefined ? null : round(rgMBps),
          prefilterMBps: round(median(vigilRuns.map((run) => mb / run.prefilterSeconds))),
          rulePatternBoundMBps: round(median(vigilRuns.map((run) => mb / (run.prefilterSeconds + run.rulePatternSeconds)))),
          vigilToRg: rgMBps === undefined ? null : round(vigilMBps / rgMBps, 2),
          rgAllKeywordsMBps: allKeywordsSeconds === undefined ? null : round(mb / allKeywordsSeconds),
          secretlintMBps: round(secretlintMBps),
          secretlintSeconds: round(secretlint.seconds, 2),
          vigilSeconds: round(mb / vigilMBps, 2),
          ratio: round(vigilMBps / secretlintMBps, 2),
          vigilRecall: round(recall(planted, new Set(last.lines)), 3),
          secretlintRecall: round(recall(planted, secretlint.lines), 3),
          vigilPeakRssMB: Math.max(...vigilRuns.map((run) => run.peakRssMB)),
          findings: last.findings,
          vigilRuns: vigilMBpsRuns.map((value) => round(value)),
          rgRuns: rgRuns.map((value) => round(value)),
        })}\n`,
      );
    }
    if (ripgrepMissing) process.stderr.write('note: ripgrep (rg) is not installed or failed: its columns are null\n');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--vigil') {
  vigilChild(process.argv[3], process.argv[4]).catch((error: unknown) => {
    process.stderr.write(`vigil scan failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`scan benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
