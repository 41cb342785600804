import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAppServices } from '../../../shared/app/services';
import { loadConfig } from '../../../shared/config';
import { PermanentError } from '../../../shared/errors';
import type { DeliveryDocument, DeliveryRecord } from '../../../shared/events';
import { countDeliveries, findDelivery } from '../../../shared/events';
import { createLogger } from '../../../shared/logging/logger';
import { CiContextSchema } from '../../../shared/sarif/ciContext';
import { type SarifUploadChunk, SarifUploadStore, uploadIdOf } from '../../../shared/sarif/sarifUploads';
import { type EmbeddedDatabase, openEmbeddedDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { sweepExpiredDocuments } from '../../../shared/store/embedded/embeddedExpiry';
import { createEmbeddedStore } from '../../../shared/store/embedded/embeddedStore';
import { firstSweepDelayMs, startExpirySweeper } from '../../../shared/store/embedded/expirySweeper';
import type { Store } from '../../../shared/store/port';
import { timeToLiveSeconds } from '../../../shared/store/timeToLive';
import { ManualClock } from '../../support/manualClock';

/**
 * The embedded store expires documents the way Cosmos DB does in Azure (docs/operations.md, "How long data is kept"):
 * past its time to live a document is gone for reads, queries, counts and writes at once, and the sweep deletes its row
 * later, in batches. Every spec moves a manual clock; none sleeps.
 */
const second = 1_000;
const day = 86_400 * second;
const deliveriesTtlMs = timeToLiveSeconds.deliveries * second;

interface TestDocument {
  id: string;
  source: string;
  ttl?: number;
  [field: string]: unknown;
}

let dataDir: string;
let db: EmbeddedDatabase;
let clock: ManualClock;
let store: Store;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-expiry-'));
  db = openEmbeddedDatabase(dataDir);
  clock = new ManualClock();
  store = createEmbeddedStore(db, clock);
});

afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function rowsOf(container: string): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM documents WHERE container = ?').get(container) as { n: number }).n;
}

const deliveries = () => store.container<DeliveryDocument>('deliveries');
const documents = () => store.container<TestDocument>('deliveries');

function delivery(eventId: string): DeliveryRecord {
  return {
    id: eventId,
    source: 'github',
    eventId,
    type: 'push',
    receivedAt: new Date(clock.now()).toISOString(),
    outcome: 'accepted',
    queues: ['repo-scan'],
  };
}

describe('a document past its time to live', () => {
  it('is found until its TTL ends and not from that second on, by read, query and count, before the sweep deletes it', async () => {
    await deliveries().create(delivery('d-1'));
    clock.advance(deliveriesTtlMs - second);
    expect(await findDelivery(deliveries(), 'github', 'd-1')).toBeDefined();
    expect((await countDeliveries(deliveries())).accepted).toBe(1);

    clock.advance(second);
    expect(await findDelivery(deliveries(), 'github', 'd-1')).toBeUndefined();
    expect((await deliveries().query({ where: { outcome: 'accepted' } })).items).toEqual([]);
    expect(await deliveries().count()).toBe(0);
    expect((await countDeliveries(deliveries())).accepted).toBe(0);
    // Hidden at once, deleted later: the row is still there until the sweep.
    expect(rowsOf('deliveries')).toBe(1);

    expect(await sweepExpiredDocuments(db, clock)).toBe(1);
    expect(rowsOf('deliveries')).toBe(0);
  });

  it('lives from its last write: a document written again starts its TTL again', async () => {
    await deliveries().create(delivery('d-2'));
    clock.advance(20 * day);
    await deliveries().patch('d-2', 'github', [{ op: 'incr', path: '/duplicates', value: 1 }]);
    clock.advance(20 * day);
    expect(await deliveries().read('d-2', 'github')).toMatchObject({ duplicates: 1 });
    expect(await sweepExpiredDocuments(db, clock)).toBe(0);
    clock.advance(10 * day);
    expect(await deliveries().read('d-2', 'github')).toBeUndefined();
  });

  it('is gone for writes too: its id can be created again, and replace, patch and delete find nothing', async () => {
    await deliveries().create(delivery('d-3'));
    clock.advance(deliveriesTtlMs);
    await expect(deliveries().replace(delivery('d-3'))).rejects.toMatchObject({ name: 'DocumentNotFoundError' });
    await expect(deliveries().patch('d-3', 'github', [{ op: 'set', path: '/type', value: 'x' }])).rejects.toMatchObject({
      name: 'DocumentNotFoundError',
    });
    await expect(deliveries().delete('d-3', 'github')).rejects.toMatchObject({ name: 'DocumentNotFoundError' });
    // The webhook records a redelivery that comes after the record expired as a new delivery, as it would in Cosmos DB.
    await expect(deliveries().create({ ...delivery('d-3'), type: 'again' })).resolves.toMatchObject({ type: 'again' });
    expect(await deliveries().read('d-3', 'github')).toMatchObject({ type: 'again' });
    expect(await sweepExpiredDocuments(db, clock)).toBe(0);
  });

  it('can be upserted anew, and its id is no longer a conflict', async () => {
    await deliveries().create(delivery('d-4'));
    clock.advance(deliveriesTtlMs + day);
    await deliveries().upsert({ ...delivery('d-4'), type: 'fresh' });
    await expect(deliveries().create(delivery('d-4'))).rejects.toMatchObject({ name: 'ConflictError' });
    expect(await deliveries().read('d-4', 'github')).toMatchObject({ type: 'fresh' });
  });
});

