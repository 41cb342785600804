import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { createEmbeddedStore } from '../../../shared/store/embedded/embeddedStore';
import { describeStoreContract } from '../../contract/storeContract';

// Two connections to one SQLite file, as two local worker processes would have.
describeStoreContract('embedded SQLite', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-store-contract-'));
  const first = openEmbeddedDatabase(dataDir);
  const second = openEmbeddedDatabase(dataDir);
  return {
    store: createEmbeddedStore(first),
    peer: createEmbeddedStore(second),
    async close() {
      first.close();
      second.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
