import { isGuid, isHexDigest, isPrecededByDigestLabel } from './allowlists/digests';
import { isEncodedProse, isVersionString, isWordOrIdentifier } from './allowlists/nonSecretValues';
import { isPlaceholder } from './allowlists/placeholders';
import { isCodeReference, isVariableReference } from './allowlists/variableReferences';
import type { CompiledRuleSet } from './compiledRules';
import { decodeBase64Run, findBase64Runs } from './decoders/base64Decoding';
import type { DecodedText } from './decoders/decodedText';
import { hasJsonEscapes, unescapeJsonString } from './decoders/jsonUnescaping';
import { decodePercentEscapes, hasPercentEscapes } from './decoders/urlDecoding';
import { privateKeyBlocksInText } from './detectors/privateKeyBlocks';
import { characterClassCount, shannonEntropy } from './entropy';
import { privateKeyRule } from './rules/structuralRules';
import type { Confidence, RuleDefinition, RuleMetadata } from './types';
import { validateMatch } from './validators';
import { specificRuleForValue } from './validators/checksumUpgrades';

/**
 * Runs the rules a line's keywords selected, then looks again at what the line decodes to
 * (base64 runs, percent-encoding, JSON escapes, a Basic credential), up to three levels deep.
 * Everything it returns is a candidate positioned in raw-line byte offsets; the caller removes
 * overlaps and turns candidates into findings.
 */
export interface TextOrigin {
  /** Byte offset in the raw line of character `index` of the analysed text. */
  toRawOffset(index: number): number;
  encoding: 'base64' | 'url' | 'json' | undefined;
  depth: number;
  context?: 'basic-auth';
}

export interface Candidate {
  /** Lower is more specific: the rule's place in the table; structural detectors come after all specific rules. */
  priority: number;
  rule: RuleMetadata;
  generic: boolean;
  secret: string;
  rawStart: number;
  rawEnd: number;
  verified: boolean;
  confidence: Confidence;
  encoding: 'base64' | 'url' | 'json' | undefined;
  previewPrefix: number;
  /** A preview label that replaces the secret's prefix (private keys show their BEGIN line). */
  previewLabel?: string;
}

export interface AnalyzerOptions {
  /** Path of the input, for rules limited to some files. */
  path: string;
  /** Keep checksum failures as low-confidence findings instead of dropping them. */
  includeUnverified: boolean;
  /** Secrets matching one of these are never reported (custom allowlist). */
  allowedValues: readonly RegExp[];
}

export const structuralPriority = 100_000;
/** Marker for "the whole text is one window" (no allocation on the common path). */
const wholeText: [number, string][] = [[0, '']];
const maximumDepth = 3;
const longTextThreshold = 16 * 1024;
const windowBefore = 1024;
const windowAfter = 4096;
const decodedBudgetPerLine = 4 * 1024 * 1024;
/** Where `mayFind` judges matches: only whether a candidate would result matters, not where. */
const textOnlyOrigin: TextOrigin = { toRawOffset: (index) => index, encoding: undefined, depth: 0 };

/**
 * Sorts rule indexes in place, in increasing order. A line triggers a handful of rules: insertion
 * sort, without the fixed cost of Array.prototype.sort and its comparator calls.
 */
function sortIndexes(indexes: number[]): number[] {
  for (let i = 1; i < indexes.length; i++) {
    const value = indexes[i];
    let j = i - 1;
    while (j >= 0 && indexes[j] > value) {
      indexes[j + 1] = indexes[j];
      j--;
    }
    indexes[j + 1] = value;
  }
  return indexes;
}

/** Offsets of a secret that ends the match (CompiledRule.secretEndsMatch). */
function spanAtEnd(match: RegExpExecArray, secret: string): [number, number] {
  const end = match.index + match[0].length;
  return [end - secret.length, end];
}

/** Characters a variable or key name is made of (`[A-Za-z0-9_.-]`). */
function isNameCharacter(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x5f ||
    code === 0x2e ||
    code === 0x2d
  );
}

/**
 * Cheap test before running an anchored assignment pattern: after the name that contains the
 * keyword (and an optional closing quote and blanks) comes an assignment operator or a comma.
 */
