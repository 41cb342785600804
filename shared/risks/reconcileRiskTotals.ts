import { setImmediate } from 'node:timers/promises';
import { messageOf, TransientError } from '../errors';
import type { Logger } from '../logging';
import { isConflict, isNotFound, isPreconditionFailed } from '../store';
import { telemetry } from '../telemetry';
import type { RiskStore } from './riskStore';
import { type RiskTallyStore, TallyCount } from './riskTallies';

/** What reconciling one organization's risk totals did: counts only, never a risk's content. */
export interface RiskTotalsReconciliation {
  organization: string;
  /** Risks counted (on the last attempt). */
  risks: number;
  /** Tally documents rewritten because they differed from the risks. */
  corrected: number;
  /** Single counts (`open.high.leaked-secret`, a week's `opened`) that were off, over those documents. */
  counts: number;
  /** `deferred`: risk writes kept moving the totals while they were counted; the next run tries again. */
  outcome: 'unchanged' | 'corrected' | 'deferred';
  /** Counting passes made: more than one when a risk write won a race with this one. */
  attempts: number;
}

export interface RiskTotalsDependencies {
  risks: Pick<RiskStore, 'page'>;
  tallies: RiskTallyStore;
}

/**
 * Risks read per page. Large, because the embedded store pages by offset and so reads the pages before
 * a page again to reach it; small enough that a page, not the organization's risks, is what is held.
 */
export const riskPageSize = 5_000;

/** Counting passes per organization before a run leaves it to the next one. */
export const reconcileAttempts = 3;

/**
 * Puts one organization's risk totals (`riskTallies`) back to what its risks say: count, compare, and
 * write only the documents that differ, so a run with nothing drifted writes nothing. Used by the
 * `riskTotalsTimer` (hourly) and by `vigil risks rebuild-totals`: one implementation.
 *
 * Concurrent risk writes: the tally documents are read (with their etags) before the risks are counted,
 * and every correction is conditional on that etag (a missing document is created, failing if another
 * writer created it first; a stale week is deleted on its etag). A risk written during the count moves
 * its tally with an `incr` patch that changes the etag, so the correction fails instead of overwriting
 * that move; the organization is then counted again, up to `reconcileAttempts` times, and otherwise left
 * to the next run (`deferred`). What no etag can show: a risk written before it was counted whose move
 * lands only after the correction is counted twice until the next run, which sees the difference and
 * corrects it. The window is the milliseconds between a risk's write and its tally move, and closing it
 * would mean not correcting an organization with steady writes at all (docs/operations.md).
 */
export async function reconcileRiskTotals(
  deps: RiskTotalsDependencies,
  organization: string,
  attempts = reconcileAttempts,
): Promise<RiskTotalsReconciliation> {
  let corrected = 0;
  let counts = 0;
  let risks = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const stored = new Map((await deps.tallies.stored(organization)).map((tally) => [tally.id, tally]));
    const counted = new TallyCount();
    // Page by page, folding each into the counts: memory holds one page of risks, not all of them, and
    // other work gets a turn between pages (the embedded store reads synchronously). A risk created
    // between two pages can shift the embedded store's offsets; its creation also moved the totals, so
    // the etag check below catches that pass like any other race.
    let continuationToken: string | undefined;
    do {
      const page = await deps.risks.page({
        where: { organization },
        limit: riskPageSize,
        ...(continuationToken ? { continuationToken } : {}),
      });
      for (const risk of page.items) counted.add(risk);
      continuationToken = page.continuationToken;
      if (continuationToken) await setImmediate();
    } while (continuationToken);
    risks = counted.risks;
    const expected = counted.result();
    let lostRace = false;
    for (const id of new Set([...expected.keys(), ...stored.keys()])) {
      if (!counted.recountable(id)) continue;
      const want = expected.get(id) ?? {};
      const have = stored.get(id);
      const off = differingCounts(want, have?.counts ?? {});
      if (off === 0) continue;
      try {
        await deps.tallies.rewrite(organization, id, want, have);
      } catch (error) {
        if (!isPreconditionFailed(error) && !isConflict(error) && !isNotFound(error)) throw error;
        lostRace = true;
        break;
      }
      corrected += 1;
      counts += off;
    }
    if (!lostRace) return { organization, risks, corrected, counts, outcome: corrected > 0 ? 'corrected' : 'unchanged', attempts: attempt };
  }
  return { organization, risks, corrected, counts, outcome: 'deferred', attempts };
}

/** How many keys differ between two count maps, a missing key counting as zero. */
function differingCounts(want: Record<string, number>, have: Record<string, number>): number {
  let off = 0;
  for (const key of new Set([...Object.keys(want), ...Object.keys(have)])) if ((want[key] ?? 0) !== (have[key] ?? 0)) off += 1;
  return off;
}

/**
 * Reconciles every organization Vigil knows (or the one named), one at a time: a failure with one is
 * logged and the others still run; the run then fails naming them. Logs one line per organization, with
 * counts only, and counts the documents corrected in `vigil.risks.totals_corrected`.
 */
export async function reconcileAllRiskTotals(
  services: {
    stores: { organizations: { list(): Promise<{ organization: string }[]> }; risks: Pick<RiskStore, 'page'>; riskTallies: RiskTallyStore };
    logger: Logger;
  },
  options: { organization?: string } = {},
): Promise<RiskTotalsReconciliation[]> {
  const organizations = options.organization
    ? [options.organization.toLowerCase()]
    : (await services.stores.organizations.list()).map((o) => o.organization);
  const deps = { risks: services.stores.risks, tallies: services.stores.riskTallies };
  const results: RiskTotalsReconciliation[] = [];
  const failed: string[] = [];
  for (const organization of organizations) {
    try {
      const result = await reconcileRiskTotals(deps, organization);
      results.push(result);
      const fields = { ...result };
      if (result.outcome === 'unchanged') services.logger.info('risk totals checked: nothing had drifted', fields);
      else if (result.outcome === 'corrected') services.logger.warn('risk totals corrected: they had drifted from the risks', fields);
      else services.logger.warn('risk totals left to the next run: risk writes kept moving them while they were counted', fields);
      if (result.corrected > 0) telemetry().count('vigil.risks.totals_corrected', result.corrected);
    } catch (error) {
      failed.push(organization);
      services.logger.error('risk totals could not be reconciled; the next run tries again', { organization, error: messageOf(error) });
    }
  }
  if (failed.length > 0) {
    throw new TransientError(
      `risk totals of ${failed.map((o) => `'${o}'`).join(', ')} could not be reconciled (the log lines before this one say why; the next run, or vigil risks rebuild-totals, tries again)`,
    );
  }
  return results;
}
