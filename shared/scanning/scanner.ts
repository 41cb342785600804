import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BlockPool, joinIntoBlocks } from '../streaming';
import { type CompiledRuleSet, compileRules } from './compiledRules';
import { fingerprintSecret } from './fingerprint';
import { builtinCatalogue, builtinRules } from './rules/builtinRules';
import { pathRules } from './rules/structuralRules';
import { ScanSession } from './scanSession';
import {
  type Confidence,
  confidenceRank,
  type Finding,
  type PathRuleDefinition,
  type RuleDefinition,
  type RuleMetadata,
  type SecretSink,
} from './types';

/**
 * The engine's public face, shared by the queue handlers and `vigil scan`:
 *
 *   const scanner = createScanner({ fingerprintKey });
 *   for await (const finding of scanner.scanStream(logStream, { path: 'build/42/log/7' })) { ... }
 *
 * A scanner compiles its rules once and can run any number of scans, one after another or at the
 * same time. Findings never carry the secret: only a redacted preview and a keyed fingerprint.
 */
export interface ScannerOptions {
  /** HMAC key for fingerprints (see resolveFingerprintKey in fingerprint.ts). */
  fingerprintKey: Buffer;
  /** Findings below this confidence are not reported. Default `medium`. */
  minConfidence?: Confidence;
  /** Fingerprints to suppress (a baseline). */
  baseline?: ReadonlySet<string>;
  /** Extra rules, after the built-ins (ids must be new). */
  customRules?: readonly RuleDefinition[];
  /** Built-in rule ids to turn off. */
  disabledRules?: readonly string[];
  /** Secrets matching any of these are never reported. */
  allowedValues?: readonly RegExp[];
  /** Keep tokens that fail their checksum, at low confidence, instead of dropping them. Default false. */
  includeUnverified?: boolean;
  /** Longest line scanned in one piece; longer lines are scanned in overlapping windows. Default 1 MiB. */
  maxLineBytes?: number;
  /** Overlap between windows of an overlong line; must exceed the longest secret. Default 8 KiB. */
  overlapBytes?: number;
}

export interface ScanTarget {
  /** The file path, or a label such as `<stdin>` or `build 42 / job log 7`. */
  path: string;
  /** Called after each chunk read with the bytes read so far (progress reporting); the last call gives the total. */
  onProgress?: (bytesScanned: number) => void;
  /** Hands the secrets of some rules' findings of this scan to verification, in memory (off unless given). */
  secretSink?: SecretSink;
}

export type ScanInput = Readable | AsyncIterable<Uint8Array | string>;

export interface Scanner {
  /** Every rule a finding can name (pattern, structural and path rules). */
  readonly catalogue: readonly RuleMetadata[];
  scanStream(input: ScanInput, target: ScanTarget): AsyncGenerator<Finding, void, undefined>;
  /** Convenience for small inputs already in memory. */
  scanText(text: string | Uint8Array, target: ScanTarget): Finding[];
  /** True when a path rule reports the file itself (a .p12 bundle): scan it even if it is binary. */
  hasPathRuleFor(path: string): boolean;
  /** The patterns of the active path rules (what `hasPathRuleFor` tests), for screening paths elsewhere. */
  readonly pathRulePatterns: readonly RegExp[];
  /** The keywords the active rules name, lower case, each once (what bench:scan hands ripgrep). */
  readonly ruleKeywords: readonly string[];
  /** Every literal the keyword pass looks for: the rule keywords plus their base64 projections and markers. */
  readonly prefilterKeywords: readonly string[];
}

