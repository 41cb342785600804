import { AdoRequestError } from './adoErrors';

/**
 * The part of WIQL a risk ⇄ work item sync needs, evaluated over the loopback's work items:
 * `SELECT … FROM WorkItems WHERE <clause> [AND <clause>]… [ORDER BY [field] [ASC|DESC], …]`, each
 * clause `[field] <op> value` with `=`, `<>`, `>`, `<`, `>=`, `<=`, `IN (…)`, `NOT IN (…)`,
 * `CONTAINS`, `NOT CONTAINS`; values are quoted strings ('' escapes a quote), numbers, `@project`,
 * `@today[ - n]` and `@me`. Parentheses may group AND clauses. It behaves as Azure DevOps does
 * where a sync can trip: string comparisons ignore case; `[System.Tags] CONTAINS 'x'` matches a
 * whole tag, not a substring; a date with a time is refused unless `timePrecision=true` ("You
 * cannot supply a time with the date when running a query using date precision."), and without it
 * dates compare by day; a project in the URL only gives `@project`, it does not filter. Anything
 * else (OR, EVER, links queries, …) is answered 400 naming the part the loopback does not
 * understand, so a test never gets a silently wrong answer.
 */
export interface WiqlRow {
  id: number;
  /** The field's value, or undefined when the work item has no such field. Identities as their display name. */
  field(referenceName: string): unknown;
}

export interface WiqlContext {
  /** The project named in the URL, for `@project`. */
  project?: string;
  /** The caller's display name, for `@me`. */
  me: string;
  timePrecision: boolean;
  now: Date;
  /** Maps `[Title]` or `[System.Title]` to the reference name; undefined for a field that does not exist. */
  resolveField(name: string): string | undefined;
}

export interface WiqlQuery {
  columns: string[];
  where: WiqlClause[];
  orderBy: Array<{ field: string; descending: boolean }>;
}

type WiqlValue = { kind: 'string'; text: string } | { kind: 'number'; value: number } | { kind: 'today'; offsetDays: number };

interface WiqlClause {
  field: string;
  /** The clause as written, for error messages. */
  text: string;
  op: '=' | '<>' | '>' | '<' | '>=' | '<=' | 'in' | 'not in' | 'contains' | 'not contains';
  values: WiqlValue[];
}

const dateFields = new Set([
  'System.CreatedDate',
  'System.ChangedDate',
  'System.AuthorizedDate',
  'System.RevisedDate',
  'Microsoft.VSTS.Common.StateChangeDate',
  'Microsoft.VSTS.Common.ClosedDate',
  'Microsoft.VSTS.Common.ResolvedDate',
  'Microsoft.VSTS.Common.ActivatedDate',
]);

function unsupported(part: string): AdoRequestError {
  return new AdoRequestError(
    400,
    'WiqlSyntaxException',
    `the loopback Azure DevOps does not understand this part of the WIQL query: «${part}» (it answers SELECT … FROM WorkItems WHERE clauses joined by AND, with = <> > < >= <= IN NOT IN CONTAINS NOT CONTAINS, and ORDER BY)`,
  );
}

/** Parses the query, resolving field names; throws AdoRequestError (400) for what it cannot answer. */
export function parseWiql(text: string, context: WiqlContext): WiqlQuery {
  if (text.length > 32_768)
    throw new AdoRequestError(400, 'WiqlSyntaxException', 'VS402336: The WIQL query is longer than 32768 characters.');
  const match = text.match(/^\s*select\s+([\s\S]+?)\s+from\s+workitems\b([\s\S]*)$/i);
  if (!match) {
    if (/\bfrom\s+workitemlinks\b/i.test(text)) throw unsupported('FROM WorkItemLinks');
    throw unsupported(text.slice(0, 80));
  }
  const columns = splitTopLevel(match[1], ',').map((c) => fieldOf(c.trim(), context));
  let rest = match[2].trim();
  let orderText = '';
  const order = rest.match(/^([\s\S]*?)\border\s+by\s+([\s\S]+)$/i);
  if (order) {
    rest = order[1].trim();
    orderText = order[2].trim();
  }
  if (/\basof\b/i.test(orderText) || /\basof\b/i.test(rest)) throw unsupported('ASOF');
  let where: WiqlClause[] = [];
  if (rest) {
    const w = rest.match(/^where\s+([\s\S]+)$/i);
    if (!w) throw unsupported(rest);
    where = splitTopLevel(stripParentheses(w[1].trim()), 'and').flatMap((part) => clausesOf(part.trim(), context));
  }
  const orderBy = orderText
    ? splitTopLevel(orderText, ',').map((part) => {
        const m = part.trim().match(/^(\[[^\]]+\])\s*(asc|desc)?$/i);
        if (!m) throw unsupported(part.trim());
        return { field: fieldOf(m[1], context), descending: (m[2] ?? '').toLowerCase() === 'desc' };
      })
    : [];
  return { columns, where, orderBy };
}

