import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../../clock';
import { PermanentError } from '../../errors';
import { ConflictError, DocumentNotFoundError, PreconditionFailedError } from '../errors';
import {
  type Container,
  type ContainerName,
  containerDefinitions,
  type Document,
  type PatchOperation,
  type QueryPage,
  type QuerySpec,
  type Scalar,
  type Store,
  type Stored,
  type SystemProperties,
  type WriteOptions,
} from '../port';
import { expiresAtSeconds } from '../timeToLive';
import { applyPatch } from './applyPatch';
import type { EmbeddedDatabase } from './embeddedDatabase';
import { canExpire, liveRow, nowSeconds, prepareExpiry } from './embeddedExpiry';
import { chooseIndex, createSortIndexes } from './embeddedIndexes';
import { createEmbeddedWriteProbe } from './embeddedWriteProbe';
import { type GroupCommit, groupCommitFor } from './groupCommit';

const fieldPathPattern = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

interface Row {
  body: string;
  etag: string;
  ts: number;
}

/**
 * The store port on the embedded SQLite file: one table of JSON documents keyed by (container, partition, id), with
 * Cosmos DB's time to live (embeddedExpiry.ts): a document past it is gone for every read, query and write at once.
 */
export function createEmbeddedStore(db: EmbeddedDatabase, clock: Clock = systemClock): Store {
  db.exec(`
    CREATE TABLE IF NOT EXISTS documents (
      container TEXT NOT NULL,
      pk TEXT NOT NULL,
      id TEXT NOT NULL,
      body TEXT NOT NULL,
      etag TEXT NOT NULL,
      ts INTEGER NOT NULL,
      PRIMARY KEY (container, pk, id)
    ) WITHOUT ROWID;
  `);
  createSortIndexes(db);
  prepareExpiry(db);
  const containers = new Map<ContainerName, EmbeddedContainer<Document>>();
  const probeWrite = createEmbeddedWriteProbe(db, clock);
  return {
    checkWritable: probeWrite,
    container<T extends Document>(name: ContainerName): Container<T> {
      let container = containers.get(name);
      if (!container) {
        container = new EmbeddedContainer<Document>(db, name, containerDefinitions[name].partitionKey, clock);
        containers.set(name, container);
      }
      return container as unknown as Container<T>;
    },
    async close() {
      // The database handle is shared with the embedded queue; its opener closes it.
    },
  };
}

class EmbeddedContainer<T extends Document> implements Container<T> {
  private readonly statements;
  private readonly writes: GroupCommit;

  constructor(
    private readonly db: EmbeddedDatabase,
    readonly name: ContainerName,
    readonly partitionKeyField: string,
    private readonly clock: Clock,
  ) {
    // Named literally in query text (see query): only the known container names, which are plain words.
    if (!/^[A-Za-z]+$/.test(name)) throw new PermanentError(`invalid container name '${name}'`);
    this.writes = groupCommitFor(db);
    this.statements = {
      read: db.prepare<[string, string, string, number], Row>(
        `SELECT body, etag, ts FROM documents WHERE container = ? AND pk = ? AND id = ? AND ${liveRow}`,
      ),
      // An expired row that the sweep has not deleted yet is no conflict: it is overwritten, as Cosmos would create anew.
      insert: db.prepare<[string, string, string, string, string, number, number | null, number]>(
        `INSERT INTO documents (container, pk, id, body, etag, ts, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (container, pk, id) DO UPDATE SET body = excluded.body, etag = excluded.etag, ts = excluded.ts, expires_at = excluded.expires_at
         WHERE documents.expires_at IS NOT NULL AND documents.expires_at <= ?`,
      ),
      update: db.prepare('UPDATE documents SET body = ?, etag = ?, ts = ?, expires_at = ? WHERE container = ? AND pk = ? AND id = ?'),
      remove: db.prepare('DELETE FROM documents WHERE container = ? AND pk = ? AND id = ?'),
    };
  }

