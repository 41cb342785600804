import { ConfigurationError, PermanentError } from '../errors';

/** How an organization authenticates to Azure DevOps, as named in its settings (never the token). */
export type AzureDevOpsAuthDescription = { mode: 'pat'; tokenSecret: string } | { mode: 'managed-identity' };

/**
 * Azure DevOps refused the credentials: a 401, a 203 with the HTML sign-in page, or an answer
 * that is not JSON where JSON was due. Retrying cannot help until an operator fixes the token or
 * the identity's access, so it is a configuration error naming the organization and the setting.
 */
export class AzureDevOpsAuthError extends ConfigurationError {
  constructor(
    readonly organization: string,
    readonly auth: AzureDevOpsAuthDescription,
    readonly statusCode: number | undefined,
    detail?: string,
  ) {
    super(authErrorMessage(organization, auth, statusCode, detail));
  }
}

export function authErrorMessage(
  organization: string,
  auth: AzureDevOpsAuthDescription,
  statusCode: number | undefined,
  detail?: string,
): string {
  const how = auth.mode === 'pat' ? `auth pat, secret '${auth.tokenSecret}'` : 'auth managed-identity';
  const answer = detail ?? (statusCode === undefined ? 'no usable answer' : `HTTP ${statusCode}`);
  const fix =
    auth.mode === 'pat'
      ? "check the PAT's scopes and expiry"
      : "check that the app's managed identity is added to the organization with access to its projects";
  return `Azure DevOps rejected the credentials for organization '${organization}' (${how}; ${answer}): ${fix}`;
}

/**
 * Azure DevOps refused a write because what it would change is not what the caller read: a 409, or
 * a 412 when a precondition (`If-Match`, a JSON Patch `test` of `/rev`) no longer holds. Re-reading
 * and writing again can succeed, so callers that write with a precondition catch this and do so.
 * Unhandled, it is permanent, as every other 4xx is.
 */
export class AzureDevOpsConflictError extends PermanentError {
  constructor(
    readonly organization: string,
    readonly resource: string,
    readonly statusCode: 409 | 412,
    detail: string,
  ) {
    super(
      `Azure DevOps refused the request for ${resource} in organization '${organization}' (HTTP ${statusCode}): ${detail} (it changed since it was read: read it again before writing)`,
    );
  }
}

/**
 * Azure DevOps refused a work item request for what it asked (400, 403 or 404): an unknown work
 * item type, area path or project, a required field left empty, a value outside a field's list,
 * no permission. `code` is Azure DevOps' own (`TF401347`, `VS402323`) when its message starts with
 * one, so a caller can tell which setting is wrong; the message is the server's.
 */
export class WorkItemRequestRefusedError extends PermanentError {
  constructor(
    readonly organization: string,
    readonly resource: string,
    readonly statusCode: 400 | 403 | 404,
    readonly code: string | undefined,
    readonly serverMessage: string,
  ) {
    super(`Azure DevOps refused the request for ${resource} in organization '${organization}' (HTTP ${statusCode}): ${serverMessage}`);
  }
}

/**
 * Azure DevOps refused the request (HTTP 403): the identity lacks a permission or the PAT a scope.
 * Permanent, as every other 4xx; callers that know what they were doing (writing pull request
 * feedback) catch it to say which permission is missing.
 */
export class AzureDevOpsForbiddenError extends PermanentError {
  constructor(
    readonly organization: string,
    readonly resource: string,
  ) {
    super(
      `Azure DevOps refused access to ${resource} in organization '${organization}' (HTTP 403): grant the identity the permission or the PAT the scope it needs`,
    );
  }
}
