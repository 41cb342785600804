/**
 * The shape of a JSON payload: every field's path and JSON type, never a value. It is what an
 * operator can report when Vigil cannot read a delivery, without handing on names, e-mail addresses,
 * commit messages or anything else the payload carried.
 *
 * `resource.pushId: number`, `resource._links.self.href: string`, `resource.commits[].commitId: string`;
 * arrays list the union of their elements' fields once. Keys that are not plain identifiers are
 * quoted (`resource.fields["System.Title"]`) with everything but printable ASCII escaped, so a hostile
 * key cannot forge a line on an operator's terminal.
 */
export interface ShapeLimits {
  /** Paths listed at most; the rest is counted in one last line. */
  maxPaths: number;
  /** Nesting below which objects are listed as `object` without their fields. */
  maxDepth: number;
}

const defaultLimits: ShapeLimits = { maxPaths: 300, maxDepth: 10 };

export function payloadShape(value: unknown, limits: ShapeLimits = defaultLimits): string[] {
  const paths = new Set<string>();
  visit(value, '', 0, paths, limits);
  const all = [...paths];
  if (all.length <= limits.maxPaths) return all;
  return [...all.slice(0, limits.maxPaths), `… ${all.length - limits.maxPaths} more`];
}

function visit(value: unknown, path: string, depth: number, paths: Set<string>, limits: ShapeLimits): void {
  // A generous bound on the work: a 2 MB body has at most about a million values.
  if (paths.size > limits.maxPaths * 4) return;
  if (Array.isArray(value)) {
    if (value.length === 0 || depth >= limits.maxDepth) return void paths.add(`${path || '(root)'}: array`);
    for (const element of value) visit(element, `${path}[]`, depth + 1, paths, limits);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0 || depth >= limits.maxDepth) return void paths.add(`${path || '(root)'}: object`);
    for (const [key, child] of entries) visit(child, `${path}${segment(key, path === '')}`, depth + 1, paths, limits);
    return;
  }
  paths.add(`${path || '(root)'}: ${value === null ? 'null' : typeof value}`);
}

function segment(key: string, first: boolean): string {
  if (/^[A-Za-z_$][\w$-]{0,63}$/.test(key)) return first ? key : `.${key}`;
  const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return `["${shown.replace(/[^\x20-\x7e]|["\\]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"]`;
}
