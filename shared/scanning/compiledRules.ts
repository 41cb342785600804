import { base64Projections } from './base64Projections';
import { KeywordAutomaton } from './keywordAutomaton';
import { patternSafetyProblem } from './patternSafety';
import type { RuleDefinition } from './types';

/**
 * The rule table turned into what the scanner executes: one keyword automaton for all rules, and
 * for each keyword the actions its occurrence triggers (rules to run, a base64 run to decode, a
 * structural detector to wake). Compiled once per scanner and shared by all its scans.
 */
export type Marker = 'percent-escape' | 'pem-begin' | 'kubernetes' | 'pair-id';

export interface KeywordAction {
  /** Indexes into `rules` of the rules this keyword arms. */
  rules: number[];
  /** Parallel to `rules`: the exact spelling a rule requires (its `keywordCase` is `exact`), or null. */
  exactSpellings: (string | null)[];
  /** The keyword is a base64 projection: decode the base64 run it sits in. */
  base64: boolean;
  markers: Marker[];
}

export interface CompiledRule {
  definition: RuleDefinition;
  /**
   * The pattern with `g` (iterate) added, `y` (sticky) for anchored rules, and `d` (group offsets)
   * unless `secretEndsMatch`.
   */
  matcher: RegExp;
  /**
   * The `secret` group (or the whole match, without one) ends where the match ends: nothing but
   * lookarounds follows it. Its offsets are then the match's end minus its length, and the pattern
   * runs without `d`, whose offset arrays cost more than the match itself on a keyword-dense line.
   */
  secretEndsMatch: boolean;
  /** The pattern without `g`, `y` or `d`: tests whether the rule could match a text at all, without a match object. */
  probe: RegExp;
}

export interface CompiledRuleSet {
  rules: CompiledRule[];
  automaton: KeywordAutomaton;
  actions: KeywordAction[];
  /** Rules run on decoded Basic credentials whatever their keywords. */
  basicAuthRules: number[];
}

// Colour codes and `vigil:allow` are looked for (natively) only on lines analysed for another
// reason: as keywords they would wake every coloured line of a log for nothing.
const markerKeywords: ReadonlyArray<[string, Marker]> = [
  // Percent-encoded characters that occur inside secrets: decode the line even without another keyword.
  ['%7e', 'percent-escape'],
  ['%2b', 'percent-escape'],
  ['%2f', 'percent-escape'],
  ['%3d', 'percent-escape'],
  ['%40', 'percent-escape'],
  ['%3a', 'percent-escape'],
  ['-----begin', 'pem-begin'],
  ['apiversion', 'kubernetes'],
  ['kind:', 'kubernetes'],
  // The id half of a credential pair (detectors/credentialPairs.ts): a line naming one is read so
  // that a secret a few lines away can be reported with it.
  ['client_id', 'pair-id'],
  ['clientid', 'pair-id'],
  ['client-id', 'pair-id'],
  ['accountname', 'pair-id'],
  ['account_name', 'pair-id'],
  ['account-name', 'pair-id'],
  ['username', 'pair-id'],
  ['user_name', 'pair-id'],
];

/**
 * Every field a rule definition can have, in one fixed order. Rules are written as object literals
 * with different optional fields, so the JavaScript engine gives each its own hidden class, and a
 * property read that sees many classes (as the per-line checks on `definition` do) takes a slow,
 * generic path. The compiled copy of each definition has all the fields, in this order, so that
 * every rule has the same class. (The type makes the compiler list a new field here too.)
 */
const definitionFields: { [Field in keyof Required<RuleDefinition>]: undefined } = {
  id: undefined,
  family: undefined,
  title: undefined,
  severity: undefined,
  confidence: undefined,
  remediation: undefined,
  keywords: undefined,
  keywordCase: undefined,
  pattern: undefined,
  minEntropy: undefined,
  validator: undefined,
  identifiableKey: undefined,
  onValidatorFailure: undefined,
  allowlist: undefined,
  placeholders: undefined,
  pathPattern: undefined,
  requiredCharacters: undefined,
  precondition: undefined,
  lineRequires: undefined,
  minCharacterClasses: undefined,
  minLength: undefined,
  armsFollowingLines: undefined,
  decodedContexts: undefined,
  anchor: undefined,
  generic: undefined,
  previewPrefix: undefined,
  examples: undefined,
};

function uniformDefinition(definition: RuleDefinition): RuleDefinition {
  return { ...definitionFields, ...definition };
}

export class RuleCompilationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleCompilationError';
  }
}

