import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../../config';
import { ConfigurationError } from '../../errors';
import type { Finding, RuleMetadata } from '../../scanning';
import {
  BaselineError,
  type CustomRuleFile,
  CustomRulesError,
  createScanner,
  formatTextReport,
  loadBaseline,
  loadCustomRules,
  RuleCompilationError,
  resolveFingerprintKey,
  type Scanner,
  scanPath,
  toJsonReport,
  toSarifLog,
  walkFiles,
} from '../../scanning';
import type { SecretVerifier } from '../../verification';
import { exitCodes, UsageError } from '../usageError';

/**
 * `vigil scan [PATH...|-]` (docs/architecture.md, "The `vigil` command"): files, folders (recursively, honouring .gitignore and
 * skipping binaries) or standard input, with the same engine the queue handlers use. Exit 0 when
 * nothing is found, 1 when secrets are found, 2 for usage or I/O errors.
 */
const optionsSchema = z.object({
  format: z.enum(['text', 'json', 'sarif'], { error: () => '--format must be one of: text, json, sarif' }),
  output: z.string().min(1).optional(),
  baseline: z.string().min(1).optional(),
  minConfidence: z.enum(['low', 'medium', 'high'], { error: () => '--min-confidence must be one of: low, medium, high' }),
  rules: z.union([z.string().min(1), z.literal(true)]).optional(),
  listRules: z.boolean().optional(),
  includeUnverified: z.boolean().optional(),
  verify: z.boolean().optional(),
});

type ScanOptions = z.infer<typeof optionsSchema>;

/** Inputs larger than this get a progress line on an interactive stderr. */
const progressThresholdBytes = 4 * 1024 * 1024;

export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .description('scan files, folders or standard input (-) for leaked secrets; exit 1 when any are found')
    .argument('[paths...]', 'files or folders to scan (folders honour .gitignore); - reads standard input', ['.'])
    .option('-f, --format <format>', 'output format: text, json or sarif', 'text')
    .option('-o, --output <file>', 'write the report to FILE instead of standard output')
    .option('--baseline <file>', 'suppress findings whose fingerprints are in FILE (an earlier --format json report)')
    .option('--min-confidence <level>', 'report findings of at least this confidence: low, medium or high', 'medium')
    .option('--rules [file]', 'add custom rules and allowlists from FILE (JSON); without FILE, list the rules and exit')
    .option('--list-rules', 'list the rules and exit')
    .option('--include-unverified', 'also report tokens that fail their checksum, at low confidence')
    .option(
      '--verify',
      "ask each found credential's own service whether it is live (read-only calls; GitHub, GitLab, Azure DevOps, Slack, npm, Azure Storage)",
    )
    .action(async (paths: string[], rawOptions: Record<string, unknown>) => {
      const parsed = optionsSchema.safeParse(rawOptions);
      if (!parsed.success) throw new UsageError(parsed.error.issues[0].message);
      process.exitCode = await runScan(paths, parsed.data);
    });
}