describe("a document's own ttl", () => {
  it('-1 keeps the document past its container TTL, and the sweep leaves it', async () => {
    await documents().create({ id: 'kept', source: 'github', ttl: -1 });
    await documents().create({ id: 'default', source: 'github' });
    clock.advance(365 * day);
    expect(await documents().read('kept', 'github')).toMatchObject({ ttl: -1 });
    expect(await documents().read('default', 'github')).toBeUndefined();
    expect(await sweepExpiredDocuments(db, clock)).toBe(1);
    expect(await documents().read('kept', 'github')).toBeDefined();
  });

  it('shorter than the container TTL wins over it', async () => {
    await documents().create({ id: 'short', source: 'github', ttl: 60 });
    clock.advance(59 * second);
    expect(await documents().read('short', 'github')).toBeDefined();
    clock.advance(second);
    expect(await documents().read('short', 'github')).toBeUndefined();
  });

  it('set by a patch takes effect from that write', async () => {
    await documents().create({ id: 'patched', source: 'github' });
    await documents().patch('patched', 'github', [{ op: 'set', path: '/ttl', value: -1 }]);
    clock.advance(deliveriesTtlMs * 2);
    expect(await documents().read('patched', 'github')).toBeDefined();
  });

  it('is refused when Cosmos DB would refuse it (0, a fraction, a string), naming the document and what a ttl may be', async () => {
    for (const ttl of [0, 1.5, '60', -2]) {
      const error = await documents()
        .create({ id: `bad-${String(ttl)}`, source: 'github', ttl: ttl as number })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect((error as Error).message).toMatch(/ttl .* is -1 \(never expires\) or a whole number of seconds/);
    }
    expect(rowsOf('deliveries')).toBe(0);
  });

  it('is ignored in a container with TTL off, as in Cosmos DB: risks are kept for ever', async () => {
    const risks = store.container<{ id: string; organization: string; ttl: number }>('risks');
    await risks.create({ id: 'r-1', organization: 'contoso', ttl: 1 });
    clock.advance(10 * 365 * day);
    expect(await risks.read('r-1', 'contoso')).toBeDefined();
    expect(await risks.count()).toBe(1);
    expect(await sweepExpiredDocuments(db, clock)).toBe(0);
  });
});

