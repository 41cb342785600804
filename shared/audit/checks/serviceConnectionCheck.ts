import type { RiskSeverity } from '../../risks';
import type { EndpointFacts } from '../endpointFacts';

/** One audit check: a pure function of the facts fetched about a service connection. */
export interface ServiceConnectionCheck {
  /** Stable id: the risk's rule is `service-connection/{id}`. */
  id: string;
  /** The risk's title. */
  title: string;
  evaluate(facts: EndpointFacts): CheckOutcome;
}

export type CheckOutcome =
  | { status: 'pass' }
  /** The check does not concern this connection (an Azure check on a GitHub connection). */
  | { status: 'not-applicable' }
  /** The facts it needs could not be read. */
  | { status: 'unevaluated'; reason: string }
  | { status: 'fail'; failure: CheckFailure };

export interface CheckFailure {
  severity: RiskSeverity;
  /** The failing field, as evidence names it: `pipelinePermissions.allPipelines.authorized`. */
  field: string;
  /** What evidence shows: field names and non-secret values only (`allPipelines.authorized = true`). */
  shown: string;
  /** The failing values the fingerprint is taken over: when any of them changes, it is a new sighting. */
  values: string[];
  remediation: string;
  /** False when the failure needs a human to confirm it (its truth lives outside Azure DevOps). Default true. */
  verified?: boolean;
}

export const pass = (): CheckOutcome => ({ status: 'pass' });
export const notApplicable = (): CheckOutcome => ({ status: 'not-applicable' });
export const fail = (failure: CheckFailure): CheckOutcome => ({ status: 'fail', failure });

/** The outcome for a check whose facts could not be read. */
export function unreadable(facts: EndpointFacts, source: keyof EndpointFacts['unreadable']): CheckOutcome {
  return { status: 'unevaluated', reason: facts.unreadable[source] ?? `${source} not read` };
}

export const dayMs = 86_400_000;
