import { createCosmosStore } from '../../../shared/store/cosmos/cosmosStore';
import { describeStoreContract } from '../../contract/storeContract';
import { startCosmosServer } from '../../support/cosmosServer';

// The real @azure/cosmos SDK against @vercel/cosmosdb-server on loopback HTTPS. Two stores are two
// SDK clients, as two function instances would have; the first creates the database and containers.
describeStoreContract('Cosmos DB (@azure/cosmos against the loopback stand-in)', async () => {
  const server = await startCosmosServer();
  const settings = server.settings();
  const store = await createCosmosStore(settings);
  const peer = await createCosmosStore({ ...settings, createIfMissing: false });
  return {
    store,
    peer,
    async close() {
      await Promise.all([store.close(), peer.close()]);
      await server.close();
    },
  };
});