export function compileRules(definitions: readonly RuleDefinition[]): CompiledRuleSet {
  const keywordIndex = new Map<string, number>();
  const keywords: string[] = [];
  const actions: KeywordAction[] = [];
  const actionFor = (keyword: string): KeywordAction => {
    const folded = keyword.toLowerCase();
    let index = keywordIndex.get(folded);
    if (index === undefined) {
      index = keywords.length;
      keywordIndex.set(folded, index);
      keywords.push(folded);
      actions.push({ rules: [], exactSpellings: [], base64: false, markers: [] });
    }
    return actions[index];
  };

  const rules: CompiledRule[] = [];
  const basicAuthRules: number[] = [];
  const seenIds = new Set<string>();
  for (const definition of definitions) {
    if (seenIds.has(definition.id)) throw new RuleCompilationError(`rule id '${definition.id}' is defined twice`);
    seenIds.add(definition.id);
    if (definition.keywords.length === 0) {
      throw new RuleCompilationError(`rule '${definition.id}' has no keywords: every rule needs at least one for the prefilter`);
    }
    const problem = patternSafetyProblem(definition.pattern.source);
    if (problem) throw new RuleCompilationError(`rule '${definition.id}' has an unsafe pattern: ${problem}`);
    const flags = new Set(definition.pattern.flags.split(''));
    const secretEndsMatch = secretGroupEndsPattern(definition.pattern.source);
    flags.add('g');
    if (secretEndsMatch) flags.delete('d');
    else flags.add('d');
    if (definition.anchor) flags.add('y');
    else flags.delete('y');
    const index = rules.length;
    rules.push({
      definition: uniformDefinition(definition),
      matcher: new RegExp(definition.pattern.source, [...flags].join('')),
      secretEndsMatch,
      probe: new RegExp(definition.pattern.source, [...flags].filter((flag) => !'gyd'.includes(flag)).join('')),
    });
    for (const keyword of definition.keywords) {
      const action = actionFor(keyword);
      if (!action.rules.includes(index)) {
        action.rules.push(index);
        action.exactSpellings.push(definition.keywordCase === 'exact' ? keyword : null);
      }
    }
    if (definition.decodedContexts?.includes('basic-auth')) basicAuthRules.push(index);
  }

  // Base64 projections of the distinctive keywords (four characters or more).
  for (const definition of definitions) {
    for (const keyword of definition.keywords) {
      if (keyword.length < 4) continue;
      for (const fragment of base64Projections(keyword, 5)) actionFor(fragment).base64 = true;
    }
  }
  // A JWT starts with `eyJ`, which is `ZXlK` when base64 starts at the token.
  actionFor('zxlk').base64 = true;

  for (const [keyword, marker] of markerKeywords) {
    const action = actionFor(keyword);
    if (!action.markers.includes(marker)) action.markers.push(marker);
  }

  return { rules, automaton: new KeywordAutomaton(keywords), actions, basicAuthRules };
}

/**
 * Whether what the `secret` group matches (the whole match when there is no such group) always ends
 * where the match ends: the group is the last thing at the top level of the pattern, followed by
 * lookarounds only (`(?![A-Za-z0-9_-])`), and it is not inside an alternation or a quantified group.
 * Conservative: anything it does not understand answers false (the pattern keeps the `d` flag).
 */
export function secretGroupEndsPattern(source: string): boolean {
  const groupStart = source.indexOf('(?<secret>');
  if (groupStart < 0) return true;
  if (source.indexOf('(?<secret>', groupStart + 1) >= 0) return false;
  // Every group that encloses the secret group would have to close after it, which the tail check
  // below refuses; an alternation before it at the top level could skip it.
  if (hasTopLevelAlternation(source, 0, groupStart)) return false;
  if (depthAt(source, groupStart) !== 0) return false;
  let position = closingParen(source, groupStart);
  if (position < 0) return false;
  position++;
  while (position < source.length) {
    if (!(source.startsWith('(?=', position) || source.startsWith('(?!', position))) return false;
    const close = closingParen(source, position);
    if (close < 0) return false;
    position = close + 1;
  }
  return true;
}

/** Index of the `)` that closes the group opening at `open`, skipping escapes and character classes; -1 if none. */
function closingParen(source: string, open: number): number {
  let closing = -1;
  walkGroups(source, open, source.length, (c, depth, index) => {
    if (c !== ')' || depth !== 1) return false;
    closing = index;
    return true;
  });
  return closing;
}

/**
 * Walks a pattern's source from `from` to `to`, skipping escapes and character classes, and hands each
 * structural character to `visit` with the group depth before it; stops early when `visit` says so.
 * Returns the depth at `to`, or -1 when stopped.
 */
function walkGroups(source: string, from: number, to: number, visit?: (c: string, depth: number, index: number) => boolean): number {
  let depth = 0;
  let inClass = false;
  for (let i = from; i < to; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (visit?.(c, depth, i)) return -1;
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
  }
  return depth;
}

/** Group nesting depth at `index` (0 at the top level). */
function depthAt(source: string, index: number): number {
  return walkGroups(source, 0, index);
}

/** A `|` at depth 0 between `from` and `to`. */
function hasTopLevelAlternation(source: string, from: number, to: number): boolean {
  return walkGroups(source, from, to, (c, depth) => c === '|' && depth === 0) === -1;
}
