import type { TeamProjectReference } from 'azure-devops-node-api/interfaces/CoreInterfaces';
import { z } from 'zod';
import { PermanentError, TransientError } from '../errors';
import type { AzureDevOpsTransport } from './azureDevOpsTransport';
import { headerValue } from './retryPolicy';

export type { TeamProjectReference };

/** Who Vigil is in the organization: how its own revisions and comments are told apart from people's. */
export interface AuthenticatedIdentity {
  id: string;
  displayName: string;
}

/** The organization itself: the connection, its projects, and who the credential is. */
export interface ProjectsClient {
  /** `GET _apis/connectionData`: proves the credential works (AzureDevOpsAuthError otherwise). */
  verifyConnection(): Promise<void>;
  /** Every project, page by page (`x-ms-continuationtoken`). */
  listProjects(options?: { pageSize?: number }): AsyncIterable<TeamProjectReference>;
  /** The identity the credential authenticates as (`authenticatedUser` of `_apis/connectionData`); asked once per connection. */
  authenticatedIdentity(): Promise<AuthenticatedIdentity>;
}

const connectionDataSchema = z.object({
  authenticatedUser: z.object({
    id: z.string().min(1),
    providerDisplayName: z.string().optional(),
    customDisplayName: z.string().optional(),
  }),
});

export function createProjectsClient(transport: AzureDevOpsTransport): ProjectsClient {
  let identity: Promise<AuthenticatedIdentity> | undefined;
  return {
    verifyConnection: () => transport.verifyConnection(),
    listProjects: (options = {}) => listProjects(transport, options.pageSize ?? 100),
    authenticatedIdentity: () => {
      // A failed look-up is not kept: the next caller asks again.
      identity ??= readIdentity(transport).catch((error: unknown) => {
        identity = undefined;
        throw error;
      });
      return identity;
    },
  };
}

async function readIdentity(transport: AzureDevOpsTransport): Promise<AuthenticatedIdentity> {
  const answer = await transport.call({ resource: 'connection data' }, () => transport.getJson<unknown>('_apis/connectionData'));
  const parsed = connectionDataSchema.safeParse(answer);
  if (!parsed.success) {
    throw new PermanentError(
      `Azure DevOps answered connection data for organization '${transport.organization}' without the authenticated identity (authenticatedUser.id): check that ${transport.url} is an Azure DevOps organization URL`,
    );
  }
  const user = parsed.data.authenticatedUser;
  return { id: user.id, displayName: user.customDisplayName || user.providerDisplayName || user.id };
}

async function* listProjects(transport: AzureDevOpsTransport, pageSize: number): AsyncIterable<TeamProjectReference> {
  const seen = new Set<string>();
  let continuationToken: string | undefined;
  do {
    const query: Record<string, string> = { $top: String(pageSize) };
    if (continuationToken) query.continuationToken = continuationToken;
    const page = await transport.call({ resource: 'projects' }, () =>
      transport.getJsonWithHeaders<{ value?: TeamProjectReference[] }>('_apis/projects', query),
    );
    yield* page.result.value ?? [];
    continuationToken = headerValue(page.headers, 'x-ms-continuationtoken') || undefined;
    if (continuationToken !== undefined) {
      if (seen.has(continuationToken)) {
        throw new TransientError(
          `Azure DevOps repeated a continuation token while listing projects of organization '${transport.organization}'`,
        );
      }
      seen.add(continuationToken);
    }
  } while (continuationToken);
}
