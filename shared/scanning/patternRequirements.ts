import { type AST, RegExpParser } from '@eslint-community/regexpp';

/**
 * What every match of a rule's pattern must contain, read from the pattern itself: its longest
 * mandatory run of one character class (`[A-Za-z0-9]{24}`: 24 bytes in a row from that class) and
 * its longest mandatory literal (`.eyJ`, `APIM`). The keyword gate checks both on a line's raw bytes
 * before it decodes the line (scanSession.ts): on a keyword-dense log most lines that say `token` or
 * `dev.azure.com` hold no 24-character run, and the check costs a few byte reads. Only elements every
 * match goes through count (nothing inside an alternation or an optional group), so a line without
 * them cannot match: the check never loses a finding. The pattern is parsed with regexpp, the parser
 * ESLint's regular-expression rules use, rather than by hand.
 */
export interface PatternRequirements {
  /** A run of at least `length` bytes that `bytes` (a 256-entry table, 1 = in the class) accepts, or null. */
  run: { bytes: Uint8Array; length: number } | null;
  /** Bytes that occur in this order (each a 256-entry table of accepted bytes: both cases under `i`), or null. */
  literal: Uint8Array[] | null;
}

/** Runs shorter than this say little: `[a-z]{3}` is in every word. */
const shortestUsefulRun = 12;
const shortestUsefulLiteral = 2;

/** Read once per pattern and process: each scanner compiles its rules, and parsing 170 patterns takes tens of milliseconds. */
const requirementsBySource = new Map<string, PatternRequirements>();

export function patternRequirements(pattern: RegExp): PatternRequirements {
  const key = `${pattern.flags}/${pattern.source}`;
  let requirements = requirementsBySource.get(key);
  if (requirements === undefined) {
    requirements = readRequirements(pattern);
    requirementsBySource.set(key, requirements);
  }
  return requirements;
}

function readRequirements(pattern: RegExp): PatternRequirements {
  const ignoreCase = pattern.flags.includes('i');
  const parsed = new RegExpParser().parsePattern(pattern.source, 0, pattern.source.length, {
    unicode: pattern.flags.includes('u'),
    unicodeSets: pattern.flags.includes('v'),
  });
  let run: PatternRequirements['run'] = null;
  let literal: Uint8Array[] | null = null;
  let current: Uint8Array[] = [];
  const endLiteral = () => {
    if (current.length >= shortestUsefulLiteral && current.length > (literal?.length ?? 0)) literal = current;
    current = [];
  };
  const visit = (elements: readonly AST.Element[]): void => {
    for (const element of elements) {
      if (element.type === 'Character') {
        current.push(classBytes([element], false, ignoreCase));
      } else if ((element.type === 'Group' || element.type === 'CapturingGroup') && element.alternatives.length === 1) {
        visit(element.alternatives[0].elements);
      } else if (element.type === 'Quantifier' && element.min >= 1) {
        endLiteral();
        const bytes = singleCharacterBytes(element.element, ignoreCase);
        if (bytes !== null && element.min >= shortestUsefulRun && element.min > (run?.length ?? 0)) run = { bytes, length: element.min };
        // A group repeated at least once holds its own requirements (its literal stands alone).
        if (bytes === null && element.element.type !== 'Backreference') {
          const inner = element.element;
          if ((inner.type === 'Group' || inner.type === 'CapturingGroup') && inner.alternatives.length === 1) {
            visit(inner.alternatives[0].elements);
            endLiteral();
          }
        }
      } else if (element.type === 'Assertion' && (element.kind === 'lookahead' || element.kind === 'lookbehind')) {
        // Lookarounds consume nothing: the literal before one continues after it.
      } else {
        endLiteral();
      }
    }
  };
  for (const alternative of parsed.alternatives.length === 1 ? parsed.alternatives : []) visit(alternative.elements);
  endLiteral();
  return { run, literal };
}

/** The bytes one element matches when it matches exactly one character, or null when it does not. */
function singleCharacterBytes(element: AST.QuantifiableElement, ignoreCase: boolean): Uint8Array | null {
  if (element.type === 'Character') return classBytes([element], false, ignoreCase);
  if (element.type === 'CharacterClass' && !element.unicodeSets) return classBytes(element.elements, element.negate, ignoreCase);
  if (element.type === 'CharacterSet' && element.kind !== 'property') return classBytes([element], false, ignoreCase);
  return null;
}

/** A 256-entry table of the bytes (latin1 characters) a character class accepts. */
function classBytes(
  members: readonly (AST.Character | AST.CharacterClassRange | AST.CharacterSet | AST.CharacterClassElement)[],
  negate: boolean,
  ignoreCase: boolean,
): Uint8Array {
  const bytes = new Uint8Array(256);
  const accept = (code: number) => {
    if (code < 256) bytes[code] = 1;
  };
  for (const member of members) {
    if (member.type === 'Character') {
      accept(member.value);
    } else if (member.type === 'CharacterClassRange') {
      for (let code = member.min.value; code <= Math.min(255, member.max.value); code++) accept(code);
    } else if (member.type === 'CharacterSet') {
      for (let code = 0; code < 256; code++) if (setAccepts(member, code)) accept(code);
    } else {
      // Anything else (nested classes of the `v` flag) accepts every byte: never narrower than the pattern.
      bytes.fill(1);
    }
  }
  if (ignoreCase) {
    for (let code = 0; code < 256; code++) {
      if (!bytes[code]) continue;
      const character = String.fromCharCode(code);
      accept(character.toLowerCase().charCodeAt(0));
      accept(character.toUpperCase().charCodeAt(0));
    }
  }
  if (negate) for (let code = 0; code < 256; code++) bytes[code] = bytes[code] ? 0 : 1;
  return bytes;
}

const lineTerminators = new Set([0x0a, 0x0d]);

function setAccepts(set: AST.CharacterSet, code: number): boolean {
  if (set.kind === 'property') return true;
  const character = String.fromCharCode(code);
  let accepts: boolean;
  if (set.kind === 'any') return !lineTerminators.has(code);
  if (set.kind === 'digit') accepts = code >= 0x30 && code <= 0x39;
  else if (set.kind === 'word') accepts = /\w/.test(character);
  else accepts = /\s/.test(character);
  return set.negate ? !accepts : accepts;
}

/** Whether bytes[start, end) hold a run of `length` bytes in `table`: reads about one byte in `length` where there is none. */
export function hasRun(bytes: Uint8Array, start: number, end: number, table: Uint8Array, length: number): boolean {
  let probe = start + length - 1;
  while (probe < end) {
    if (table[bytes[probe]] === 0) {
      probe += length;
      continue;
    }
    let runStart = probe;
    while (runStart > start && table[bytes[runStart - 1]] === 1 && probe - runStart + 1 < length) runStart--;
    let runEnd = probe + 1;
    while (runEnd < end && table[bytes[runEnd]] === 1 && runEnd - runStart < length) runEnd++;
    if (runEnd - runStart >= length) return true;
    // bytes[runEnd] is outside the class: a run must start after it.
    probe = runEnd + length;
  }
  return false;
}

/** Whether bytes[start, end) hold the literal (one table of accepted bytes per position). */
export function hasLiteral(bytes: Uint8Array, start: number, end: number, literal: readonly Uint8Array[]): boolean {
  const first = literal[0];
  for (let i = start; i + literal.length <= end; i++) {
    if (first[bytes[i]] === 0) continue;
    let k = 1;
    while (k < literal.length && literal[k][bytes[i + k]] === 1) k++;
    if (k === literal.length) return true;
  }
  return false;
}