async function runScan(paths: readonly string[], options: ScanOptions): Promise<number> {
  const custom = typeof options.rules === 'string' ? await loadRulesOrFail(options.rules) : undefined;
  const listOnly = options.rules === true || options.listRules === true;
  const verifier = options.verify && !listOnly ? await buildVerifier() : undefined;
  const scanner = buildScanner(options, custom, listOnly ? undefined : await loadBaselineOrFail(options.baseline));
  if (listOnly) {
    await emit(formatRuleList(scanner.catalogue), options.output);
    return exitCodes.ok;
  }

  const startedAt = Date.now();
  const progress = new ProgressLine();
  let findings: Finding[] = [];
  let bytes = 0;
  let files = 0;
  const scanOne = async (input: AsyncIterable<Buffer>, label: string) => {
    const bytesBefore = bytes;
    const target = {
      path: label,
      secretSink: verifier?.sink,
      onProgress: (scanned: number) => {
        bytes = bytesBefore + scanned;
        progress.update(bytes, findings.length);
      },
    };
    for await (const finding of scanner.scanStream(input, target)) findings.push(finding);
    files++;
  };

  // A path is scanned too: a secret in a file name is a finding, and is shown redacted wherever the path is.
  const secretsInPaths = new Set<string>();
  const scanFile = async (path: string) => {
    const scanned = scanPath(scanner, displayPath(path));
    // A token naming a folder is in the path of every file under it: reported once.
    for (const finding of scanned.findings) {
      if (secretsInPaths.has(finding.fingerprint)) continue;
      secretsInPaths.add(finding.fingerprint);
      findings.push(finding);
    }
    await scanOne(openFile(path, scanned.shown), scanned.shown);
  };

  for (const path of paths) {
    if (path === '-') {
      await scanOne(process.stdin as AsyncIterable<Buffer>, '<stdin>');
      continue;
    }
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${scanPath(scanner, path).shown}: ${describeIoError(error)}`);
    });
    if (info.isDirectory()) {
      for await (const file of walkFiles(path, { keepBinary: (file) => scanner.hasPathRuleFor(file), skipPaths: custom?.allowedPaths })) {
        await scanFile(file.path);
      }
    } else {
      await scanFile(path);
    }
  }
  progress.clear();
  // Live credentials first; the secrets the scan handed over are forgotten once asked about.
  if (verifier) findings = await verifier.verify(findings);

  const stats = { bytes, files, durationMs: Date.now() - startedAt };
  await emit(render(findings, scanner, options, stats), options.output);
  return findings.length > 0 ? exitCodes.findings : exitCodes.ok;
}

/** Verification for `--verify`: endpoints from VIGIL_VERIFY_*_URL (tests, a local proxy), else the services' own. */
async function buildVerifier(): Promise<SecretVerifier> {
  const { createSecretVerifier, verificationEndpointsFromEnvironment } = await import('../../verification/index.js');
  try {
    return createSecretVerifier({ endpoints: verificationEndpointsFromEnvironment(process.env) });
  } catch (error) {
    if (error instanceof ConfigurationError) throw new UsageError(error.message);
    throw error;
  }
}

function buildScanner(options: ScanOptions, custom: CustomRuleFile | undefined, baseline: Set<string> | undefined): Scanner {
  const config = loadConfig();
  const fingerprintKey = resolveFingerprintKey({ environmentKey: process.env.VIGIL_FINGERPRINT_KEY, dataDir: config.dataDir });
  try {
    return createScanner({
      fingerprintKey,
      minConfidence: options.minConfidence,
      baseline,
      customRules: custom?.rules,
      disabledRules: custom?.disabledRules,
      allowedValues: custom?.allowedValues,
      includeUnverified: options.includeUnverified,
    });
  } catch (error) {
    if (error instanceof RuleCompilationError) throw new UsageError(error.message);
    throw error;
  }
}

async function loadRulesOrFail(file: string): Promise<CustomRuleFile> {
  try {
    return await loadCustomRules(file);
  } catch (error) {
    if (error instanceof CustomRulesError) throw new UsageError(error.message);
    throw error;
  }
}

async function loadBaselineOrFail(file: string | undefined): Promise<Set<string> | undefined> {
  if (file === undefined) return undefined;
  try {
    return await loadBaseline(file);
  } catch (error) {
    if (error instanceof BaselineError) throw new UsageError(error.message);
    throw error;
  }
}

/** A read stream whose open/read failure becomes a usage error (exit 2) naming the file as `shown` (redacted). */
async function* openFile(path: string, shown: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
  } catch (error) {
    throw new UsageError(`cannot read ${shown}: ${describeIoError(error as NodeJS.ErrnoException)}`);
  }
}

function describeIoError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return error.code ?? error.message;
  }
}

/** Paths under the working directory are shown relative to it (what SARIF viewers expect). */
function displayPath(path: string): string {
  const relativePath = relative(process.cwd(), resolve(path));
  if (relativePath === '' || relativePath.startsWith('..')) return path;
  return relativePath.split('\\').join('/');
}

function render(
  findings: readonly Finding[],
  scanner: Scanner,
  options: ScanOptions,
  stats: { bytes: number; files: number; durationMs: number },
): string {
  switch (options.format) {
    case 'json':
      return toJsonReport(findings, stats);
    case 'sarif':
      return toSarifLog(findings, scanner.catalogue, { toolVersion: packageVersion() });
    case 'text':
      return formatTextReport(findings, {
        colour: options.output === undefined && process.stdout.isTTY === true,
        files: stats.files,
        bytes: stats.bytes,
      });
  }
}

function formatRuleList(catalogue: readonly RuleMetadata[]): string {
  const rows = [...catalogue]
    .sort((a, b) => a.family.localeCompare(b.family) || a.id.localeCompare(b.id))
    .map((rule) => `${rule.id.padEnd(44)} ${rule.family.padEnd(14)} ${rule.severity.padEnd(9)} ${rule.confidence.padEnd(7)} ${rule.title}`);
  return `${[`${'RULE'.padEnd(44)} ${'FAMILY'.padEnd(14)} ${'SEVERITY'.padEnd(9)} ${'CONF'.padEnd(7)} TITLE`, ...rows].join('\n')}\n`;
}

async function emit(text: string, output: string | undefined): Promise<void> {
  if (output === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(output, text);
  } catch (error) {
    throw new UsageError(`cannot write ${output}: ${describeIoError(error as NodeJS.ErrnoException)}`);
  }
}

/** The package version, found by walking up from this file (works from the sources and from dist/). */
function packageVersion(): string {
  let directory = __dirname;
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(directory, 'package.json');
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'vigil' && manifest.version) return manifest.version;
    }
    directory = dirname(directory);
  }
  return '0.0.0';
}

/** `scanned 12.3 MB (85.0 MB/s), 3 findings` on an interactive stderr, for inputs over a few MB. */
class ProgressLine {
  private readonly enabled = process.stderr.isTTY === true;
  private readonly startedAt = Date.now();
  private lastDrawnAt = 0;
  private drawn = false;

  update(bytes: number, findings: number): void {
    if (!this.enabled || bytes < progressThresholdBytes) return;
    const now = Date.now();
    if (now - this.lastDrawnAt < 200) return;
    this.lastDrawnAt = now;
    const megabytes = bytes / (1024 * 1024);
    const rate = megabytes / Math.max((now - this.startedAt) / 1000, 0.001);
    process.stderr.write(
      `\r\x1b[2Kscanned ${megabytes.toFixed(1)} MB (${rate.toFixed(1)} MB/s), ${findings} finding${findings === 1 ? '' : 's'}`,
    );
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) process.stderr.write('\r\x1b[2K');
  }
}
