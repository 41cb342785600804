/**
 * The state port, shaped like Cosmos DB's NoSQL API so the embedded SQLite adapter and the Cosmos
 * adapter are interchangeable: JSON documents by id within a partition, etags for optimistic
 * concurrency, conditional create, equality queries with continuation tokens.
 */
export type Scalar = string | number | boolean | null;

export interface Document {
  id: string;
}

export interface SystemProperties {
  _etag: string;
  /** Last write, in seconds since the epoch (Cosmos `_ts`). */
  _ts: number;
}

export type Stored<T> = T & SystemProperties;

export interface WriteOptions {
  /** Only write if the stored document still has this etag (else PreconditionFailedError). */
  ifMatch?: string;
}

/** Cosmos JSON-patch operations; paths are `/field` or `/field/sub`. */
export type PatchOperation =
  | { op: 'set' | 'add' | 'replace'; path: string; value: unknown }
  | { op: 'incr'; path: string; value: number }
  | { op: 'remove'; path: string };

export interface QuerySpec {
  /** Equality filters on top-level or dotted fields (`status`, `evidence.location`). */
  where?: Record<string, Scalar>;
  orderBy?: { field: string; descending?: boolean };
  /** Page size; the result carries a continuation token when more remain. */
  limit?: number;
  continuationToken?: string;
}

export interface QueryPage<T> {
  items: Stored<T>[];
  continuationToken?: string;
}

export interface Container<T extends Document> {
  readonly name: string;
  /** The field whose value is the document's partition key. */
  readonly partitionKeyField: string;
  /** Creates the document; ConflictError when the id already exists in its partition. */
  create(document: T): Promise<Stored<T>>;
  read(id: string, partitionKey: string): Promise<Stored<T> | undefined>;
  /** Replaces an existing document; NotFoundError if absent, PreconditionFailedError on a stale etag. */
  replace(document: T, options?: WriteOptions): Promise<Stored<T>>;
  upsert(document: T, options?: WriteOptions): Promise<Stored<T>>;
  patch(id: string, partitionKey: string, operations: PatchOperation[], options?: WriteOptions): Promise<Stored<T>>;
  /** Deletes the document; NotFoundError if absent, PreconditionFailedError on a stale etag. */
  delete(id: string, partitionKey: string, options?: WriteOptions): Promise<void>;
  query(spec: QuerySpec): Promise<QueryPage<T>>;
  count(where?: Record<string, Scalar>): Promise<number>;
}

/**
 * The document when its `field` holds `value`: a container holds one union type told apart by a
 * field (`kind`, `type`), and a reader that wants one member narrows what it read.
 */
export function narrowed<T extends object, K extends keyof T & string, V extends T[K] & string>(
  document: T | undefined,
  field: K,
  value: V,
): Narrowed<T, K, V> | undefined {
  return document !== undefined && document[field] === value ? (document as Narrowed<T, K, V>) : undefined;
}

/** The members of the union T whose `field` can hold `value`, with the field fixed to it. */
export type Narrowed<T, K extends PropertyKey, V> = T extends unknown
  ? K extends keyof T
    ? V extends T[K]
      ? T & Record<K, V>
      : never
    : never
  : never;

export interface Store {
  container<T extends Document>(name: ContainerName): Container<T>;
  /**
   * Rejects when the store cannot take a write right now (the embedded store on a full disk). Stores
   * that are a service (Cosmos DB) leave it out: their availability is not this host's disk.
   */
  checkWritable?(): Promise<void>;
  close(): Promise<void>;
}

/** The containers and their partition keys (docs/architecture.md, "State"; one source of truth for infra/ too). One container, one document type. Their TTLs: timeToLive.ts. */
export const containerDefinitions = {
  organizations: { partitionKey: 'organization' },
  deliveries: { partitionKey: 'source' },
  idempotency: { partitionKey: 'id' },
  parked: { partitionKey: 'queue' },
  assets: { partitionKey: 'organization' },
  risks: { partitionKey: 'organization' },
  scans: { partitionKey: 'organization' },
  /** The alert ledger: one entry per (risk, transition, channel). */
  alerts: { partitionKey: 'organization' },
  /** Each alert destination's rate-limit window and the alerts it holds. */
  alertWindows: { partitionKey: 'organization' },
  /** One link per work item Vigil keeps for a risk (or a repository and rule): claimed before the work item is created. */
  workItemLinks: { partitionKey: 'organization' },
  /** Per pull request: what Vigil posted (status, summary, threads by fingerprint) and which head it last published. */
  pullRequestFeedback: { partitionKey: 'organization' },
  /** Each delivery's journey for `vigil trace`: a hop per handler run, kept as long as the deliveries. */
  journeys: { partitionKey: 'rootDeliveryId' },
  /** The overview's running risk totals: per organization, counts by (status, severity, kind) and per week. */
  riskTallies: { partitionKey: 'organization' },
  /** The overview's pipeline health: one document per pipeline per day (runs, successes, durations, leaks). */
  pipelineDays: { partitionKey: 'organization' },
  /** SARIF logs posted by CI (`POST /api/hooks/ci`), in chunks, until their handler has read them; each chunk has a TTL. */
  sarifUploads: { partitionKey: 'organization' },
} as const;

export type ContainerName = keyof typeof containerDefinitions;
export const containerNames = Object.keys(containerDefinitions) as ContainerName[];
