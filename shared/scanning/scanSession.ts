import { utf16Length } from './columns';
import type { CompiledRuleSet, KeywordAction, Marker } from './compiledRules';
import { CredentialPairs } from './detectors/credentialPairs';
import { KubernetesSecretFollower } from './detectors/kubernetesSecrets';
import { PrivateKeyBlockFollower } from './detectors/privateKeyBlocks';
import { fingerprintSecret } from './fingerprint';
import { type KeywordPass, keywordPass } from './keywordHits';
import { type Candidate, LineAnalyzer, structuralPriority, type TextOrigin } from './lineAnalyzer';
import { type CleanLine, cleanLogLine, rawOffsetOf } from './logLine';
import { hasLiteral, hasRun, type PatternRequirements, patternRequirements } from './patternRequirements';
import { redactSecret } from './redaction';
import { kubernetesSecretRule, privateKeyRule } from './rules/structuralRules';
import type { Finding, SecretSink } from './types';

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
  secretSink?: SecretSink;
}

const newline = 0x0a;
/** Bounds the hits kept for one line or window (a window is at most maxLineBytes, so this is never reached in practice). */
const maximumHitsPerLine = 2 * 1024 * 1024;
const noHits = new Int32Array(0);
const noRules: readonly number[] = [];
const escapeByte = 0x1b;
const backslash = 0x5c;
const percentSign = 0x25;
const requiredCharacterReach = 512;
/** Longer lines are analysed without asking the analyzer first (their analysis reads windows around the keywords). */
const probedLineBytes = 16 * 1024;
const sliceBytes = 1024 * 1024;
/** A name alone on its line, its value on the next: `<apiToken>` (XML) or `password:` / `password: |` (YAML). */
const nameOnly = /^[ \t]*(?:<([A-Za-z_][\w.\-:]{0,80})>|["']?([A-Za-z_][\w.-]{0,80})["']?[ \t]{0,4}:[ \t]{0,4}(?:[|>][-+]?)?)[ \t]*$/;
const bareValue = /^[ \t]*([^\s<>]{8,512})[ \t]*$/;
/** `variable "admin_password" {` (Terraform): the value is the `default = "..."` a few lines below. */
const terraformVariable = /^[ \t]*variable[ \t]{1,4}"([A-Za-z_][\w-]{0,80})"[ \t]{0,4}\{[ \t]*$/;
const terraformDefault = /^[ \t]*default[ \t]{0,8}=[ \t]{0,4}"([^"\s]{8,512})"[ \t]*$/;
const allowComment = /vigil:allow(?:[ \t]+([a-z0-9][a-z0-9\-, ]{0,200}))?/i;

export class ScanSession {
  private readonly analyzer: LineAnalyzer;
  private readonly privateKeys = new PrivateKeyBlockFollower();
  private readonly kubernetes = new KubernetesSecretFollower();
  /** Rules armed by an earlier line's keyword (index into the rule table), and parallel, the lines each has left. */
  private readonly armed: number[] = [];
  private readonly armedLinesLeft: number[] = [];
  private readonly pairs = new CredentialPairs();
  private readonly reportedOccurrences = new Set<string>();
  private readonly armingRulesByKeyword: readonly (readonly number[])[];
  private readonly keywordLengths: Int32Array;
  private readonly markersByKeyword: readonly (readonly Marker[])[];
  private readonly gates: readonly KeywordGate[];
  /** The rules worthAnalysing asks the analyzer about (reused: one line at a time). */
  private readonly rulesToAsk: Int32Array;
  private findings: Finding[] = [];
  private lineNumber = 1;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** UTF-16 columns of the current line already handed to earlier windows. */
  private columnBase = 0;
  private windowedLine = false;
  private readonly windowFindingKeys = new Set<string>();
  /** A name whose value comes on a following line: the value's form and how many lines may pass before it. */
  private openTag: { name: string; lines: number; value: RegExp } | undefined;
  /** The cleaned text of the line being analysed, for the secret sink (a verifier may need a part of it besides the secret). */
  private lineText = '';
  private ended = false;
  /** Whether the block scanRegion is reading holds an ESC byte, a backslash, a percent sign (readsAsWritten). */
  private readonly blockHas = [true, true, true];
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
    const tables = keywordTables(compiled);
    this.armingRulesByKeyword = tables.armingRulesByKeyword;
    this.markersByKeyword = tables.markersByKeyword;
    this.gates = tables.gates;
    this.keywordLengths = tables.keywordLengths;
    this.rulesToAsk = new Int32Array(compiled.rules.length);
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
    this.findings.push(...this.pairs.release(this.lineNumber, true));
  }

  /** Findings produced since the last call. */
  takeFindings(): Finding[] {
    if (!this.ended) this.findings.push(...this.pairs.release(this.lineNumber));
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
    this.analyseLine(buffer, 0, end, hits, rangeContainsByte(buffer, 0, end, escapeByte));
  }

  /**
   * A block of complete lines (`to` is just past a newline). The first pass finds every keyword in
   * one sweep (keywordHits.ts); this second pass asks that pass for the lines around the hits and
   * for line numbers (it answers with SIMD searches on its copy of the block, or native ones), and
   * analyses the lines worth it in order, plus every line a multi-line detector is following.
   */
  private scanRegion(buffer: Buffer, from: number, to: number): void {
    const pass = keywordPass(this.compiled.automaton, buffer, from, to);
    this.blockHas[0] = blockContains(buffer, from, to, escapeByte);
    this.blockHas[1] = blockContains(buffer, from, to, backslash);
    this.blockHas[2] = blockContains(buffer, from, to, percentSign);
    const hits = pass.hits;
    const lines = new LineCounter(pass, from, this.lineNumber);
    let position = from;
    const followUntil = (limit: number) => {
      while (position < limit && this.isFollowingLines()) {
        const newlineAt = buffer.indexOf(newline, position);
        this.lineNumber = lines.lineAt(position);
        if (this.followedRulesCannotMatch(buffer, position, newlineAt)) this.endLine();
        else this.processLine(buffer, position, newlineAt, noHits, undefined);
        position = newlineAt + 1;
      }
    };
    const analyse = (lineStart: number, lineEnd: number, first: number, last: number) => {
      this.lineNumber = lines.lineAt(lineStart);
      this.processLine(buffer, lineStart, lineEnd, this.lineHits(hits, first, last, lineStart), undefined);
    };
    let h = 0;
    while (h < hits.length) {
      const keywordEnd = hits[h + 1];
      const lineEnd = pass.lineEnd(keywordEnd);
      let hitEnd = h + 2;
      while (hitEnd < hits.length && hits[hitEnd + 1] <= lineEnd) hitEnd += 2;
      if (this.isFollowingLines()) {
        const lineStart = pass.lineStart(keywordEnd);
        followUntil(lineStart);
        if (lineStart >= position) {
          // A followed line is analysed for its own keywords or for what follows it, not merely because something is followed.
          if (this.worthAnalysing(pass, buffer, lineEnd, hits, h, hitEnd) || !this.followedRulesCannotMatch(buffer, lineStart, lineEnd)) {
            analyse(lineStart, lineEnd, h, hitEnd);
          } else {
            this.lineNumber = lines.lineAt(lineStart);
            this.endLine();
          }
          position = lineEnd + 1;
        }
      } else {
        // Nothing to follow, so `position` (the start of the line after the last one handled) is at
        // or before this line's start; the start is only looked for when the line is analysed.
        if (this.worthAnalysing(pass, buffer, lineEnd, hits, h, hitEnd)) analyse(pass.lineStart(keywordEnd), lineEnd, h, hitEnd);
        position = lineEnd + 1;
      }
      h = hitEnd;
    }
    followUntil(to);
    this.lineNumber = lines.lineAt(to);
  }

  /**
   * Whether a line's keywords justify decoding it. First on the raw bytes, per keyword: rules that
   * need a character the line lacks (a URL credential needs '@'), an assignment after the name the
   * keyword sits in (the generic rule), or a run or literal every match of their pattern holds
   * (patternRequirements.ts), are ruled out. The rules left are then asked of the
   * line's text (LineAnalyzer.mayFind: their own patterns), so a line is analysed only where one of
   * them matches: on a keyword-dense log most lines say `token` or `authorization` and hold nothing.
   * `hits[first, last)` are the line's (keyword, end offset in the block) pairs; the line ends at
   * `end`. The bytes are read where the keyword pass says (its copy of the block).
   */
  private worthAnalysing(pass: KeywordPass, buffer: Buffer, end: number, hits: readonly number[], first: number, last: number): boolean {
    const { bytes, shift } = pass;
    const rules = this.rulesToAsk;
    let asked = 0;
    let start = -1;
    let plain = false;
    for (let h = first; h < last; h += 2) {
      const gate = this.gates[hits[h]];
      if (gate.always) return true;
      const keywordEnd = hits[h + 1];
      for (let r = 0; r < gate.rules.length; r++) {
        const rule = gate.rules[r];
        let known = false;
        for (let k = 0; k < asked && !known; k++) known = rules[k] === rule.index;
        if (known) continue;
        if (rule.spelling !== null && !bytesSpell(bytes, keywordEnd - rule.spelling.length + shift, rule.spelling)) continue;
        if (rule.assignment) {
          if (mayBeAssignmentAfter(bytes, keywordEnd - this.keywordLengths[hits[h]] + shift, end + shift)) rules[asked++] = rule.index;
          continue;
        }
        if (!rule.unconditional) {
          // Looked for after the keyword, within the reach of a credential.
          const to = Math.min(end, keywordEnd + requiredCharacterReach) + shift;
          if (rule.urlUserinfo && !hasUrlUserinfo(bytes, keywordEnd + shift, to)) continue;
          let all = true;
          for (let c = 0; c < rule.requiredBytes.length && all; c++) all = pass.containsByte(keywordEnd, to - shift, rule.requiredBytes[c]);
          if (!all) continue;
        }
        if (rule.run !== null || rule.literal !== null) {
          // What any match of the rule's pattern holds (patternRequirements.ts), looked for on the whole line. A line
          // with colour codes, JSON escapes or percent-encoding reads otherwise once cleaned or decoded: the analyzer decides.
          if (start < 0) {
            start = pass.lineStart(hits[first + 1]);
            plain = end - start <= probedLineBytes && this.readsAsWritten(pass, start, end);
          }
          if (plain && rule.run !== null && !hasRun(bytes, start + shift, end + shift, rule.run.bytes, rule.run.length)) continue;
          if (plain && rule.literal !== null && !hasLiteral(bytes, start + shift, end + shift, rule.literal)) continue;
        }
        rules[asked++] = rule.index;
      }
    }
    // A name whose value comes on a following line (`password:`, `<apiToken>`, Terraform's
    // `variable "client_secret" {`): followOpenTag must read the line, whatever the line matches itself.
    // (Looked for back from the line's end, never before its first keyword.)
    if (endsWithNameOnly(bytes, hits[first + 1] - this.keywordLengths[hits[first]] + shift, end + shift)) return true;
    if (asked === 0) return false;
    if (start < 0) start = pass.lineStart(hits[first + 1]);
    if (end - start > probedLineBytes) return true;
    const clean = cleanLogLine(buffer, start, end, undefined);
    // Colour codes removed: the keyword offsets move, and the analysis finds them again.
    if (clean.strippedEscapes) return true;
    const textHits = this.shiftHits(this.lineHits(hits, first, last, start), clean);
    return this.analyzer.mayFind(clean.text, textHits, rules, asked);
  }

  /** The hits `hits[first, last)` of the line starting at `lineStart`, as (keyword, end offset in the line) pairs. */
  private lineHits(hits: readonly number[], first: number, last: number, lineStart: number): Int32Array {
    const lineHits = new Int32Array(last - first);
    for (let k = first; k < last; k += 2) {
      lineHits[k - first] = hits[k];
      lineHits[k - first + 1] = hits[k + 1] - lineStart;
    }
    return lineHits;
  }

  /**
   * Whether the line's raw bytes are what the analyzer reads: no colour code (removed before
   * analysis, so a run split by one is whole there), no JSON escape or percent-encoding (decoded and
   * read again). Only then does a rule's pattern requirement (patternRequirements.ts) hold on the bytes.
   * A block without any of those bytes needs no look at its lines (one native search per block).
   */
  private readsAsWritten(pass: KeywordPass, start: number, end: number): boolean {
    const has = this.blockHas;
    return !(
      (has[0] && pass.containsByte(start, end, escapeByte)) ||
      (has[1] && pass.containsByte(start, end, backslash)) ||
      (has[2] && pass.containsByte(start, end, percentSign))
    );
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
    return this.armed.length > 0 || this.privateKeys.isCollecting || this.kubernetes.isFollowing || this.openTag !== undefined;
  }

  /**
   * A line without keywords that is only followed because rules are armed (the lines after a
   * `curl`): when none of the armed patterns matches the raw line, decoding and analysing it would
   * find nothing. A keyword-dense log arms a third of its lines this way. The raw line holds the
   * cleaned text plus a timestamp (ending in a blank) and maybe colour codes or a byte-order mark;
   * lines with either of those last two are analysed as before.
   */
  private followedRulesCannotMatch(buffer: Buffer, start: number, end: number): boolean {
    if (!this.isFollowingLines() || this.privateKeys.isCollecting || this.kubernetes.isFollowing || this.openTag !== undefined)
      return false;
    // (Called from scanRegion only: blockHas describes the block the line is in.)
    if (end - start > 64 * 1024 || buffer[start] === 0xef || (this.blockHas[0] && rangeContainsByte(buffer, start, end, escapeByte)))
      return false;
    const raw = buffer.toString('latin1', start, end);
    for (const rule of this.armed) if (this.compiled.rules[rule].probe.test(raw)) return false;
    return true;
  }

  /** A complete line: analyse it, then advance line state. */
  /** `hasEscapes` is known from the first pass, or undefined to look for ESC bytes here. */
  private processLine(buffer: Buffer, start: number, end: number, hits: Int32Array, hasEscapes: boolean | undefined): void {
    this.analyseLine(buffer, start, end, hits, hasEscapes);
    this.endLine();
  }

  /** Advances line state past a complete line. */
  private endLine(): void {
    this.lineNumber++;
    this.columnBase = 0;
    this.windowedLine = false;
    // Clearing an empty Set still allocates a new table in V8: once per line, it showed in profiles.
    if (this.windowFindingKeys.size > 0) this.windowFindingKeys.clear();
    // Counted down in place; a Map's entry iterator cost more than the rest of this method.
    for (let a = this.armed.length - 1; a >= 0; a--) {
      if (this.armedLinesLeft[a] <= 1) {
        this.armed.splice(a, 1);
        this.armedLinesLeft.splice(a, 1);
      } else {
        this.armedLinesLeft[a]--;
      }
    }
  }

  private analyseLine(buffer: Buffer, start: number, end: number, rawHits: Int32Array, hasEscapes: boolean | undefined): void {
    let hasPemBegin = false;
    let hasKubernetesWord = false;
    let hasPairId = false;
    for (let h = 0; h < rawHits.length; h += 2) {
      for (const marker of this.markersByKeyword[rawHits[h]]) {
        if (marker === 'pem-begin') hasPemBegin = true;
        else if (marker === 'kubernetes') hasKubernetesWord = true;
        else if (marker === 'pair-id') hasPairId = true;
      }
    }
    const clean = cleanLogLine(buffer, start, end, hasEscapes);
    this.lineText = clean.text;
    const hasAllowComment = clean.text.includes('vigil:allow');
    const hits = clean.strippedEscapes ? this.hitsOfText(clean.text) : this.shiftHits(rawHits, clean);

    const columnAt = (textIndex: number) => this.columnBase + utf16Length(buffer, start, start + rawOffsetOf(clean, textIndex)) + 1;
    const origin: TextOrigin = { toRawOffset: (index) => rawOffsetOf(clean, index), encoding: undefined, depth: 0 };
    this.analyzer.startLine();
    const candidates = this.analyzer.analyze(clean.text, origin, hits, this.armed.length === 0 ? noRules : this.armed.slice());

    this.armRulesFrom(hits);
    this.followOpenTag(clean, candidates);
    // Ids (client id, account name, user name) on this line may be the other half of a secret here or a few lines away.
    // Only where a pair-id keyword was hit (read right after it), or where a secret was found (the whole line: `-u user -p …`).
    if (candidates.length > 0) this.pairs.noteIds(this.lineNumber, clean.text, columnAt);
    else if (hasPairId) {
      // The id's column is counted from the text's start (exact unless colour codes were removed before it).
      const columnOfText = columnAt(0);
      for (let h = 0; h < hits.length; h += 2) {
        if (this.markersByKeyword[hits[h]].includes('pair-id')) {
          this.pairs.noteIdAfter(this.lineNumber, clean.text, this.compiled.automaton.keywords[hits[h]], hits[h + 1], columnOfText);
        }
      }
    }

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
      // A private key block found on this line marks only its first character; its end is not known here.
      const endColumn =
        candidate.previewLabel === undefined ? this.columnBase + utf16Length(buffer, start, start + candidate.rawEnd) + 1 : undefined;
      this.report(candidate, this.lineNumber, column, endColumn);
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
        const lines = (this.compiled.rules[rule].definition.armsFollowingLines ?? 0) + 1;
        const at = this.armed.indexOf(rule);
        if (at >= 0) this.armedLinesLeft[at] = lines;
        else {
          this.armed.push(rule);
          this.armedLinesLeft.push(lines);
        }
      }
    }
  }

  /**
   * `<apiToken>` or `password:` alone on a line, the value alone on the next (or a Terraform
   * `variable "db_password" {` and its `default = "..."`): read the pair as `apiToken=value`
   * so the assignment rules (generic and vendor ones) see the name next to its value.
   */
  private followOpenTag(clean: CleanLine, candidates: Candidate[]): void {
    const open = this.openTag;
    this.openTag = undefined;
    if (open !== undefined) {
      const value = open.value.exec(clean.text);
      if (value) {
        const valueStart = value.index + value[0].indexOf(value[1]);
        const synthetic = `${open.name}=${value[1]}`;
        const offset = open.name.length + 1;
        const origin: TextOrigin = {
          toRawOffset: (index) => rawOffsetOf(clean, valueStart + Math.max(0, index - offset)),
          encoding: undefined,
          depth: 1,
        };
        candidates.push(...this.analyzer.analyze(synthetic, origin, null, []));
      } else if (open.lines > 1 && !/^\s*\}/.test(clean.text)) {
        this.openTag = { ...open, lines: open.lines - 1 };
      }
    }
    // Cheap looks first: a name alone ends its line with `>` or `:` (`|`, `>-` for YAML block values), a Terraform variable with `{`.
    const text = clean.text;
    let last = text.length - 1;
    while (last >= 0 && (text.charCodeAt(last) === 0x20 || text.charCodeAt(last) === 0x09 || text.charCodeAt(last) === 0x0d)) last--;
    const next = valueOnNextLine(last >= 0 ? text.charCodeAt(last) : 0);
    if (next === 'name') {
      const tag = nameOnly.exec(text);
      if (tag) this.openTag = { name: tag[1] ?? tag[2], lines: 1, value: bareValue };
    } else if (next === 'terraform-variable') {
      const variable = terraformVariable.exec(text);
      if (variable) this.openTag = { name: variable[1], lines: 4, value: terraformDefault };
    }
  }

  private allowedRules(text: string): Set<string> | 'all' | undefined {
    const match = allowComment.exec(text);
    if (!match) return undefined;
    const ids = (match[1] ?? '')
      .split(/[\s,]+/)
      .filter(
        (id) => this.compiled.rules.some((rule) => rule.definition.id === id) || id === privateKeyRule.id || id === kubernetesSecretRule.id,
      );
    return ids.length > 0 ? new Set(ids) : 'all';
  }

  private addKubernetesFinding(value: { line: number; column: number; value: string }): void {
    this.report(
      this.specificCandidateIn(value.value) ?? {
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

  /**
   * A Secret's value that a specific rule recognises (a storage key under `data:`, base64-encoded,
   * is reported as a storage key, not only as a manifest value): the value as written, then decoded.
   */
  private specificCandidateIn(value: string): Candidate | undefined {
    const decoded =
      value.length % 4 === 0 && /^[A-Za-z0-9+/]{8,}={0,2}$/.test(value) ? Buffer.from(value, 'base64').toString('latin1') : undefined;
    const forms: [string, 'base64' | undefined][] = [[value, undefined]];
    // biome-ignore lint/suspicious/noControlCharactersInRegex: printable text only.
    if (decoded !== undefined && !/[\x00-\x08\x0e-\x1f\x7f-\xff]/.test(decoded)) forms.push([decoded, 'base64']);
    for (const [text, encoding] of forms) {
      const found = this.analyzer.analyze(text, { toRawOffset: () => 0, encoding, depth: 1 }, null, []);
      const best = found
        .filter((candidate) => !candidate.generic)
        .sort((a, b) => Number(b.verified) - Number(a.verified) || a.priority - b.priority)[0];
      if (best) return best;
    }
    return undefined;
  }

  private report(candidate: Candidate, line: number, column: number, endColumn?: number): void {
    const fingerprint = fingerprintSecret(candidate.secret, this.options.fingerprintKey);
    // One finding per secret occurrence: a Secret manifest's value that a specific rule of the line already reported is not reported again.
    const occurrence = `${line}:${fingerprint}`;
    if (this.reportedOccurrences.has(occurrence)) return;
    if (!candidate.generic) {
      if (this.reportedOccurrences.size >= 4096) this.reportedOccurrences.clear();
      this.reportedOccurrences.add(occurrence);
    }
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
      evidence: candidate.verified ? 'checksum' : candidate.generic ? 'generic' : 'format',
      remediation: candidate.rule.remediation,
    };
    if (candidate.encoding) finding.encoding = candidate.encoding;
    if (endColumn !== undefined) finding.endColumn = endColumn;
    const sink = this.options.secretSink;
    if (sink?.ruleIds.has(finding.ruleId)) sink.keep(finding, candidate.secret, this.lineText);
    this.pairs.add(finding, candidate.secret);
  }
}

/**
 * Line numbers for positions in a block, counted as the second pass moves forward (positions must
 * not decrease) by the keyword pass's newline counter.
 */
class LineCounter {
  constructor(
    private readonly pass: KeywordPass,
    private countedTo: number,
    private line: number,
  ) {}

  /** The line number of the line starting at (or containing) `position`. */
  lineAt(position: number): number {
    if (position > this.countedTo) {
      this.line += this.pass.countNewlines(this.countedTo, position);
      this.countedTo = position;
    }
    return this.line;
  }
}

/**
 * Per-keyword tables a session reads for every hit. They depend on the rule set alone, so they are
 * made once per rule set (that is, per scanner) and shared by all its scans: a repository scan
 * runs one session per file.
 */
interface KeywordTables {
  armingRulesByKeyword: readonly (readonly number[])[];
  markersByKeyword: readonly (readonly Marker[])[];
  gates: readonly KeywordGate[];
  keywordLengths: Int32Array;
}

const tablesByRuleSet = new WeakMap<CompiledRuleSet, KeywordTables>();

function keywordTables(compiled: CompiledRuleSet): KeywordTables {
  let tables = tablesByRuleSet.get(compiled);
  if (tables === undefined) {
    const requirements = compiled.rules.map(({ definition }) => patternRequirements(definition.pattern));
    tables = {
      armingRulesByKeyword: compiled.actions.map((action) =>
        action.rules.filter((rule) => (compiled.rules[rule].definition.armsFollowingLines ?? 0) > 0),
      ),
      markersByKeyword: compiled.actions.map((action) => action.markers),
      gates: compiled.actions.map((action, keyword) => keywordGate(compiled, action, compiled.automaton.keywords[keyword], requirements)),
      keywordLengths: Int32Array.from(compiled.automaton.keywords, (keyword) => keyword.length),
    };
    tablesByRuleSet.set(compiled, tables);
  }
  return tables;
}

/**
 * What worthAnalysing checks for one keyword, read once from the rule table: rule definitions come
 * in many shapes, and reading their optional fields for every hit is slow.
 */
interface KeywordGate {
  /** The keyword alone makes its line worth analysing. */
  always: boolean;
  /** Otherwise, the rules it arms: the line is worth analysing when one of them may match. */
  rules: RuleGate[];
}

interface RuleGate {
  /** The rule's index in the rule table. */
  index: number;
  /** The exact spelling the rule requires (`keywordCase: 'exact'`), or null. */
  spelling: string | null;
  /** No required characters and no precondition: the keyword (in the right spelling) is enough. */
  unconditional: boolean;
  /**
   * The rule is anchored at the name around its keyword (the generic assignment rule): it only
   * looks further where an assignment operator follows that name, so a line whose keyword is
   * prose (`Retrieving token for scope`) is not decoded for it. Checked on the raw bytes.
   */
  assignment: boolean;
  urlUserinfo: boolean;
  requiredBytes: number[];
  /** What any match must hold (patternRequirements.ts). */
  run: PatternRequirements['run'];
  literal: PatternRequirements['literal'];
}

function keywordGate(
  compiled: CompiledRuleSet,
  action: KeywordAction,
  keyword: string,
  requirements: readonly PatternRequirements[],
): KeywordGate {
  return {
    // A detector's marker, a base64 projection, or a rule that follows the next lines (`curl`): what it
    // wakes is not only this line's match, which is all the analyzer can be asked about.
    always:
      action.base64 ||
      action.markers.length > 0 ||
      action.rules.some((index) => (compiled.rules[index].definition.armsFollowingLines ?? 0) > 0),
    rules: action.rules.map((index, position): RuleGate => {
      const { requiredCharacters, precondition, anchor } = compiled.rules[index].definition;
      return {
        index,
        spelling: action.exactSpellings[position],
        unconditional: !requiredCharacters && !precondition,
        assignment: anchor === 'name-around-keyword' && !requiredCharacters && !precondition,
        urlUserinfo: precondition === 'url-userinfo',
        requiredBytes: Array.from({ length: requiredCharacters?.length ?? 0 }, (_, c) => requiredCharacters?.charCodeAt(c) ?? 0),
        run: requirements[index].run,
        // A literal the keyword itself spells in any case (`authorization`) is on the line already.
        literal: literalWithin(requirements[index].literal, keyword) ? null : requirements[index].literal,
      };
    }),
  };
}

/**
 * The raw-byte twin of the analyzer's `looksLikeAssignmentAfter`, read from the keyword's start:
 * name characters, then within a few quotes, blanks and lower-case letters an operator
 * (`= : , ? .`). It also accepts what the cleaned text may differ in or other detectors need: an
 * ESC byte (a colour code between name and operator) and `>` (an `<apiToken>` tag whose value is
 * on the next line). It must accept every line the analyzer could accept; it may accept more.
 */
function mayBeAssignmentAfter(buffer: Uint8Array, from: number, to: number): boolean {
  let i = Math.max(0, from);
  const limit = Math.min(to, i + 100);
  while (i < limit && assignmentByteKind[buffer[i]] === assignmentName) i++;
  for (let steps = 0; i < limit && steps < 12; i++, steps++) {
    const kind = assignmentByteKind[buffer[i]];
    if (kind === assignmentOperator || buffer[i] === 0x2e) return true;
    if (kind !== assignmentFiller && kind !== assignmentName) return false;
    // Upper-case letters and digits are name characters but not fillers: after the name, only lower case.
    if (kind === assignmentName && !(buffer[i] >= 0x61 && buffer[i] <= 0x7a)) return false;
  }
  return false;
}

// 0: any other byte.
const assignmentName = 1;
const assignmentOperator = 2;
const assignmentFiller = 3;
const assignmentByteKind = (() => {
  const kinds = new Uint8Array(256);
  for (let b = 0x30; b <= 0x39; b++) kinds[b] = assignmentName;
  for (let b = 0x41; b <= 0x5a; b++) kinds[b] = assignmentName;
  for (let b = 0x61; b <= 0x7a; b++) kinds[b] = assignmentName;
  kinds[0x5f] = assignmentName;
  kinds[0x2e] = assignmentName;
  kinds[0x2d] = assignmentName;
  // After the name: = : , ? (and '.', a name character tested on its own above), then ESC and '>'.
  for (const operator of [0x3d, 0x3a, 0x2c, 0x3f, 0x1b, 0x3e]) kinds[operator] = assignmentOperator;
  for (const filler of [0x22, 0x27, 0x60, 0x5c, 0x20, 0x09]) kinds[filler] = assignmentFiller;
  return kinds;
})();

/** Whether `keyword`, whatever its case, always holds `literal` (one table of accepted bytes per position). */
function literalWithin(literal: readonly Uint8Array[] | null, keyword: string): boolean {
  if (literal === null) return false;
  const accepts = (table: Uint8Array, code: number) =>
    table[code] === 1 && table[String.fromCharCode(code).toUpperCase().charCodeAt(0)] === 1;
  for (let at = 0; at + literal.length <= keyword.length; at++) {
    let k = 0;
    while (k < literal.length && accepts(literal[k], keyword.charCodeAt(at + k))) k++;
    if (k === literal.length) return true;
  }
  return false;
}

/** The bytes at `at` are exactly `spelling` (ASCII). */
function bytesSpell(buffer: Uint8Array, at: number, spelling: string): boolean {
  if (at < 0) return false;
  for (let i = 0; i < spelling.length; i++) if (buffer[at + i] !== spelling.charCodeAt(i)) return false;
  return true;
}

/**
 * `user:password@` right after a URL's `://` (the keyword is the scheme, or `https://` itself):
 * a ':' and then an '@' before any '/', blank or quote.
 */
function hasUrlUserinfo(buffer: Uint8Array, from: number, to: number): boolean {
  let start = from;
  for (let i = from; i < Math.min(to - 2, from + 24); i++) {
    if (buffer[i] === 0x3a && buffer[i + 1] === 0x2f && buffer[i + 2] === 0x2f) {
      start = i + 3;
      break;
    }
  }
  let colon = false;
  for (let i = start; i < to; i++) {
    const kind = userinfoByteKind[buffer[i]];
    if (kind === userinfoOther) continue;
    if (kind === userinfoColon) colon = true;
    else if (kind === userinfoAt) return colon;
    else return false;
  }
  return false;
}

const userinfoOther = 0;
const userinfoColon = 1;
const userinfoAt = 2;
const userinfoEnd = 3;
/** What each byte means to hasUrlUserinfo (one table read instead of a chain of comparisons). */
const userinfoByteKind = (() => {
  const kinds = new Uint8Array(256);
  kinds[0x3a] = userinfoColon;
  kinds[0x40] = userinfoAt;
  for (const end of [0x2f, 0x20, 0x09, 0x22, 0x27, 0x3f, 0x23]) kinds[end] = userinfoEnd;
  return kinds;
})();

/** Whether buffer[from, to) holds `byte`: one native search (it may read on to the buffer's end). */
function blockContains(buffer: Buffer, from: number, to: number, byte: number): boolean {
  const at = buffer.indexOf(byte, from);
  return at >= 0 && at < to;
}

/**
 * Whether the line ends the way a name whose value comes on the next line does (`password:`,
 * `<apiToken>`, `password: |`, Terraform's `variable "x" {`): followOpenTag must read it, whatever
 * the line matches itself.
 */
function endsWithNameOnly(buffer: Uint8Array, start: number, end: number): boolean {
  let last = end - 1;
  while (last >= start && (buffer[last] === 0x20 || buffer[last] === 0x09 || buffer[last] === 0x0d)) last--;
  return last >= start && valueOnNextLine(buffer[last]) !== undefined;
}

/**
 * What a line's last non-blank character says of a value on the following lines (followOpenTag):
 * a name alone ends with `>` (`<apiToken>`), `:` or a YAML block indicator (`|`, `>-`, `|+`); a Terraform
 * variable's block opens with `{`.
 */
function valueOnNextLine(ending: number): 'name' | 'terraform-variable' | undefined {
  // > : | - +
  if (ending === 0x3e || ending === 0x3a || ending === 0x7c || ending === 0x2d || ending === 0x2b) return 'name';
  return ending === 0x7b ? 'terraform-variable' : undefined;
}

function rangeContainsByte(buffer: Uint8Array, start: number, end: number, byte: number): boolean {
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
