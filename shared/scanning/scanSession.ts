import { utf16Length } from './columns';
import type { CompiledRuleSet, Marker } from './compiledRules';
import { KubernetesSecretFollower } from './detectors/kubernetesSecrets';
import { PrivateKeyBlockFollower } from './detectors/privateKeyBlocks';
import { fingerprintSecret } from './fingerprint';
import { findKeywordHits } from './keywordHits';
import { LineAnalyzer, structuralPriority, type Candidate, type TextOrigin } from './lineAnalyzer';
import { cleanLogLine, rawOffsetOf, type CleanLine } from './logLine';
import { redactSecret } from './redaction';
import { kubernetesSecretRule, privateKeyRule } from './rules/structuralRules';
import type { Finding } from './types';

/**
 * One scan of one input, fed with chunks of bytes. Memory stays bounded whatever the input: a line
 * is held only until its newline arrives, and a line longer than `maxLineBytes` is scanned in
 * windows that overlap by `overlapBytes`, so a secret that straddles a window edge is still seen
 * whole. Each chunk's complete lines get one keyword pass (keywordHits.ts); only lines with a
 * keyword (or that a multi-line detector is following) are decoded and analysed (lineAnalyzer.ts).
 */
export interface ScanSessionOptions {
  path: string;
  fingerprintKey: Buffer;
  includeUnverified: boolean;
  allowedValues: readonly RegExp[];
  maxLineBytes: number;
  overlapBytes: number;
}

const newline = 0x0a;
/** Bounds the hits kept for one line or window (a window is at most maxLineBytes, so this is never reached in practice). */
const maximumHitsPerLine = 2 * 1024 * 1024;
const noHits = new Int32Array(0);
const escapeByte = 0x1b;
const requiredCharacterReach = 512;
const sliceBytes = 1024 * 1024;
const openTagOnly = /^[ \t]*<([A-Za-z_][\w.\-:]{0,80})>[ \t]*$/;
const bareValue = /^[ \t]*([^\s<>]{8,512})[ \t]*$/;
const allowComment = /vigil:allow(?:[ \t]+([a-z0-9][a-z0-9\-, ]{0,200}))?/i;

export class ScanSession {
  private readonly analyzer: LineAnalyzer;
  private readonly privateKeys = new PrivateKeyBlockFollower();
  private readonly kubernetes = new KubernetesSecretFollower();
  private readonly armed = new Map<number, number>();
  private readonly armingRulesByKeyword: readonly (readonly number[])[];
  private readonly keywordLengths: Int32Array;
  private readonly markersByKeyword: readonly (readonly Marker[])[];
  private findings: Finding[] = [];
  private lineNumber = 1;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** UTF-16 columns of the current line already handed to earlier windows. */
  private columnBase = 0;
  private windowedLine = false;
  private readonly windowFindingKeys = new Set<string>();
  private openTagName: string | undefined;
  private ended = false;
  bytesScanned = 0;
  /** The most bytes of one line held at once (a diagnostic: it stays under maxLineBytes plus one chunk). */
  largestHeldLine = 0;

  constructor(
    private readonly compiled: CompiledRuleSet,
    private readonly options: ScanSessionOptions,
  ) {
    this.analyzer = new LineAnalyzer(compiled, {
      path: options.path,
      includeUnverified: options.includeUnverified,
      allowedValues: options.allowedValues,
    });
    this.armingRulesByKeyword = compiled.actions.map((action) =>
      action.rules.filter((rule) => (compiled.rules[rule].definition.armsFollowingLines ?? 0) > 0),
    );
    this.markersByKeyword = compiled.actions.map((action) => action.markers);
    this.keywordLengths = Int32Array.from(compiled.automaton.keywords, (keyword) => keyword.length);
  }

