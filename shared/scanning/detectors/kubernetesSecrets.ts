import { isPlaceholder } from '../allowlists/placeholders';
import { isVariableReference } from '../allowlists/variableReferences';

/**
 * Kubernetes `Secret` manifests (as committed, or printed by `kubectl get secret -o yaml`): the
 * values under `data:` / `stringData:` are credentials. A document may put `data:` before
 * `kind: Secret`, so values are held (bounded) until the document ends and its kind is known.
 */
export interface ManifestValue {
  line: number;
  column: number;
  value: string;
}

interface PendingValue extends ManifestValue {
  section: 'data' | 'stringData';
}

const maximumPendingValues = 64;
const linesKeptAwake = 300;

export class KubernetesSecretFollower {
  private kind: string | undefined;
  private section: 'data' | 'stringData' | undefined;
  private sectionIndent = 0;
  private blockScalarKey: { indent: number } | undefined;
  private pending: PendingValue[] = [];
  private awakeLines = 0;

  /** True while the follower wants to see every line. */
  get isFollowing(): boolean {
    return this.awakeLines > 0;
  }

  /** A keyword (`apiVersion`, `kind:`) was seen: keep following for a while. */
  wake(): void {
    this.awakeLines = linesKeptAwake;
  }

  onLine(line: number, text: string, columnAt: (index: number) => number): ManifestValue[] {
    if (this.awakeLines <= 0) return [];
    this.awakeLines--;
    const trimmed = text.trim();
    if (trimmed === '---' || trimmed === '...') return this.endDocument();
    const indent = text.length - text.trimStart().length;

    if (this.blockScalarKey) {
      // First line of a `key: |` / `key: >` value.
      const scalar = this.blockScalarKey;
      this.blockScalarKey = undefined;
      if (trimmed.length > 0 && indent > scalar.indent) {
        this.remember(line, columnAt(indent), trimmed);
        return this.awakeLines === 0 ? this.endDocument() : [];
      }
    }

    const kind = /^["']?kind["']?[ \t]*:[ \t]*["']?([A-Za-z]+)["']?[ \t]*$/.exec(trimmed);
    if (kind) {
      this.kind = kind[1];
      if (indent <= this.sectionIndent) this.section = undefined;
      return [];
    }
    const section = /^(data|stringData)[ \t]*:[ \t]*$/.exec(trimmed);
    if (section) {
      this.section = section[1] as 'data' | 'stringData';
      this.sectionIndent = indent;
      return [];
    }
    if (this.section && trimmed.length > 0 && !trimmed.startsWith('#')) {
      if (indent <= this.sectionIndent) {
        this.section = undefined;
      } else {
        const entry = /^["']?[\w.-]{1,253}["']?[ \t]*:[ \t]*(.*)$/.exec(trimmed);
        if (entry) {
          const value = entry[1].trim();
          if (value === '|' || value === '>' || value === '|-' || value === '>-') {
            this.blockScalarKey = { indent };
          } else if (value.length > 0) {
            this.remember(line, columnAt(indent + trimmed.length - entry[1].length), value);
          }
        }
      }
    }
    return this.awakeLines === 0 ? this.endDocument() : [];
  }

  /** The input ended: report what the last document holds. */
  finish(): ManifestValue[] {
    return this.endDocument();
  }

  private remember(line: number, column: number, rawValue: string): void {
    if (this.pending.length >= maximumPendingValues || !this.section) return;
    const value = rawValue.replace(/^["']|["']$/g, '');
    this.pending.push({ line, column, value, section: this.section });
  }

  private endDocument(): ManifestValue[] {
    const isSecret = this.kind !== undefined && this.kind.toLowerCase() === 'secret';
    const values = isSecret ? this.pending.filter((entry) => isCredentialValue(entry)) : [];
    this.kind = undefined;
    this.section = undefined;
    this.blockScalarKey = undefined;
    this.pending = [];
    return values.map(({ line, column, value }) => ({ line, column, value }));
  }
}

function isCredentialValue(entry: PendingValue): boolean {
  const { value } = entry;
  if (value.length === 0 || value.includes('{{') || isVariableReference(value)) return false;
  if (entry.section === 'stringData') return value.length >= 8 && !isPlaceholder(value);
  if (!/^[A-Za-z0-9+/]{4,}={0,2}$/.test(value)) return false;
  // The decoded value is not held to placeholder words: manifests often hold weak but real passwords.
  const decoded = Buffer.from(value, 'base64').toString('latin1').trim();
  return decoded.length >= 8 && new Set(decoded).size > 2;
}