/** The ids that match, ordered as asked (by id when no ORDER BY). */
export function runWiql(query: WiqlQuery, rows: WiqlRow[], context: WiqlContext): number[] {
  const matching = rows.filter((row) => query.where.every((clause) => matches(clause, row, context)));
  const order = query.orderBy.length ? query.orderBy : [{ field: 'System.Id', descending: false }];
  matching.sort((a, b) => {
    for (const { field, descending } of order) {
      const c = compare(a.field(field), b.field(field));
      if (c !== 0) return descending ? -c : c;
    }
    return a.id - b.id;
  });
  return matching.map((row) => row.id);
}

function clausesOf(part: string, context: WiqlContext): WiqlClause[] {
  const inner = stripParentheses(part);
  if (inner !== part) return splitTopLevel(inner, 'and').flatMap((p) => clausesOf(p.trim(), context));
  if (splitTopLevel(part, 'or').length > 1) throw unsupported(`OR in «${part}»`);
  const m = part.match(/^(\[[^\]]+\])\s*(=|<>|!=|>=|<=|>|<|not\s+in\b|in\b|not\s+contains\b|contains\b)\s*([\s\S]+)$/i);
  if (!m) throw unsupported(part);
  const field = fieldOf(m[1], context);
  const opText = m[2].toLowerCase().replace(/\s+/g, ' ');
  const op = (opText === '!=' ? '<>' : opText) as WiqlClause['op'];
  if (/^words\b/i.test(m[3].trim())) throw unsupported('CONTAINS WORDS');
  const raw = m[3].trim();
  let values: WiqlValue[];
  if (op === 'in' || op === 'not in') {
    const list = raw.match(/^\(([\s\S]*)\)$/);
    if (!list) throw unsupported(part);
    values = splitTopLevel(list[1], ',').map((v) => literalOf(v.trim(), part, field, context));
  } else {
    values = [literalOf(raw, part, field, context)];
  }
  return [{ field, text: part, op, values }];
}

function fieldOf(text: string, context: WiqlContext): string {
  const name = text.replace(/^\[|\]$/g, '').trim();
  const resolved = context.resolveField(name);
  if (!resolved)
    throw new AdoRequestError(
      400,
      'WorkItemTrackingFieldDefinitionNotFoundException',
      `TF51005: The query references a field that does not exist. The error is caused by «${text}».`,
    );
  return resolved;
}

function literalOf(text: string, clause: string, field: string, context: WiqlContext): WiqlValue {
  let value: WiqlValue;
  const quoted = text.match(/^'((?:[^']|'')*)'$/) ?? text.match(/^"((?:[^"]|"")*)"$/);
  if (quoted) value = { kind: 'string', text: quoted[1].replace(/''/g, "'").replace(/""/g, '"') };
  else if (/^-?\d+(\.\d+)?$/.test(text)) value = { kind: 'number', value: Number(text) };
  else if (/^@project$/i.test(text)) {
    if (!context.project)
      throw new AdoRequestError(
        400,
        'WiqlSyntaxException',
        `TF51011: The specified project does not exist for @project; post the query under a project. The error is caused by «${clause}».`,
      );
    value = { kind: 'string', text: context.project };
  } else if (/^@me$/i.test(text)) value = { kind: 'string', text: context.me };
  else {
    const today = text.match(/^@today\s*(?:([+-])\s*(\d+))?$/i);
    if (!today) throw unsupported(text);
    value = { kind: 'today', offsetDays: today[1] ? (today[1] === '-' ? -1 : 1) * Number(today[2]) : 0 };
  }
  if (dateFields.has(field) && value.kind === 'string') {
    if (Number.isNaN(Date.parse(value.text)))
      throw new AdoRequestError(
        400,
        'WiqlSyntaxException',
        `TF51010: The specified date is not valid. The error is caused by «${clause}».`,
      );
    if (!context.timePrecision && /\d[T ]\d{1,2}:\d{2}/.test(value.text)) {
      throw new AdoRequestError(
        400,
        'WiqlSyntaxException',
        `You cannot supply a time with the date when running a query using date precision. The error is caused by «${clause}».`,
      );
    }
  }
  return value;
}