  async create(document: T): Promise<Stored<T>> {
    return this.writes.write(() => {
      const pk = this.partitionKeyOf(document);
      const { json, stored, expiresAt } = this.written(document);
      const result = this.insert(pk, document.id, json, stored, expiresAt);
      if (result.changes === 0) throw new ConflictError(this.name, document.id);
      return stored;
    });
  }

  async read(id: string, partitionKey: string): Promise<Stored<T> | undefined> {
    const row = this.readLive(partitionKey, id);
    return row ? this.fromRow(row) : undefined;
  }

  async replace(document: T, options: WriteOptions = {}): Promise<Stored<T>> {
    return this.writes.write(() => {
      const pk = this.partitionKeyOf(document);
      const row = this.readLive(pk, document.id);
      if (!row) throw new DocumentNotFoundError(this.name, document.id);
      this.checkEtag(row, document.id, options);
      return this.write(document, pk);
    });
  }

  async upsert(document: T, options: WriteOptions = {}): Promise<Stored<T>> {
    return this.writes.write(() => {
      const pk = this.partitionKeyOf(document);
      const row = this.readLive(pk, document.id);
      if (!row) {
        if (options.ifMatch) throw new PreconditionFailedError(this.name, document.id);
        const { json, stored, expiresAt } = this.written(document);
        this.insert(pk, document.id, json, stored, expiresAt);
        return stored;
      }
      this.checkEtag(row, document.id, options);
      return this.write(document, pk);
    });
  }

  async patch(id: string, partitionKey: string, operations: PatchOperation[], options: WriteOptions = {}): Promise<Stored<T>> {
    return this.writes.write(() => {
      const row = this.readLive(partitionKey, id);
      if (!row) throw new DocumentNotFoundError(this.name, id);
      this.checkEtag(row, id, options);
      const patched = applyPatch(JSON.parse(row.body) as T, operations);
      if (patched.id !== id || this.partitionKeyOf(patched) !== partitionKey) {
        throw new PermanentError(`a patch may not change the id or partition key of '${id}' in '${this.name}'`);
      }
      return this.write(patched, partitionKey);
    });
  }

  async delete(id: string, partitionKey: string, options: WriteOptions = {}): Promise<void> {
    await this.writes.write(() => {
      const row = this.readLive(partitionKey, id);
      if (!row) throw new DocumentNotFoundError(this.name, id);
      this.checkEtag(row, id, options);
      this.statements.remove.run(this.name, partitionKey, id);
    });
  }

  async query(spec: QuerySpec): Promise<QueryPage<T>> {
    const { clause, parameters } = this.whereClause(spec.where);
    // Ties by id in the same direction, and the container named literally: both let SQLite use a
    // sorted index (embeddedIndexes.ts) instead of reading and sorting every document.
    const direction = spec.orderBy?.descending ? 'DESC' : 'ASC';
    const order = spec.orderBy
      ? `ORDER BY json_extract(body, ${jsonPath(spec.orderBy.field)}) ${direction}, id ${direction}`
      : 'ORDER BY pk, id';
    const index = chooseIndex(
      this.name,
      Object.entries(spec.where ?? {})
        .filter(([, value]) => typeof value === 'string')
        .map(([field]) => field),
      spec.orderBy?.field,
    );
    const offset = decodeContinuation(spec.continuationToken);
    const limit = spec.limit ?? -1;
    const rows = this.db
      .prepare<unknown[], Row>(
        `SELECT body, etag, ts FROM documents ${index ? `INDEXED BY ${index}` : ''} WHERE container = '${this.name}' ${clause} ${order} LIMIT ? OFFSET ?`,
      )
      .all(...parameters, limit === -1 ? -1 : limit + 1, offset);
    const hasMore = limit !== -1 && rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    return {
      items: page.map((row) => this.fromRow(row)),
      continuationToken: hasMore ? encodeContinuation(offset + limit) : undefined,
    };
  }

