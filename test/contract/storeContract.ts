import { afterAll, beforeAll, describe } from 'vitest';
import { describeDocumentContract } from './storeContractDocuments';
import { describeIdempotencyContract } from './storeContractIdempotency';
import { describePatchContract } from './storeContractPatch';
import { describeQueryContract } from './storeContractQueries';
import { createContractSubject, type StoreUnderTest } from './storeContractSubject';

export type { StoreUnderTest } from './storeContractSubject';

/**
 * The store port's behaviour, written once and run unchanged against every adapter: what the
 * embedded store does locally is what Cosmos DB does in Azure. `open` is called once per adapter
 * and gives two independent handles on the same data (two workers); every spec works in its own
 * partitions and ids, so the specs share one database without seeing each other.
 */
export function describeStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract: ${name}`, () => {
    const subject = createContractSubject();
    let opened: StoreUnderTest | undefined;
    beforeAll(async () => {
      opened = await open();
      subject.attach(opened.store, opened.peer);
    });
    afterAll(async () => {
      await opened?.close();
    });

    describeDocumentContract(subject);
    describePatchContract(subject);
    describeQueryContract(subject);
    describeIdempotencyContract(subject);
  });
}