function looksLikeAssignmentAfter(text: string, from: number): boolean {
  let i = from;
  const limit = Math.min(text.length, from + 100);
  while (i < limit && isNameCharacter(text.charCodeAt(i))) i++;
  for (let steps = 0; i < limit && steps < 12; i++, steps++) {
    const code = text.charCodeAt(i);
    // = : , ? . >  (the operators of the assignment fragment; `>` ends an XML start tag)
    if (code === 0x3d || code === 0x3a || code === 0x2c || code === 0x3f || code === 0x2e || code === 0x3e) return true;
    // quotes, backslash, blanks and a type word (`var token string = ...`) may come first
    if (
      !(
        code === 0x22 ||
        code === 0x27 ||
        code === 0x60 ||
        code === 0x5c ||
        code === 0x20 ||
        code === 0x09 ||
        (code >= 0x61 && code <= 0x7a)
      )
    )
      return false;
  }
  return false;
}

const tokenPrefixKeywordsByRuleSet = new WeakMap<CompiledRuleSet, Set<number>>();

/** The token-prefix keywords of a rule set, found once per rule set (a scanner), not per scan. */
function tokenPrefixKeywordsOf(compiled: CompiledRuleSet): Set<number> {
  let keywords = tokenPrefixKeywordsByRuleSet.get(compiled);
  if (keywords === undefined) {
    const found = new Set<number>();
    compiled.actions.forEach((action, keyword) => {
      const text = compiled.automaton.keywords[keyword];
      const isPrefix = action.rules.some((index) => {
        const rule = compiled.rules[index].definition;
        return !rule.generic && text.length >= 4 && ((rule.previewPrefix ?? 0) >= 4 || /[_\-.]$/.test(text));
      });
      if (isPrefix) found.add(keyword);
    });
    tokenPrefixKeywordsByRuleSet.set(compiled, found);
    keywords = found;
  }
  return keywords;
}

export class LineAnalyzer {
  private readonly rulesForPath: boolean[];
  /** Keywords that are token prefixes of specific rules (`ghp_`, `xoxb-`, `AKIA`): generic rules leave such values to them. */
  private readonly tokenPrefixKeywords: Set<number>;
  private decodedBudget = decodedBudgetPerLine;
  /** Per-analysis marks of which rules are triggered (reused to avoid a Set per line). */
  private readonly ruleMarks: Uint32Array;
  private markGeneration = 0;

  constructor(
    private readonly compiled: CompiledRuleSet,
    private readonly options: AnalyzerOptions,
  ) {
    this.rulesForPath = compiled.rules.map(({ definition }) => !definition.pathPattern || definition.pathPattern.test(options.path));
    this.ruleMarks = new Uint32Array(compiled.rules.length);
    this.tokenPrefixKeywords = tokenPrefixKeywordsOf(compiled);
  }

  /** Call at the start of each input line: decoding budget is per line. */
  startLine(): void {
    this.decodedBudget = decodedBudgetPerLine;
  }

  /**
   * `hits` are pairs of (keyword index, end offset in `text`) from the prefilter, or null to find
   * them here. `armed` lists rules to run whatever the keywords (curl continuations, decoded contexts).
   */
  analyze(text: string, origin: TextOrigin, hits: Int32Array | null, armed: readonly number[]): Candidate[] {
    const keywordHits = hits ?? this.findHits(text);
    const candidates: Candidate[] = [];
    const generation = ++this.markGeneration;
    const marks = this.ruleMarks;
    const triggered: number[] = [];
    for (const rule of armed) {
      if (marks[rule] !== generation) {
        marks[rule] = generation;
        triggered.push(rule);
      }
    }
    let base64HitEnds: number[] | undefined;
    let percentMarker = false;
    const actions = this.compiled.actions;
    for (let h = 0; h < keywordHits.length; h += 2) {
      const action = actions[keywordHits[h]];
      const rules = action.rules;
      for (let r = 0; r < rules.length; r++) {
        const spelling = action.exactSpellings[r];
        if (spelling !== null && text.slice(keywordHits[h + 1] - spelling.length, keywordHits[h + 1]) !== spelling) continue;
        if (marks[rules[r]] !== generation) {
          marks[rules[r]] = generation;
          triggered.push(rules[r]);
        }
      }
      if (action.base64) (base64HitEnds ??= []).push(keywordHits[h + 1]);
      if (action.markers.length > 0 && action.markers.includes('percent-escape')) percentMarker = true;
    }
    if (origin.context === 'basic-auth') {
      for (const rule of this.compiled.basicAuthRules) {
        if (marks[rule] !== generation) {
          marks[rule] = generation;
          triggered.push(rule);
        }
      }
    }

    const variants: { decoded: DecodedText; context?: 'basic-auth' }[] = [];
    const ordered = sortIndexes(triggered);
    for (const ruleIndex of ordered) {
      if (!this.rulesForPath[ruleIndex]) continue;
      this.evaluateRule(ruleIndex, text, origin, keywordHits, candidates, variants);
    }

    if (origin.depth >= maximumDepth || this.decodedBudget <= 0) return candidates;

    if (base64HitEnds) {
      const ends = base64HitEnds;
      for (const run of findBase64Runs(text)) {
        if (!ends.some((end) => end > run.start && end <= run.end)) continue;
        const decoded = decodeBase64Run(text, run);
        if (decoded) variants.push({ decoded });
      }
    }
    if ((percentMarker || keywordHits.length > 0) && text.includes('%') && hasPercentEscapes(text)) {
      const decoded = decodePercentEscapes(text);
      if (decoded) variants.push({ decoded });
    }
    if (keywordHits.length > 0 && text.includes('\\') && hasJsonEscapes(text)) {
      const decoded = unescapeJsonString(text);
      if (decoded) variants.push({ decoded });
    }

    for (const { decoded, context } of variants) {
      this.decodedBudget -= decoded.text.length;
      if (this.decodedBudget < 0) break;
      const variantOrigin: TextOrigin = {
        toRawOffset: (index) => origin.toRawOffset(decoded.sourceIndex(index)),
        encoding: origin.encoding ?? decoded.encoding,
        depth: origin.depth + 1,
        context,
      };
      candidates.push(...this.analyze(decoded.text, variantOrigin, null, []));
      if (decoded.text.includes('\n')) this.findPrivateKeysIn(decoded.text, variantOrigin, candidates);
    }
    return candidates;
  }