describe('a SARIF upload', () => {
  const context = CiContextSchema.parse({
    organization: 'contoso',
    source: 'github',
    repository: 'web',
    commit: 'a'.repeat(40),
    branch: 'main',
    tool: 'semgrep',
  });

  it('expires on its chunks’ own TTL, 7 days after it was posted, when no handler read it', async () => {
    const uploads = new SarifUploadStore(store.container<SarifUploadChunk>('sarifUploads'));
    const body = Buffer.from(JSON.stringify({ version: '2.1.0', runs: [] }));
    const uploadId = uploadIdOf(context, body);
    await uploads.put(uploadId, context, body, new Date(clock.now()).toISOString());
    const [chunk] = (await store.container<SarifUploadChunk>('sarifUploads').query({})).items;
    expect(chunk.ttl).toBe(timeToLiveSeconds.sarifUploads);

    const read = async () => {
      const upload = await uploads.open('contoso', uploadId);
      if (!upload) return undefined;
      const pieces: Buffer[] = [];
      for await (const piece of upload.bytes()) pieces.push(piece);
      return Buffer.concat(pieces);
    };
    clock.advance(timeToLiveSeconds.sarifUploads * second - second);
    expect((await read())?.equals(body)).toBe(true);
    clock.advance(second);
    expect(await read()).toBeUndefined();
    expect(await sweepExpiredDocuments(db, clock)).toBe(1);
    expect(rowsOf('sarifUploads')).toBe(0);
  });
});

describe('the sweep', () => {
  async function expiredDeliveries(count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, (_, i) => deliveries().create(delivery(`old-${i}`))));
    clock.advance(deliveriesTtlMs);
  }

  it('deletes in batches of its size, and no more batches than it is allowed per call', async () => {
    await expiredDeliveries(250);
    expect(await sweepExpiredDocuments(db, clock, { batchSize: 100, maxBatches: 2 })).toBe(200);
    expect(rowsOf('deliveries')).toBe(50);
    expect(await sweepExpiredDocuments(db, clock, { batchSize: 100, maxBatches: 2 })).toBe(50);
    expect(rowsOf('deliveries')).toBe(0);
  });

  it('lets a write made while it runs commit between its batches, long before the sweep ends', async () => {
    await expiredDeliveries(1_000);
    const sweep = sweepExpiredDocuments(db, clock, { batchSize: 100 });
    const written = deliveries()
      .create(delivery('new'))
      .then(() => rowsOf('deliveries'));
    // When the write is answered, at most one batch has gone: the other 900 expired rows (and the new one) remain.
    expect(await written).toBeGreaterThanOrEqual(901);
    expect(await sweep).toBe(1_000);
    expect(rowsOf('deliveries')).toBe(1);
    expect(await findDelivery(deliveries(), 'github', 'new')).toBeDefined();
  });

  it("runs on the local host's schedule, soon after start and then at its interval, and stop waits for it", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] });
    try {
      await expiredDeliveries(3);
      const sweeper = startExpirySweeper(db, clock, createLogger({ sink: { write: () => undefined } }), { intervalMs: 60_000 });
      await vi.advanceTimersByTimeAsync(firstSweepDelayMs - 1);
      expect(rowsOf('deliveries')).toBe(3);
      await vi.advanceTimersByTimeAsync(1);
      await sweeper.stop();
      expect(rowsOf('deliveries')).toBe(0);

      // Documents that expire after the first run are deleted by the next, one interval on; after stop nothing runs.
      const again = startExpirySweeper(db, clock, createLogger({ sink: { write: () => undefined } }), { intervalMs: 60_000 });
      await vi.advanceTimersByTimeAsync(firstSweepDelayMs);
      await expiredDeliveries(2);
      await vi.advanceTimersByTimeAsync(60_000 - firstSweepDelayMs - 1);
      expect(rowsOf('deliveries')).toBe(2);
      await vi.advanceTimersByTimeAsync(1);
      await again.stop();
      expect(rowsOf('deliveries')).toBe(0);
      await expiredDeliveries(1);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(rowsOf('deliveries')).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the local host's services", () => {
  it('sweep the embedded store when built for a long-running host, and stop sweeping when closed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] });
    const hostDir = mkdtempSync(join(tmpdir(), 'vigil-expiry-host-'));
    try {
      const services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: hostDir }), {
        clock,
        expirySweeps: true,
        logger: createLogger({ sink: { write: () => undefined } }),
      });
      const peer = openEmbeddedDatabase(hostDir);
      const rows = () => (peer.prepare("SELECT COUNT(*) AS n FROM documents WHERE container = 'deliveries'").get() as { n: number }).n;
      try {
        await services.stores.deliveries.create(delivery('hosted'));
        clock.advance(deliveriesTtlMs);
        expect(rows()).toBe(1);
        await vi.advanceTimersByTimeAsync(firstSweepDelayMs);
        expect(rows()).toBe(0);
        await services.close();
        // No sweep left scheduled on the closed database.
        expect(vi.getTimerCount()).toBe(0);
      } finally {
        peer.close();
      }
    } finally {
      vi.useRealTimers();
      rmSync(hostDir, { recursive: true, force: true });
    }
  });
});