  /** Feeds the next bytes of the input. */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('push() after end()');
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.bytesScanned += buffer.length;
    for (let offset = 0; offset < buffer.length; offset += sliceBytes) {
      this.pushSlice(buffer.subarray(offset, Math.min(buffer.length, offset + sliceBytes)));
    }
  }

  /** The input is complete: scans the last line and reports what multi-line detectors still hold. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.pendingLength > 0) {
      const line = this.takePending();
      this.processLine(line, 0, line.length, this.hitsIn(line, 0, line.length), undefined);
    }
    for (const value of this.kubernetes.finish()) this.addKubernetesFinding(value);
  }

  /** Findings produced since the last call. */
  takeFindings(): Finding[] {
    const findings = this.findings;
    this.findings = [];
    return findings;
  }

  private pushSlice(slice: Buffer): void {
    let from = 0;
    if (this.pendingLength > 0) {
      const firstNewline = slice.indexOf(newline);
      if (firstNewline < 0) {
        this.appendPending(slice);
        return;
      }
      this.appendPending(slice.subarray(0, firstNewline));
      const line = this.takePending();
      this.processLine(line, 0, line.length, this.hitsIn(line, 0, line.length), undefined);
      from = firstNewline + 1;
    }
    const lastNewline = slice.lastIndexOf(newline);
    if (lastNewline >= from) {
      this.scanRegion(slice, from, lastNewline + 1);
      from = lastNewline + 1;
    }
    if (from < slice.length) this.appendPending(slice.subarray(from));
  }

  private appendPending(bytes: Buffer): void {
    // Copy: the caller's chunk must not be kept alive by a reference into it.
    this.pending.push(Buffer.from(bytes));
    this.pendingLength += bytes.length;
    this.largestHeldLine = Math.max(this.largestHeldLine, this.pendingLength);
    while (this.pendingLength >= this.options.maxLineBytes) this.scanPendingWindow();
  }

  private takePending(): Buffer {
    const line = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLength);
    this.pending = [];
    this.pendingLength = 0;
    return line;
  }

  /** Scans the first `maxLineBytes` of an overlong line and keeps the overlap for the next window. */
  private scanPendingWindow(): void {
    const buffer = this.takePending();
    const windowEnd = this.options.maxLineBytes;
    this.windowedLine = true;
    this.processWindow(buffer, windowEnd);
    const keepFrom = windowEnd - this.options.overlapBytes;
    this.columnBase += utf16Length(buffer, 0, keepFrom);
    const rest = Buffer.from(buffer.subarray(keepFrom));
    this.pending = [rest];
    this.pendingLength = rest.length;
  }

  private processWindow(buffer: Buffer, end: number): void {
    const hits = this.hitsIn(buffer, 0, end);
    this.analyseLine(buffer, 0, end, hits, lineContainsByte(buffer, 0, end, escapeByte));
  }

  /**
   * A block of complete lines (`to` is just past a newline). The first pass finds every keyword in
   * one sweep (keywordHits.ts); this second pass finds the lines around the hits with native newline
   * searches, counts line numbers the same way, and analyses those lines in order, plus every line
   * a multi-line detector is following.
   */
  private scanRegion(buffer: Buffer, from: number, to: number): void {
    const hits = findKeywordHits(this.compiled.automaton, buffer, from, to);
    const lines = new LineCounter(buffer, from, this.lineNumber);
    let position = from;
    const followUntil = (limit: number) => {
      while (position < limit && this.isFollowingLines()) {
        const newlineAt = buffer.indexOf(newline, position);
        this.lineNumber = lines.lineAt(position);
        this.processLine(buffer, position, newlineAt, noHits, undefined);
        position = newlineAt + 1;
      }
    };
    let h = 0;
    while (h < hits.length) {
      const keywordEnd = hits[h + 1];
      const lineStart = buffer.lastIndexOf(newline, keywordEnd - 1) + 1;
      const lineEnd = buffer.indexOf(newline, keywordEnd - 1);
      let hitEnd = h + 2;
      while (hitEnd < hits.length && hits[hitEnd + 1] <= lineEnd) hitEnd += 2;
      followUntil(lineStart);
      if (lineStart >= position) {
        const lineHits = new Int32Array(hitEnd - h);
        for (let k = h; k < hitEnd; k += 2) {
          lineHits[k - h] = hits[k];
          lineHits[k - h + 1] = hits[k + 1] - lineStart;
        }
        if (this.isFollowingLines() || this.worthAnalysing(buffer, lineStart, lineEnd, lineHits)) {
          this.lineNumber = lines.lineAt(lineStart);
          this.processLine(buffer, lineStart, lineEnd, lineHits, undefined);
        }
        position = lineEnd + 1;
      }
      h = hitEnd;
    }
    followUntil(to);
    this.lineNumber = lines.lineAt(to);
  }

  /**
   * Whether a line's keywords justify decoding it: rules that need a character the line lacks
   * (a URL credential needs '@') are ruled out on the raw bytes.
   */
  private worthAnalysing(buffer: Buffer, start: number, end: number, hits: Int32Array): boolean {
    for (let h = 0; h < hits.length; h += 2) {
      const action = this.compiled.actions[hits[h]];
      if (action.triggersLine) return true;
      for (let r = 0; r < action.rules.length; r++) {
        const { requiredCharacters, precondition } = this.compiled.rules[action.rules[r]].definition;
        const spelling = action.exactSpellings[r];
        if (spelling !== null && !bytesSpell(buffer, start + hits[h + 1] - spelling.length, spelling)) continue;
        if (!requiredCharacters && !precondition) return true;
        // Looked for after the keyword, within the reach of a credential.
        const from = start + hits[h + 1];
        const to = Math.min(end, from + requiredCharacterReach);
        if (precondition === 'url-userinfo' && !hasUrlUserinfo(buffer, from, to)) continue;
        if (requiredCharacters) {
          let all = true;
          for (let c = 0; c < requiredCharacters.length && all; c++) all = lineContainsByte(buffer, from, to, requiredCharacters.charCodeAt(c));
          if (!all) continue;
        }
        return true;
      }
    }
    return false;
  }

  /** Keyword hits of one line (or window) as (keyword, end offset) pairs. */
  private hitsIn(buffer: Buffer, from: number, to: number): Int32Array {
    const { byteClass, transitions } = this.compiled.automaton;
    const pairs: number[] = [];
    let row = 0;
    for (let i = from; i < to; i++) {
      row = transitions[row + byteClass[buffer[i]]];
      if (row < 0) {
        row = ~row;
        if (pairs.length < maximumHitsPerLine * 2) {
          for (const keyword of this.compiled.automaton.keywordsAt(row)) pairs.push(keyword, i + 1 - from);
        }
      }
    }
    return Int32Array.from(pairs);
  }

  private isFollowingLines(): boolean {
    return this.armed.size > 0 || this.privateKeys.isCollecting || this.kubernetes.isFollowing || this.openTagName !== undefined;
  }

  /** A complete line: analyse it, then advance line state. */
  /** `hasEscapes` is known from the first pass, or undefined to look for ESC bytes here. */
  private processLine(buffer: Buffer, start: number, end: number, hits: Int32Array, hasEscapes: boolean | undefined): void {
    this.analyseLine(buffer, start, end, hits, hasEscapes ?? lineContainsByte(buffer, start, end, escapeByte));
    this.lineNumber++;
    this.columnBase = 0;
    this.windowedLine = false;
    this.windowFindingKeys.clear();
    for (const [rule, remaining] of this.armed) {
      if (remaining <= 1) this.armed.delete(rule);
      else this.armed.set(rule, remaining - 1);
    }
  }

  private analyseLine(buffer: Buffer, start: number, end: number, rawHits: Int32Array, hasEscapes: boolean): void {
    let hasPemBegin = false;
    let hasKubernetesWord = false;
    for (let h = 0; h < rawHits.length; h += 2) {
      for (const marker of this.markersByKeyword[rawHits[h]]) {
        if (marker === 'pem-begin') hasPemBegin = true;
        else if (marker === 'kubernetes') hasKubernetesWord = true;
      }
    }
    const clean = cleanLogLine(buffer, start, end, hasEscapes);
    const hasAllowComment = clean.text.includes('vigil:allow');
    const hits = clean.strippedEscapes ? this.hitsOfText(clean.text) : this.shiftHits(rawHits, clean);

    const columnAt = (textIndex: number) => this.columnBase + utf16Length(buffer, start, start + rawOffsetOf(clean, textIndex)) + 1;
    const origin: TextOrigin = { toRawOffset: (index) => rawOffsetOf(clean, index), encoding: undefined, depth: 0 };
    this.analyzer.startLine();
    const candidates = this.analyzer.analyze(clean.text, origin, hits, [...this.armed.keys()]);

    this.armRulesFrom(hits);
    this.followOpenTag(clean, candidates);

    // Private key blocks: one that begins and ends on this line competes with the line's other
    // candidates (a service-account JSON key is reported once); one that began earlier is reported as is.
    if (hasPemBegin || this.privateKeys.isCollecting) {
      for (const block of this.privateKeys.onLine(this.lineNumber, clean.text, columnAt)) {
        const candidate: Candidate = {
          priority: structuralPriority,
          rule: privateKeyRule,
          generic: false,
          secret: block.body,
          rawStart: 0,
          rawEnd: 0,
          verified: false,
          confidence: privateKeyRule.confidence,
          encoding: undefined,
          previewPrefix: 0,
          previewLabel: `-----BEGIN ${block.label}-----`,
        };
        if (block.line === this.lineNumber) {
          candidate.rawStart = rawOffsetOf(clean, block.index);
          candidate.rawEnd = candidate.rawStart + 1;
          candidates.push(candidate);
        } else {
          this.report(candidate, block.line, block.column);
        }
      }
    }

    const suppressed = hasAllowComment ? this.allowedRules(clean.text) : undefined;
    for (const candidate of keepMostSpecific(candidates)) {
      if (suppressed && (suppressed === 'all' || suppressed.has(candidate.rule.id))) continue;
      const column = this.columnBase + utf16Length(buffer, start, start + candidate.rawStart) + 1;
      this.report(candidate, this.lineNumber, column);
    }

    if (hasKubernetesWord) this.kubernetes.wake();
    if (this.kubernetes.isFollowing) {
      for (const value of this.kubernetes.onLine(this.lineNumber, clean.text, columnAt)) this.addKubernetesFinding(value);
    }
  }

  private hitsOfText(text: string): Int32Array {
    const pairs: number[] = [];
    this.compiled.automaton.findAll(text, (keyword, end) => {
      if (pairs.length < maximumHitsPerLine * 2) pairs.push(keyword, end);
    });
    return Int32Array.from(pairs);
  }

  /**
   * Raw-line hit offsets → text offsets (the timestamp prefix shifts them); hits inside the prefix
   * are dropped. Rewrites the array in place (it belongs to this line).
   */
  private shiftHits(rawHits: Int32Array, clean: CleanLine): Int32Array {
    const shift = clean.shift;
    if (shift === 0) return rawHits;
    let kept = 0;
    for (let h = 0; h < rawHits.length; h += 2) {
      const end = rawHits[h + 1] - shift;
      if (end < this.keywordLengths[rawHits[h]]) continue;
      rawHits[kept] = rawHits[h];
      rawHits[kept + 1] = end;
      kept += 2;
    }
    return kept === rawHits.length ? rawHits : rawHits.slice(0, kept);
  }

  private armRulesFrom(hits: Int32Array): void {
    for (let h = 0; h < hits.length; h += 2) {
      const arming = this.armingRulesByKeyword[hits[h]];
      if (arming.length === 0) continue;
      for (const rule of arming) {
        // +1: this line's own countdown step happens when the line ends.
        this.armed.set(rule, (this.compiled.rules[rule].definition.armsFollowingLines ?? 0) + 1);
      }
    }
  }

  /**
   * `<apiToken>` alone on a line, the value alone on the next: read the pair as `apiToken=value`
   * so the assignment rules (generic and vendor ones) see the name next to its value.
   */
  private followOpenTag(clean: CleanLine, candidates: Candidate[]): void {
    const name = this.openTagName;
    this.openTagName = undefined;
    if (name !== undefined) {
      const value = bareValue.exec(clean.text);
      if (value) {
        const valueStart = value.index + value[0].indexOf(value[1]);
        const synthetic = `${name}=${value[1]}`;
        const offset = name.length + 1;
        const origin: TextOrigin = {
          toRawOffset: (index) => rawOffsetOf(clean, valueStart + Math.max(0, index - offset)),
          encoding: undefined,
          depth: 1,
        };
        candidates.push(...this.analyzer.analyze(synthetic, origin, null, []));
      }
    }
    const tag = openTagOnly.exec(clean.text);
    if (tag) this.openTagName = tag[1];
  }

  private allowedRules(text: string): Set<string> | 'all' | undefined {
    const match = allowComment.exec(text);
    if (!match) return undefined;
    const ids = (match[1] ?? '').split(/[\s,]+/).filter((id) => this.compiled.rules.some((rule) => rule.definition.id === id) || id === privateKeyRule.id || id === kubernetesSecretRule.id);
    return ids.length > 0 ? new Set(ids) : 'all';
  }

  private addKubernetesFinding(value: { line: number; column: number; value: string }): void {
    this.report(
      {
        priority: structuralPriority,
        rule: kubernetesSecretRule,
        generic: false,
        secret: value.value,
        rawStart: 0,
        rawEnd: 0,
        verified: false,
        confidence: kubernetesSecretRule.confidence,
        encoding: undefined,
        previewPrefix: 0,
      },
      value.line,
      value.column,
    );
  }

  private report(candidate: Candidate, line: number, column: number): void {
    const fingerprint = fingerprintSecret(candidate.secret, this.options.fingerprintKey);
    if (this.windowedLine || this.columnBase > 0 || this.windowFindingKeys.size > 0) {
      const key = `${candidate.rule.id}:${column}:${fingerprint}`;
      if (this.windowFindingKeys.has(key)) return;
      this.windowFindingKeys.add(key);
    }
    const redacted = candidate.previewLabel
      ? `${candidate.previewLabel}${redactSecret(candidate.secret, 0)}`
      : redactSecret(candidate.secret, candidate.previewPrefix);
    const finding: Finding = {
      ruleId: candidate.rule.id,
      title: candidate.rule.title,
      severity: candidate.rule.severity,
      confidence: candidate.confidence,
      path: this.options.path,
      line,
      column,
      redacted,
      fingerprint,
      verified: candidate.verified,
      remediation: candidate.rule.remediation,
    };
    if (candidate.encoding) finding.encoding = candidate.encoding;
    this.findings.push(finding);
  }
}