  async count(where?: Record<string, Scalar>): Promise<number> {
    const { clause, parameters } = this.whereClause(where);
    const row = this.db
      .prepare<unknown[], { n: number }>(`SELECT COUNT(*) AS n FROM documents WHERE container = ? ${clause}`)
      .get(this.name, ...parameters);
    return row?.n ?? 0;
  }

  private whereClause(where: Record<string, Scalar> | undefined): { clause: string; parameters: unknown[] } {
    const parts: string[] = [];
    const parameters: unknown[] = [];
    if (canExpire(this.name)) {
      parts.push(liveRow);
      parameters.push(nowSeconds(this.clock));
    }
    for (const [field, value] of Object.entries(where ?? {})) {
      // The partition key is a column of the primary key (always the document's string value): a
      // filter on it walks that key instead of reading every document's JSON, and so does an offset.
      if (field === this.partitionKeyField && typeof value === 'string') {
        parts.push('pk = ?');
        parameters.push(value);
        continue;
      }
      // Type-strict like Cosmos: json_extract turns true into 1, so the JSON type is compared too.
      if (value === null || typeof value === 'boolean') {
        parts.push(`json_type(body, ${jsonPath(field)}) = '${String(value)}'`);
      } else {
        const types = typeof value === 'number' ? `'integer', 'real'` : `'text'`;
        parts.push(`(json_type(body, ${jsonPath(field)}) IN (${types}) AND json_extract(body, ${jsonPath(field)}) = ?)`);
        parameters.push(value);
      }
    }
    return { clause: parts.map((p) => `AND ${p}`).join(' '), parameters };
  }

  private readLive(pk: string, id: string): Row | undefined {
    return this.statements.read.get(this.name, pk, id, nowSeconds(this.clock));
  }

  private insert(pk: string, id: string, json: string, stored: Stored<T>, expiresAt: number | undefined) {
    return this.statements.insert.run(this.name, pk, id, json, stored._etag, stored._ts, expiresAt ?? null, nowSeconds(this.clock));
  }

  private write(document: T, pk: string): Stored<T> {
    const { json, stored, expiresAt } = this.written(document);
    this.statements.update.run(json, stored._etag, stored._ts, expiresAt ?? null, this.name, pk, document.id);
    return stored;
  }

  /** The document as stored (system properties stripped), as returned (fresh etag and _ts), and when it expires. */
  private written(document: T): { json: string; stored: Stored<T>; expiresAt: number | undefined } {
    const { _etag: _staleEtag, _ts: _staleTs, ...body } = document as T & Partial<SystemProperties>;
    void _staleEtag;
    void _staleTs;
    const stored = { ...(body as unknown as T), _etag: `"${randomUUID()}"`, _ts: Math.floor(this.clock.now() / 1000) };
    return { json: JSON.stringify(body), stored, expiresAt: expiresAtSeconds(this.name, stored._ts, body) };
  }

  private fromRow(row: Row): Stored<T> {
    return { ...(JSON.parse(row.body) as T), _etag: row.etag, _ts: row.ts };
  }

  private checkEtag(row: Row, id: string, options: WriteOptions): void {
    if (options.ifMatch !== undefined && options.ifMatch !== row.etag) throw new PreconditionFailedError(this.name, id);
  }

  private partitionKeyOf(document: T): string {
    const value = (document as unknown as Record<string, unknown>)[this.partitionKeyField];
    if (typeof value !== 'string' || value.length === 0) {
      throw new PermanentError(`document '${document.id}' in '${this.name}' has no partition key '${this.partitionKeyField}'`);
    }
    return value;
  }
}

function jsonPath(field: string): string {
  if (!fieldPathPattern.test(field)) throw new PermanentError(`invalid field name in query: '${field}'`);
  return `'$.${field}'`;
}

function encodeContinuation(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodeContinuation(token: string | undefined): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // fall through
  }
  throw new PermanentError('invalid continuation token');
}