  /**
   * Whether analysing `text` for these rules could find anything: a rule's own pattern (its probe)
   * matches the text, for anchored rules a match that `judge` keeps, or the text holds escapes that
   * `analyze` would decode and look into again. Exact for the text itself, so asking it first never
   * loses a finding; the keyword gate asks it before a line is decoded for analysis (scanSession.ts).
   */
  mayFind(text: string, hits: Int32Array, rules: ArrayLike<number>, count = rules.length): boolean {
    if (this.hasDecodableEscapes(text, hits.length > 0)) return true;
    for (let r = 0; r < count; r++) {
      const ruleIndex = rules[r];
      if (!this.rulesForPath[ruleIndex] || !this.preconditionsHold(this.compiled.rules[ruleIndex].definition, text)) continue;
      if (this.compiled.rules[ruleIndex].definition.anchor === 'name-around-keyword') {
        const found: Candidate[] = [];
        this.evaluateAnchoredRule(ruleIndex, text, textOnlyOrigin, hits, found);
        if (found.length > 0) return true;
      } else if (this.compiled.rules[ruleIndex].probe.test(text)) {
        return true;
      }
    }
    return false;
  }

  /** Percent-encoding or JSON escapes that `analyze` decodes (a keyword was hit, or a percent-escape marker). */
  private hasDecodableEscapes(text: string, decodeWanted: boolean): boolean {
    return decodeWanted && ((text.includes('%') && hasPercentEscapes(text)) || (text.includes('\\') && hasJsonEscapes(text)));
  }

  /** The checks `evaluateRule` makes before running a rule's pattern. */
  private preconditionsHold(rule: RuleDefinition, text: string): boolean {
    if (rule.requiredCharacters) {
      for (let c = 0; c < rule.requiredCharacters.length; c++) if (!text.includes(rule.requiredCharacters[c])) return false;
    }
    // The line was analysed for another keyword: a URL credential still needs its '@' (most URLs have none).
    if (rule.precondition === 'url-userinfo' && !text.includes('@')) return false;
    return !rule.lineRequires || rule.lineRequires.test(text);
  }

  private findHits(text: string): Int32Array {
    const pairs: number[] = [];
    this.compiled.automaton.findAll(text, (keyword, end) => {
      if (pairs.length < 20_000) pairs.push(keyword, end);
    });
    return Int32Array.from(pairs);
  }