/**
 * Line numbers for positions in a block, counted with native newline searches as the second pass
 * moves forward (positions must not decrease).
 */
class LineCounter {
  private countedTo: number;
  private line: number;

  constructor(
    private readonly buffer: Buffer,
    from: number,
    firstLine: number,
  ) {
    this.countedTo = from;
    this.line = firstLine;
  }

  /** The line number of the line starting at (or containing) `position`. */
  lineAt(position: number): number {
    let next = this.buffer.indexOf(newline, this.countedTo);
    while (next >= 0 && next < position) {
      this.line++;
      this.countedTo = next + 1;
      next = this.buffer.indexOf(newline, this.countedTo);
    }
    return this.line;
  }
}

/** The bytes at `at` are exactly `spelling` (ASCII). */
function bytesSpell(buffer: Buffer, at: number, spelling: string): boolean {
  if (at < 0) return false;
  for (let i = 0; i < spelling.length; i++) if (buffer[at + i] !== spelling.charCodeAt(i)) return false;
  return true;
}

/**
 * `user:password@` right after a URL's `://` (the keyword is the scheme, or `https://` itself):
 * a ':' and then an '@' before any '/', blank or quote.
 */
function hasUrlUserinfo(buffer: Buffer, from: number, to: number): boolean {
  let start = from;
  for (let i = from; i < Math.min(to - 2, from + 24); i++) {
    if (buffer[i] === 0x3a && buffer[i + 1] === 0x2f && buffer[i + 2] === 0x2f) {
      start = i + 3;
      break;
    }
  }
  let colon = false;
  for (let i = start; i < to; i++) {
    const byte = buffer[i];
    if (byte === 0x3a) colon = true;
    else if (byte === 0x40) return colon;
    else if (byte === 0x2f || byte === 0x20 || byte === 0x09 || byte === 0x22 || byte === 0x27 || byte === 0x3f || byte === 0x23) return false;
  }
  return false;
}

