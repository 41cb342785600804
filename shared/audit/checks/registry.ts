import { classicAzure } from './classicAzure';
import { clientSecret } from './clientSecret';
import { inactive } from './inactive';
import { insecureAuthScheme } from './insecureAuthScheme';
import { noApprovalOrBranchControl } from './noApprovalOrBranchControl';
import { openToAllPipelines } from './openToAllPipelines';
import type { ServiceConnectionCheck } from './serviceConnectionCheck';
import { sharedAcrossProjects } from './sharedAcrossProjects';
import { subscriptionWideScope } from './subscriptionWideScope';

/** Every check the audit runs, in the order of the notes' ranking (docs/audit.md describes each). */
export const serviceConnectionChecks: readonly ServiceConnectionCheck[] = [
  openToAllPipelines,
  clientSecret,
  classicAzure,
  subscriptionWideScope,
  sharedAcrossProjects,
  inactive,
  noApprovalOrBranchControl,
  insecureAuthScheme,
];