  private evaluateRule(
    ruleIndex: number,
    text: string,
    origin: TextOrigin,
    hits: Int32Array,
    candidates: Candidate[],
    variants: { decoded: DecodedText; context?: 'basic-auth' }[],
  ): void {
    const { definition: rule, matcher, secretEndsMatch } = this.compiled.rules[ruleIndex];
    if (!this.preconditionsHold(rule, text)) return;
    if (rule.anchor === 'name-around-keyword') {
      this.evaluateAnchoredRule(ruleIndex, text, origin, hits, candidates);
      return;
    }
    const windows = text.length <= longTextThreshold ? wholeText : this.windowsFor(ruleIndex, text, hits);
    for (let w = 0; w < windows.length; w++) {
      const windowStart = windows === wholeText ? 0 : windows[w][0];
      const windowText = windows === wholeText ? text : windows[w][1];
      matcher.lastIndex = 0;
      for (let match = matcher.exec(windowText); match !== null; match = matcher.exec(windowText)) {
        if (match[0].length === 0) {
          matcher.lastIndex++;
          continue;
        }
        const groups = match.groups ?? {};
        const rawSecret = groups.secret ?? match[0];
        const span = secretEndsMatch ? spanAtEnd(match, rawSecret) : (match.indices?.groups?.secret ?? match.indices?.[0]);
        if (!span) continue;
        const start = windowStart + span[0];
        const end = windowStart + span[1];
        const candidate = this.judge(ruleIndex, rawSecret, groups, text, start, end, origin);
        if (!candidate) {
          // A rejected match may hide one inside its value (`"config.ini": "TOKEN=..."`): resume at the value.
          if (span[0] > match.index) matcher.lastIndex = span[0];
          continue;
        }
        candidates.push(candidate);
        if (rule.validator === 'basic-auth-payload') {
          const payloadStart = start;
          variants.push({
            decoded: { text: Buffer.from(rawSecret, 'base64').toString('latin1'), encoding: 'base64', sourceIndex: () => payloadStart },
            context: 'basic-auth',
          });
        }
      }
    }
  }

  /**
   * For `name-around-keyword` rules: the name containing each keyword occurrence is found by
   * walking over name characters, and the (sticky) pattern runs once at its start. The work is
   * proportional to the number of keyword occurrences, not to the line length.
   */
  private evaluateAnchoredRule(ruleIndex: number, text: string, origin: TextOrigin, hits: Int32Array, candidates: Candidate[]): void {
    const { matcher, secretEndsMatch } = this.compiled.rules[ruleIndex];
    const keywords = this.compiled.automaton.keywords;
    let lastStart = -1;
    let coveredUntil = -1;
    for (let h = 0; h < hits.length; h += 2) {
      if (!this.compiled.actions[hits[h]].rules.includes(ruleIndex)) continue;
      const keywordStart = hits[h + 1] - keywords[hits[h]].length;
      if (keywordStart < coveredUntil) continue;
      let nameStart = keywordStart;
      while (nameStart > 0 && keywordStart - nameStart < 80 && isNameCharacter(text.charCodeAt(nameStart - 1))) nameStart--;
      if (nameStart > 0 && text.charCodeAt(nameStart - 1) === 0x24) nameStart--; // $name
      if (nameStart === lastStart) continue;
      lastStart = nameStart;
      if (!looksLikeAssignmentAfter(text, keywordStart)) continue;
      matcher.lastIndex = nameStart;
      const match = matcher.exec(text);
      if (!match) continue;
      const rawSecret = match.groups?.secret;
      if (rawSecret === undefined) continue;
      const span = secretEndsMatch ? spanAtEnd(match, rawSecret) : match.indices?.groups?.secret;
      if (!span) continue;
      coveredUntil = span[1];
      const candidate = this.judge(ruleIndex, rawSecret, match.groups ?? {}, text, span[0], span[1], origin);
      if (candidate) candidates.push(candidate);
      else coveredUntil = span[0];
    }
  }

  /** The whole text, or for very long lines the merged neighbourhoods of this rule's keyword hits. */
  private windowsFor(ruleIndex: number, text: string, hits: Int32Array): [number, string][] {
    const ends: number[] = [];
    for (let h = 0; h < hits.length; h += 2) {
      if (this.compiled.actions[hits[h]].rules.includes(ruleIndex)) ends.push(hits[h + 1]);
    }
    if (ends.length === 0) return [[0, text]];
    ends.sort((a, b) => a - b);
    const windows: [number, string][] = [];
    let from = Math.max(0, ends[0] - windowBefore);
    let to = Math.min(text.length, ends[0] + windowAfter);
    for (const end of ends.slice(1)) {
      const nextFrom = Math.max(0, end - windowBefore);
      if (nextFrom <= to) {
        to = Math.min(text.length, end + windowAfter);
      } else {
        windows.push([from, text.slice(from, to)]);
        from = nextFrom;
        to = Math.min(text.length, end + windowAfter);
      }
    }
    windows.push([from, text.slice(from, to)]);
    return windows;
  }