function matches(clause: WiqlClause, row: WiqlRow, context: WiqlContext): boolean {
  const actual = row.field(clause.field);
  if (clause.field === 'System.Tags' && (clause.op === 'contains' || clause.op === 'not contains')) {
    const tags = String(actual ?? '')
      .split(';')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean);
    const has = tags.includes(text(clause.values[0]).toLowerCase());
    return clause.op === 'contains' ? has : !has;
  }
  if (clause.op === 'contains' || clause.op === 'not contains') {
    const has = String(actual ?? '')
      .toLowerCase()
      .includes(text(clause.values[0]).toLowerCase());
    return clause.op === 'contains' ? has : !has;
  }
  const isDate = dateFields.has(clause.field);
  const expected = clause.values.map((v) => (isDate ? dateValue(v, context) : v.kind === 'number' ? v.value : text(v)));
  const left = isDate ? dateOf(actual, context) : actual;
  switch (clause.op) {
    case 'in':
      return expected.some((e) => equal(left, e));
    case 'not in':
      return !expected.some((e) => equal(left, e));
    case '=':
      return equal(left, expected[0]);
    case '<>':
      return !equal(left, expected[0]);
    default: {
      if (left === undefined || left === null || left === '') return false;
      const c = compare(left, expected[0]);
      return clause.op === '>' ? c > 0 : clause.op === '<' ? c < 0 : clause.op === '>=' ? c >= 0 : c <= 0;
    }
  }
}

function text(value: WiqlValue): string {
  return value.kind === 'string' ? value.text : value.kind === 'number' ? String(value.value) : '@today';
}

/** A date as compared: milliseconds with time precision, else the UTC day's start. */
function dateValue(value: WiqlValue, context: WiqlContext): number {
  if (value.kind === 'today') return startOfDay(context.now.getTime()) + value.offsetDays * 86_400_000;
  const ms = Date.parse(value.kind === 'string' ? value.text : String(value.value));
  return context.timePrecision ? ms : startOfDay(ms);
}

function dateOf(actual: unknown, context: WiqlContext): number | undefined {
  if (typeof actual !== 'string') return undefined;
  const ms = Date.parse(actual);
  return context.timePrecision ? ms : startOfDay(ms);
}

function startOfDay(ms: number): number {
  return ms - (((ms % 86_400_000) + 86_400_000) % 86_400_000);
}

function equal(left: unknown, right: unknown): boolean {
  if (left === undefined || left === null) return right === '' || right === undefined;
  if (typeof left === 'number' || typeof right === 'number') return Number(left) === Number(right);
  return String(left).toLowerCase() === String(right).toLowerCase();
}

function compare(left: unknown, right: unknown): number {
  if (left === undefined || left === null) return right === undefined || right === null ? 0 : -1;
  if (right === undefined || right === null) return 1;
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left === 'number' || typeof right === 'number') return Number(left) - Number(right);
  return String(left).toLowerCase().localeCompare(String(right).toLowerCase());
}

/** Splits on a separator (`,` or a keyword) outside quotes, brackets and parentheses. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  const keyword = /^[a-z]+$/i.test(separator);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) {
        if (text[i + 1] === quote) i++;
        else quote = null;
      }
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0) {
      if (!keyword && c === separator) {
        parts.push(text.slice(start, i));
        start = i + 1;
      } else if (
        keyword &&
        /\s/.test(text[i - 1] ?? ' ') &&
        text.slice(i, i + separator.length).toLowerCase() === separator &&
        /\s/.test(text[i + separator.length] ?? '')
      ) {
        parts.push(text.slice(start, i));
        start = i + separator.length;
      }
    }
  }
  parts.push(text.slice(start));
  return parts.filter((p) => p.trim().length > 0);
}

/** `( a AND b )` → `a AND b` when the parentheses wrap the whole text. */
function stripParentheses(text: string): string {
  let current = text.trim();
  while (current.startsWith('(') && current.endsWith(')')) {
    let depth = 0;
    let wrapsAll = true;
    for (let i = 0; i < current.length; i++) {
      if (current[i] === '(') depth++;
      else if (current[i] === ')') depth--;
      if (depth === 0 && i < current.length - 1) {
        wrapsAll = false;
        break;
      }
    }
    if (!wrapsAll) break;
    current = current.slice(1, -1).trim();
  }
  return current;
}
