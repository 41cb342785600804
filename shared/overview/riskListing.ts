import { z } from 'zod';
import { PermanentError } from '../errors';
import type { Risk, RiskStore } from '../risks';
import { riskStatuses } from '../risks';
import type { Scalar } from '../store';

export const riskSeverities = ['critical', 'high', 'medium', 'low'] as const;
export const riskKinds = ['leaked-secret', 'service-connection'] as const;
export const riskSortFields = [
  'lastSeenAt',
  'age',
  'severity',
  'organization',
  'project',
  'kind',
  'status',
  'asset',
  'occurrences',
] as const;
export type RiskSortField = (typeof riskSortFields)[number];

/** An empty form field (`<option value="">any</option>`) means no filter. */
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** The risks table's query string, the same for the page and `GET /api/risks`. */
export const riskListingQuery = z.object({
  organization: optional(z.string().max(200)),
  project: optional(z.string().max(200)),
  kind: optional(z.enum(riskKinds)),
  severity: optional(z.enum(riskSeverities)),
  status: optional(z.enum(riskStatuses)),
  asset: optional(z.string().max(400)),
  sort: optional(z.enum(riskSortFields)),
  order: optional(z.enum(['asc', 'desc'])),
  limit: optional(z.coerce.number().int().min(1).max(200)),
  continuationToken: optional(z.string().max(2000)),
});
export type RiskListingQuery = z.infer<typeof riskListingQuery>;

const storeField: Record<Exclude<RiskSortField, 'severity'>, string> = {
  lastSeenAt: 'lastSeenAt',
  age: 'firstSeenAt',
  organization: 'organization',
  project: 'project',
  kind: 'kind',
  status: 'status',
  asset: 'asset.name',
  occurrences: 'occurrences',
};

/** Most severe first when sorting by severity descending (the default for that column). */
const severityRank = ['critical', 'high', 'medium', 'low'] as const;

interface Continuation {
  /** Severity sort: which severity the next page starts in. */
  r?: number;
  /** The store's own token within it. */
  t?: string;
}

/**
 * One page of risks for the table: filters are equality filters on the store, so the page costs an
 * index walk, not a read of every risk. Sorting by severity reads the severities in rank order, one
 * store query each, with the rank kept in the continuation token.
 */
export async function listRisks(risks: RiskStore, query: RiskListingQuery): Promise<{ items: Risk[]; continuationToken?: string }> {
  const where: Record<string, Scalar> = {};
  if (query.organization) where.organization = query.organization.toLowerCase();
  if (query.project) where.project = query.project;
  if (query.kind) where.kind = query.kind;
  if (query.status) where.status = query.status;
  if (query.asset) where['asset.id'] = query.asset;
  const limit = query.limit ?? 50;
  const sort = query.sort ?? 'lastSeenAt';
  const continuation = decode(query.continuationToken);
  if (sort !== 'severity') {
    if (query.severity) where.severity = query.severity;
    // Age ascending means the newest first, i.e. firstSeenAt descending.
    const descending = sort === 'age' ? query.order === 'asc' : query.order !== 'asc';
    const page = await risks.page({
      where,
      orderBy: { field: storeField[sort], descending },
      limit,
      ...(continuation.t ? { continuationToken: continuation.t } : {}),
    });
    return { items: page.items, ...(page.continuationToken ? { continuationToken: encode({ t: page.continuationToken }) } : {}) };
  }
  const ranks = query.order === 'asc' ? [...severityRank].reverse() : [...severityRank];
  const items: Risk[] = [];
  let rank = continuation.r ?? 0;
  let token = continuation.t;
  while (rank < ranks.length && items.length < limit) {
    const severity = ranks[rank];
    if (query.severity && query.severity !== severity) {
      rank++;
      token = undefined;
      continue;
    }
    const page = await risks.page({
      where: { ...where, severity },
      orderBy: { field: 'lastSeenAt', descending: true },
      limit: limit - items.length,
      ...(token ? { continuationToken: token } : {}),
    });
    items.push(...page.items);
    if (page.continuationToken) {
      token = page.continuationToken;
      break;
    }
    rank++;
    token = undefined;
  }
  const more = rank < ranks.length;
  return { items, ...(more ? { continuationToken: encode({ r: rank, ...(token ? { t: token } : {}) }) } : {}) };
}

function encode(continuation: Continuation): string {
  return Buffer.from(JSON.stringify(continuation)).toString('base64url');
}

function decode(token: string | undefined): Continuation {
  if (!token) return {};
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Continuation;
    if (typeof parsed === 'object' && parsed !== null && (parsed.r === undefined || Number.isInteger(parsed.r))) return parsed;
  } catch {
    // fall through
  }
  throw new PermanentError('invalid continuation token (start again without it)');
}
