import { redactSecret } from '../redaction';
import type { CredentialPairPart, Finding } from '../types';

/**
 * Credential pairs: a key id and its secret (an AWS access key id and secret key, a client id and
 * client secret, a storage account name and key, a user name and password) are one credential, so
 * they are reported as one finding, the secret's, carrying the id as `pair` (redacted too). The two
 * halves may sit on the same line or up to `pairReach` lines apart, in either order: findings are
 * held until that many lines have passed (only while a pairable one is waiting, so order is kept
 * and the delay is bounded). The finding's fingerprint stays the secret's, so baselines and risk
 * identity do not depend on whether the id was seen.
 */
export const pairReach = 4;

type IdKind = 'aws-access-key-id' | 'client-id' | 'account-name' | 'user-name';

interface IdNote {
  kind: IdKind;
  redacted: string;
  line: number;
  column: number;
  /** The finding that is this id (an AWS access key id), consumed when paired. */
  finding?: Finding;
  /** Not read yet: where its value starts to be looked for (see noteIdAfter). */
  unread?: { text: string; keywordEnd: number; columnOfText: number };
}

const guid = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const joiner = String.raw`(?:["'\x60]?[ \t]{0,4}(?:[:=]|=>|>|,)[ \t]{0,4}["'\x60]?|["'][ \t]{1,4}value=["']|[ \t]{1,4}["']?)`;

/** Where ids are written, by kind (names as settings, flags and XML elements use them). */
const idPatterns: readonly [IdKind, RegExp][] = [
  [
    'client-id',
    new RegExp(
      String.raw`(?:client[_\-.]?id|app(?:lication)?[_\-.]?id|(?:^|\s)(?:-u|--username))${joiner}(?<value>${guid})(?![\w-])`,
      'gi',
    ),
  ],
  [
    'account-name',
    new RegExp(
      String.raw`(?:account[_\-.]?name|storage[_\-.]?account(?:[_\-.]?name)?|azurestorageaccountname)${joiner}(?<value>[a-z0-9]{3,24})(?![\w-])`,
      'gi',
    ),
  ],
  [
    'user-name',
    new RegExp(
      String.raw`(?:user[_\-.]?name|user[_\-.]?id|user|login|(?:^|\s)-[uU])${joiner}(?<value>[A-Za-z0-9][\w.@\-]{1,100})(?![\w.@-])`,
      'gi',
    ),
  ],
];

/** The value right after a pair-id keyword (sticky: matched where the keyword ends). */
const valueAfterKeyword: Record<Exclude<IdKind, 'aws-access-key-id'>, RegExp> = {
  'client-id': new RegExp(String.raw`[\w.\-]{0,20}${joiner}(?<value>${guid})(?![\w-])`, 'iy'),
  'account-name': new RegExp(String.raw`[\w.\-]{0,20}${joiner}(?<value>[a-z0-9]{3,24})(?![\w-])`, 'iy'),
  'user-name': new RegExp(String.raw`[\w.\-]{0,20}${joiner}(?<value>[A-Za-z0-9][\w.@\-]{1,100})(?![\w.@-])`, 'y'),
};

/** Which id kinds a secret found by a rule pairs with, nearest first. */
function idKindsFor(ruleId: string): readonly IdKind[] {
  if (ruleId === 'aws-secret-access-key') return ['aws-access-key-id'];
  if (ruleId === 'azure-entra-client-secret' || ruleId === 'azure-client-secret-assignment') return ['client-id'];
  if (ruleId === 'azure-storage-account-key' || ruleId === 'azure-account-key-legacy') return ['account-name'];
  if (
    ruleId === 'azure-container-registry-key' ||
    ruleId === 'docker-login-password' ||
    ruleId === 'database-cli-password' ||
    ruleId === 'cli-secret-argument'
  )
    return ['user-name', 'client-id'];
  if (ruleId === 'generic-secret-assignment' || ruleId === 'kubernetes-secret-manifest')
    return ['aws-access-key-id', 'client-id', 'user-name'];
  return [];
}

/** A 40-character base64 secret next to an AWS access key id is its secret key, whatever rule caught it. */
const awsSecretShape = /^[A-Za-z0-9/+]{40}$/;

interface Held {
  finding: Finding;
  /** Id kinds it may pair with, empty when it cannot (then it is only held to keep the order). */
  wants: readonly IdKind[];
}

export class CredentialPairs {
  private held: Held[] = [];
  private notes: IdNote[] = [];
  private waiting = 0;