  /** Applies validator, allowlists and entropy to one pattern match; undefined when it is not a finding. */
  private judge(
    ruleIndex: number,
    rawSecret: string,
    groups: Readonly<Record<string, string | undefined>>,
    text: string,
    start: number,
    end: number,
    origin: TextOrigin,
  ): Candidate | undefined {
    const rule = this.compiled.rules[ruleIndex].definition;
    const outcome = validateMatch(rule, rawSecret, groups);
    let verified = false;
    let confidence: Confidence = rule.confidence;
    if (outcome.verdict === 'rejected') {
      const checksumRule =
        rule.validator === 'github-token-crc32' || rule.validator === 'npm-token-crc32' || rule.validator?.startsWith('azure-');
      if (!(checksumRule && this.options.includeUnverified && rule.onValidatorFailure !== 'drop')) return undefined;
      confidence = 'low';
    } else if (outcome.verdict === 'verified') {
      verified = true;
      confidence = 'high';
    }
    const secret = outcome.verdict === 'rejected' ? rawSecret : (outcome.secret ?? rawSecret);

    if (secret.length < (rule.minLength ?? 1)) return undefined;
    if (!verified) {
      const placeholderOptions = rule.placeholders ?? {};
      if (isPlaceholder(secret, placeholderOptions) || (secret !== rawSecret && isPlaceholder(rawSecret, placeholderOptions)))
        return undefined;
      if (isVariableReference(secret) || isVariableReference(rawSecret)) return undefined;
      if (rule.generic && (isCodeReference(secret) || isVersionString(secret) || isEncodedProse(secret) || isWordOrIdentifier(secret)))
        return undefined;
      if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) return undefined;
      if (rule.minCharacterClasses !== undefined && characterClassCount(secret) < rule.minCharacterClasses) return undefined;
      if ((rule.allowlist?.guids ?? true) && isGuid(secret)) return undefined;
      if (rule.allowlist?.hexDigests && isHexDigest(secret)) return undefined;
      if (isPrecededByDigestLabel(text.slice(Math.max(0, start - 32), start))) return undefined;
      if (rule.generic && this.startsWithSpecificTokenPrefix(secret)) return undefined;
    }
    if (rule.allowlist?.values?.some((pattern) => pattern.test(secret))) return undefined;
    if (this.options.allowedValues.some((pattern) => pattern.test(secret))) return undefined;
    if (rule.allowlist?.lineMarkers?.some((pattern) => pattern.test(text))) return undefined;

    const upgraded = rule.generic ? this.checksumUpgradeOf(secret) : undefined;
    if (upgraded !== undefined) {
      return {
        priority: upgraded,
        rule: this.compiled.rules[upgraded].definition,
        generic: false,
        secret,
        rawStart: origin.toRawOffset(start),
        rawEnd: origin.toRawOffset(Math.max(start, end - 1)) + 1,
        verified: true,
        confidence: 'high',
        encoding: origin.encoding,
        previewPrefix: 0,
      };
    }

    return {
      priority: ruleIndex,
      rule,
      generic: rule.generic === true,
      secret,
      rawStart: origin.toRawOffset(start),
      rawEnd: origin.toRawOffset(Math.max(start, end - 1)) + 1,
      verified,
      confidence,
      encoding: origin.encoding,
      previewPrefix: secret === rawSecret ? (rule.previewPrefix ?? 0) : 0,
    };
  }

  /** The index of the specific rule a generic value's checksum proves it belongs to (checksumUpgrades.ts), if that rule is active. */
  private checksumUpgradeOf(value: string): number | undefined {
    const id = specificRuleForValue(value);
    if (id === undefined) return undefined;
    const index = this.compiled.rules.findIndex((rule) => rule.definition.id === id);
    return index >= 0 && this.rulesForPath[index] ? index : undefined;
  }

  private startsWithSpecificTokenPrefix(value: string): boolean {
    let found = false;
    this.compiled.automaton.findAll(value.slice(0, 24), (keyword, end) => {
      if (!found && this.tokenPrefixKeywords.has(keyword) && end === this.compiled.automaton.keywords[keyword].length) found = true;
    });
    return found;
  }

  private findPrivateKeysIn(text: string, origin: TextOrigin, candidates: Candidate[]): void {
    for (const block of privateKeyBlocksInText(text)) {
      candidates.push({
        priority: structuralPriority,
        rule: privateKeyRule,
        generic: false,
        secret: block.body,
        rawStart: origin.toRawOffset(block.index),
        rawEnd: origin.toRawOffset(block.index) + 1,
        verified: false,
        confidence: privateKeyRule.confidence,
        encoding: origin.encoding,
        previewPrefix: 0,
        previewLabel: `-----BEGIN ${block.label}-----`,
      });
    }
  }
}
