import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TransientError } from '../../../shared/errors';
import { reconcileRiskTotals } from '../../../shared/risks/reconcileRiskTotals';
import type { Risk } from '../../../shared/risks/risk';
import { RiskStore } from '../../../shared/risks/riskStore';
import { type RiskTally, RiskTallyStore } from '../../../shared/risks/riskTallies';
import { createCosmosStore } from '../../../shared/store/cosmos/cosmosStore';
import type { Store } from '../../../shared/store/port';
import { startCosmosServer } from '../../support/cosmosServer';
import { ManualClock } from '../../support/manualClock';
import { leakedTokenSighting as sighting } from '../../support/riskSightings';

/**
 * The risk totals' reconcile through the real @azure/cosmos SDK against the loopback stand-in: paging by
 * continuation token, etag-conditional replace, conditional create, and a risk write racing the count.
 */
let server: Awaited<ReturnType<typeof startCosmosServer>>;
let store: Store;
let risks: RiskStore;
let tallies: RiskTallyStore;

beforeAll(async () => {
  server = await startCosmosServer();
  store = await createCosmosStore(server.settings());
  const clock = new ManualClock();
  tallies = new RiskTallyStore(store.container<RiskTally>('riskTallies'), clock);
  risks = new RiskStore(store.container<Risk>('risks'), clock, tallies);
});

afterAll(async () => {
  await store?.close();
  await server?.close();
});

const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));

async function totalsAndFullCount(): Promise<[Record<string, number>, Record<string, number>]> {
  const counted: Record<string, number> = {};
  for (const risk of await risks.list({ organization: 'contoso' })) {
    const key = `${risk.status}.${risk.severity}.${risk.kind}`;
    counted[key] = (counted[key] ?? 0) + 1;
  }
  return [nonZero((await tallies.current('contoso'))[0]?.counts ?? {}), counted];
}

describe('the risk totals reconcile on Cosmos DB', () => {
  it('corrects totals left off by a failed tally move, then writes nothing on a second run', async () => {
    const { risk } = await risks.record(sighting('build:1:log:1:line:1', 'fp-a'));
    await risks.record(sighting('build:1:log:1:line:2', 'fp-b'));
    vi.spyOn(tallies.tallies, 'patch').mockRejectedValueOnce(new TransientError('the store is unreachable (injected)'));
    await risks.triage('contoso', risk.id, { status: 'resolved', reason: 'rotated', by: 'Dana', source: 'cli' });
    vi.restoreAllMocks();
    const [before, full] = await totalsAndFullCount();
    expect(before).not.toEqual(full);

    expect(await reconcileRiskTotals({ risks, tallies }, 'contoso')).toMatchObject({ risks: 2, outcome: 'corrected', attempts: 1 });
    const [after, fullAfter] = await totalsAndFullCount();
    expect(after).toEqual(fullAfter);

    const etags = (await tallies.stored('contoso')).map((t) => [t.id, t._etag]);
    expect(await reconcileRiskTotals({ risks, tallies }, 'contoso')).toMatchObject({ corrected: 0, outcome: 'unchanged' });
    expect((await tallies.stored('contoso')).map((t) => [t.id, t._etag])).toEqual(etags);
  });

  it('counts again when a risk is written while the risks are counted, reading them in pages', async () => {
    await tallies.tallies.patch('current', 'contoso', [{ op: 'incr', path: '/counts/open.high.leaked-secret', value: 5 }]);
    let raced = false;
    const racing = {
      page: async (spec: Parameters<RiskStore['page']>[0]) => {
        const page = await risks.page({ ...spec, limit: 1 }); // one risk a page: the continuation token is used
        if (!raced) {
          raced = true;
          await risks.record(sighting('build:2:log:1:line:1', 'fp-race'));
        }
        return page;
      },
    };

    expect(await reconcileRiskTotals({ risks: racing, tallies }, 'contoso')).toMatchObject({ risks: 3, outcome: 'corrected', attempts: 2 });
    const [after, full] = await totalsAndFullCount();
    expect(after).toEqual(full);
  });
});