export function createScanner(options: ScannerOptions): Scanner {
  const disabled = new Set(options.disabledRules ?? []);
  const definitions = [...builtinRules, ...(options.customRules ?? [])].filter((rule) => !disabled.has(rule.id));
  const compiled: CompiledRuleSet = compileRules(definitions);
  const activePathRules = pathRules.filter((rule) => !disabled.has(rule.id));
  const catalogue: RuleMetadata[] = [...builtinCatalogue.filter((rule) => !disabled.has(rule.id)), ...(options.customRules ?? [])];
  const minimum = confidenceRank[options.minConfidence ?? 'medium'];
  const maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
  const overlapBytes = Math.min(options.overlapBytes ?? 8 * 1024, Math.floor(maxLineBytes / 2));

  const reportable = (finding: Finding) =>
    confidenceRank[finding.confidence] >= minimum && !(options.baseline?.has(finding.fingerprint) ?? false);

  const newSession = (target: ScanTarget) =>
    new ScanSession(compiled, {
      path: target.path,
      fingerprintKey: options.fingerprintKey,
      includeUnverified: options.includeUnverified ?? false,
      allowedValues: options.allowedValues ?? [],
      maxLineBytes,
      overlapBytes,
      secretSink: target.secretSink,
    });

  const pathRuleFor = (path: string): PathRuleDefinition | undefined => activePathRules.find((rule) => rule.pathPattern.test(path));

  const pathFinding = (rule: PathRuleDefinition, path: string, contentDigest: string): Finding => ({
    ruleId: rule.id,
    title: rule.title,
    severity: rule.severity,
    confidence: rule.confidence,
    path,
    line: 1,
    column: 1,
    redacted: '(file content)',
    fingerprint: fingerprintSecret(`file:${contentDigest}`, options.fingerprintKey),
    verified: false,
    evidence: 'format',
    remediation: rule.remediation,
  });

  async function* scanStream(input: ScanInput, target: ScanTarget): AsyncGenerator<Finding, void, undefined> {
    const pathRule = pathRuleFor(target.path);
    if (pathRule) {
      // The file itself is the finding; its bytes are hashed (for a stable fingerprint), not read as text.
      const digest = createHash('sha256');
      let bytes = 0;
      for await (const chunk of input) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        digest.update(buffer);
        bytes += buffer.length;
        target.onProgress?.(bytes);
      }
      const finding = pathFinding(pathRule, target.path, digest.digest('hex'));
      if (reportable(finding)) yield finding;
      return;
    }
    const session = newSession(target);
    let bytesRead = 0;
    const onRead = (bytes: number) => target.onProgress?.((bytesRead += bytes));
    let block: ArrayBuffer | undefined;
    try {
      for await (const chunk of coalescedChunks(input, onRead, () => Buffer.from((block ??= coalescingBlocks.take())))) {
        session.push(chunk);
        for (const finding of session.takeFindings()) if (reportable(finding)) yield finding;
      }
    } finally {
      if (block) coalescingBlocks.give(block);
    }
    session.end();
    for (const finding of session.takeFindings()) if (reportable(finding)) yield finding;
  }

  function scanText(text: string | Uint8Array, target: ScanTarget): Finding[] {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    const pathRule = pathRuleFor(target.path);
    if (pathRule) {
      const finding = pathFinding(pathRule, target.path, createHash('sha256').update(bytes).digest('hex'));
      return reportable(finding) ? [finding] : [];
    }
    const session = newSession(target);
    session.push(bytes);
    session.end();
    target.onProgress?.(session.bytesScanned);
    return session.takeFindings().filter(reportable);
  }

  return {
    catalogue,
    scanStream,
    scanText,
    hasPathRuleFor: (path) => pathRuleFor(path) !== undefined,
    pathRulePatterns: activePathRules.map((rule) => rule.pathPattern),
    ruleKeywords: [...new Set(definitions.flatMap((rule) => rule.keywords.map((keyword) => keyword.toLowerCase())))],
    prefilterKeywords: compiled.automaton.keywords,
  };
}

/**
 * Sockets hand a stream over in 16–64 KiB pieces; the engine's keyword pass splits a block into
 * four lanes only when it is large enough, and pays a fixed cost per block. Small pieces are copied
 * into a 256 KiB block taken from `coalescingBlocks` (bounded memory, no allocation per block or per
 * stream) so a log read from the network scans as fast as one read from disk. A piece is never
 * kept once the next one is asked for: a source may hand out buffers that it reuses (the download
 * thread does). Progress is reported per piece read; findings come per block, so a slow live stream
 * shows its findings at most 256 KiB (or its end) later.
 */
function coalescedChunks(input: ScanInput, onRead: (bytes: number) => void, block: () => Buffer): AsyncGenerator<Uint8Array> {
  return joinIntoBlocks(piecesOf(input, onRead), coalescingBlocks.blockBytes, block, { passLargePieces: true });
}

/**
 * The coalescing blocks, shared by every stream of the process: a stream takes one when its first
 * small piece arrives and gives it back when it ends. One block per stream cost a repository scan
 * 256 KiB of memory outside the heap per file (2 GB for 8 600 files), and the collector answered
 * that with a full mark-compact every tenth of a second (bench:repos, docs/performance.md). A few
 * spare ones at most: a burst of concurrent scans leaves no hoard behind.
 */
const coalescingBlocks = new BlockPool(256 * 1024, 8);

async function* piecesOf(input: ScanInput, onRead: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of input as AsyncIterable<Uint8Array | string>) {
    const piece = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    onRead(piece.length);
    yield piece;
  }
}
