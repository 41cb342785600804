/**
 * Run as a child process (`node --import tsx`) by the environment test: opens the Cosmos store the
 * way the app does, from environment variables only, writes and reads a document, counts, and
 * prints one JSON line. TLS trust comes from NODE_EXTRA_CA_CERTS, as it would for any private CA.
 */
import { failureKindOf, messageOf } from '../../shared/errors';
import { openCosmosStoreFromEnvironment } from '../../shared/store/cosmos/cosmosFromEnvironment';

async function main(): Promise<void> {
  const store = await openCosmosStoreFromEnvironment(process.env);
  try {
    const risks = store.container<{ id: string; organization: string }>('risks');
    await risks.create({ id: 'from-environment', organization: 'contoso' });
    const read = await risks.read('from-environment', 'contoso');
    const count = await risks.count({ organization: 'contoso' });
    process.stdout.write(`${JSON.stringify({ read: read?.id, count })}\n`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ failure: failureKindOf(error), message: messageOf(error) })}\n`);
  process.exitCode = 1;
});
