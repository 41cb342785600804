import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Container, Document, Store } from '../../shared/store/port';

/** What an adapter's test file hands the contract: two handles on one set of data, and how to let go of them. */
export interface StoreUnderTest {
  /** The store most specs write through. */
  store: Store;
  /** A second, independent handle on the same data, as another worker process would hold. */
  peer: Store;
  close(): Promise<void>;
}

/** The document shape the specs use: the `risks` container is partitioned on `/organization`. */
export interface ContractDocument extends Document {
  organization: string;
  [field: string]: unknown;
}

export interface ContractSubject {
  attach(store: Store, peer: Store): void;
  readonly store: Store;
  readonly peer: Store;
  /** `risks` on the main store and on the peer. */
  risks(): Container<ContractDocument>;
  peerRisks(): Container<ContractDocument>;
  /** A name no other spec (or earlier run against the same server) uses: ids, partitions, batches. */
  unique(prefix: string): string;
}

export function createContractSubject(): ContractSubject {
  let stores: { store: Store; peer: Store } | undefined;
  const attached = () => {
    if (!stores) throw new Error('the store contract ran a spec before its adapter was opened');
    return stores;
  };
  const run = randomUUID().slice(0, 8);
  let counter = 0;
  return {
    attach(store, peer) {
      stores = { store, peer };
    },
    get store() {
      return attached().store;
    },
    get peer() {
      return attached().peer;
    },
    risks: () => attached().store.container<ContractDocument>('risks'),
    peerRisks: () => attached().peer.container<ContractDocument>('risks'),
    unique: (prefix) => `${prefix}-${run}-${(counter += 1)}`,
  };
}

/** The error a promise was rejected with; fails the spec if it resolved instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail('expected the call to fail, but it succeeded');
}

/** What a stored document must look like: the body written plus an etag and a whole-second `_ts`. */
export function expectStored(stored: unknown, body: object): void {
  expect(stored).toEqual({ ...body, _etag: expect.any(String), _ts: expect.any(Number) });
  const { _etag, _ts } = stored as { _etag: string; _ts: number };
  expect(_etag.length).toBeGreaterThan(0);
  expect(Number.isInteger(_ts)).toBe(true);
}

/** A promise that stays pending until the test opens it: lets a worker hold a claim without sleeping. */
export interface Gate {
  open(): void;
  readonly opened: Promise<void>;
}

export function createGate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** A clock the specs move by hand. */
export class ManualClock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