  /** Ids written on an analysed line (`client_id = <guid>`, `--account-name x`, `<username>`). */
  noteIds(line: number, text: string, columnAt: (index: number) => number): void {
    for (const [kind, pattern] of idPatterns) {
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        const value = match.groups?.value ?? '';
        const index = match.index + match[0].length - value.length;
        this.notes.push({ kind, redacted: redactSecret(value, 0), line, column: columnAt(index) });
      }
    }
  }

  /**
   * The id right after a pair-id keyword (`client_id`, `account_name`, `username`) that ends at
   * `keywordEnd`. Only remembered here: it is read (one anchored match) when a secret nearby asks
   * for it, so lines full of such words cost little. `columnOfText` is the column of the text's
   * first character.
   */
  noteIdAfter(line: number, text: string, keyword: string, keywordEnd: number, columnOfText: number): void {
    const kind: IdKind = keyword.startsWith('client') ? 'client-id' : keyword.startsWith('account') ? 'account-name' : 'user-name';
    this.notes.push({ kind, redacted: '', line, column: 0, unread: { text, keywordEnd, columnOfText } });
    if (this.notes.length > 256) this.forgetNotesBefore(line - 2 * pairReach - 1);
  }

  /** A finding of the current scan; `secret` is its value (never kept beyond this call). */
  add(finding: Finding, secret: string): void {
    if (finding.ruleId === 'aws-access-key-id') {
      this.notes.push({ kind: 'aws-access-key-id', redacted: finding.redacted, line: finding.line, column: finding.column, finding });
      this.held.push({ finding, wants: [] });
      this.waiting++;
      return;
    }
    let wants = idKindsFor(finding.ruleId);
    if (wants.includes('aws-access-key-id') && !awsSecretShape.test(secret)) wants = wants.filter((kind) => kind !== 'aws-access-key-id');
    if (wants.length > 0) this.waiting++;
    this.held.push({ finding, wants });
  }

  /**
   * Findings that can no longer change: those at least `pairReach` lines behind `line` (every line
   * that could hold their other half has been seen), or all of them at the end. Nothing is held
   * while no pairable finding waits.
   */
  release(line: number, all = false): Finding[] {
    const released: Finding[] = [];
    while (this.held.length > 0) {
      const next = this.held[0];
      if (!all && this.waiting > 0 && next.finding.line > line - pairReach - 1) break;
      this.held.shift();
      const isId = next.finding.ruleId === 'aws-access-key-id';
      if (next.wants.length > 0 || isId) this.waiting--;
      if (next.wants.length > 0) this.pairUp(next);
      if (isId) {
        // Its secret may come after it, within reach: pair those now, then drop the id if one took it.
        for (const other of this.held) {
          if (other.wants.includes('aws-access-key-id') && other.finding.line - next.finding.line <= pairReach) this.pairUp(other);
        }
        if (this.consumed.has(next.finding)) continue;
      }
      released.push(next.finding);
    }
    this.forgetNotesBefore(line - 2 * pairReach - 1);
    return released;
  }

  private readonly consumed = new WeakSet<Finding>();

  private pairUp(held: Held): void {
    if (held.finding.pair) return;
    const { finding } = held;
    for (const kind of held.wants) {
      let best: IdNote | undefined;
      for (const note of this.notes) {
        if (note.kind !== kind || Math.abs(note.line - finding.line) > pairReach) continue;
        if ((note.unread && !this.read(note)) || note.redacted === '') continue;
        if (note.finding && this.consumed.has(note.finding)) continue;
        if (note.line === finding.line && note.column === finding.column) continue;
        const distance = Math.abs(note.line - finding.line) * 1000 + Math.abs(note.column - finding.column);
        const bestDistance = best
          ? Math.abs(best.line - finding.line) * 1000 + Math.abs(best.column - finding.column)
          : Number.POSITIVE_INFINITY;
        if (distance < bestDistance) best = note;
      }
      if (best) {
        const part: CredentialPairPart = { kind: best.kind, redacted: best.redacted, line: best.line, column: best.column };
        finding.pair = part;
        if (best.finding) this.consumed.add(best.finding);
        if (best.kind === 'aws-access-key-id' && finding.ruleId !== 'aws-secret-access-key') {
          // The id says what the secret is: a secret key of an AWS key pair, not a generic secret.
          finding.ruleId = 'aws-secret-access-key';
          finding.title = 'AWS secret access key';
          finding.severity = 'critical';
          finding.evidence = 'format';
          finding.confidence = 'high';
          if (best.finding) finding.remediation = best.finding.remediation;
        }
        return;
      }
    }
  }

  /** Reads the value of a note made by noteIdAfter; false when there is none. */
  private read(note: IdNote): boolean {
    const unread = note.unread;
    if (!unread) return true;
    note.unread = undefined;
    const pattern = valueAfterKeyword[note.kind as Exclude<IdKind, 'aws-access-key-id'>];
    pattern.lastIndex = unread.keywordEnd;
    const match = pattern.exec(unread.text);
    const value = match?.groups?.value;
    // No value after the keyword: the note stays without a preview and is never used.
    if (!match || value === undefined) return false;
    note.redacted = redactSecret(value, 0);
    note.column = unread.columnOfText + match.index + match[0].length - value.length;
    return true;
  }

  private forgetNotesBefore(line: number): void {
    if (this.notes.length > 0 && this.notes[0].line < line) this.notes = this.notes.filter((note) => note.line >= line);
  }
}