describe('a database written before expiry existed', () => {
  it('gets the expiry of every row when it is opened, each from its last write and own ttl', async () => {
    const oldDir = mkdtempSync(join(tmpdir(), 'vigil-expiry-old-'));
    const old = openEmbeddedDatabase(oldDir);
    try {
      // The table as earlier versions created it, with rows 40 days old and 1 day old.
      old.exec(`CREATE TABLE documents (container TEXT NOT NULL, pk TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
        etag TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (container, pk, id)) WITHOUT ROWID`);
      const nowS = Math.floor(clock.now() / 1000);
      const insert = old.prepare('INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)');
      const row = (container: string, pk: string, id: string, body: object, ageDays: number) =>
        insert.run(container, pk, id, JSON.stringify({ id, ...body }), '"e"', nowS - ageDays * 86_400);
      row('deliveries', 'github', 'old', { source: 'github' }, 40);
      row('deliveries', 'github', 'recent', { source: 'github' }, 1);
      row('deliveries', 'github', 'kept', { source: 'github', ttl: -1 }, 40);
      row('journeys', 'old', 'hop', { rootDeliveryId: 'old' }, 40);
      row('risks', 'contoso', 'risk', { organization: 'contoso' }, 400);

      const opened = createEmbeddedStore(old, clock);
      const read = (container: 'deliveries' | 'journeys' | 'risks', id: string, pk: string) =>
        opened.container<TestDocument>(container).read(id, pk);
      expect(await read('deliveries', 'old', 'github')).toBeUndefined();
      expect(await read('journeys', 'hop', 'old')).toBeUndefined();
      expect(await read('deliveries', 'recent', 'github')).toBeDefined();
      expect(await read('deliveries', 'kept', 'github')).toBeDefined();
      expect(await read('risks', 'risk', 'contoso')).toBeDefined();
      expect(await sweepExpiredDocuments(old, clock)).toBe(2);

      // Opening it again (the CLI beside the host) changes nothing.
      createEmbeddedStore(old, clock);
      expect(await read('deliveries', 'recent', 'github')).toBeDefined();
    } finally {
      old.close();
      rmSync(oldDir, { recursive: true, force: true });
    }
  });

  it("applies a container's changed default TTL to the rows it already holds, as Cosmos DB does", async () => {
    await deliveries().create(delivery('d-5'));
    // As if the rows had been written by a version that kept deliveries one day.
    db.prepare("UPDATE document_ttl SET default_ttl = 86400 WHERE container = 'deliveries'").run();
    db.prepare("UPDATE documents SET expires_at = ts + 86400 WHERE container = 'deliveries'").run();
    clock.advance(2 * day);
    expect(await deliveries().read('d-5', 'github')).toBeUndefined();
    const reopened = createEmbeddedStore(db, clock);
    expect(await reopened.container<DeliveryDocument>('deliveries').read('d-5', 'github')).toBeDefined();
  });
});