function lineContainsByte(buffer: Buffer, start: number, end: number, byte: number): boolean {
  for (let i = start; i < end; i++) if (buffer[i] === byte) return true;
  return false;
}

/**
 * Where candidates overlap, keeps the best: a specific rule over a generic one, a checksum-verified
 * match over an unverified one, the earlier (more specific) rule in the table, higher confidence,
 * then the longer match.
 */
export function keepMostSpecific(candidates: Candidate[]): Candidate[] {
  if (candidates.length <= 1) return candidates;
  const confidenceOrder = { high: 0, medium: 1, low: 2 } as const;
  const ordered = [...candidates].sort(
    (a, b) =>
      Number(a.generic) - Number(b.generic) ||
      Number(b.verified) - Number(a.verified) ||
      a.priority - b.priority ||
      confidenceOrder[a.confidence] - confidenceOrder[b.confidence] ||
      b.rawEnd - b.rawStart - (a.rawEnd - a.rawStart),
  );
  const kept: Candidate[] = [];
  for (const candidate of ordered) {
    const overlaps = kept.some((other) => candidate.rawStart < other.rawEnd && other.rawStart < candidate.rawEnd);
    if (!overlaps) kept.push(candidate);
  }
  return kept.sort((a, b) => a.rawStart - b.rawStart);
}
