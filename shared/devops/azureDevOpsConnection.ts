import type { OrganizationSettings } from '../organizations';
import {
  type AzureDevOpsTransport,
  type AzureDevOpsTransportDependencies,
  type AzureDevOpsTransportOptions,
  openAzureDevOpsTransport,
} from './azureDevOpsTransport';
import { type BuildsClient, createBuildsClient } from './buildsClient';
import { createGitClient, type GitClient } from './gitClient';
import { createHookSubscriptionsClient, type HookSubscriptionsClient } from './hookSubscriptionsClient';
import { createProjectsClient, type ProjectsClient } from './projectsClient';
import { createPullRequestFeedbackClient, type PullRequestFeedbackClient } from './pullRequestFeedbackClient';
import { createServiceEndpointsClient, type ServiceEndpointsClient } from './serviceEndpointsClient';
import { createWorkItemsClient, type WorkItemsClient } from './workItemsClient';

export interface AzureDevOpsConnectionOptions extends AzureDevOpsTransportOptions {
  /** Probe `_apis/connectionData` while connecting (default true). */
  verify?: boolean;
}

export interface AzureDevOpsDependencies extends AzureDevOpsTransportDependencies {
  options?: AzureDevOpsConnectionOptions;
}

/**
 * One organization's Azure DevOps: a client per API area, each created on first use, all sharing
 * one transport (credential, sockets, retries, request count). Functions take the one client they
 * need, so a test fake implements only that area.
 */
export interface AzureDevOpsConnection {
  readonly organization: string;
  /** The organization URL, e.g. `https://dev.azure.com/contoso`. */
  readonly url: string;
  readonly builds: BuildsClient;
  readonly projects: ProjectsClient;
  readonly git: GitClient;
  /** Statuses, threads and comments on pull requests. */
  readonly pullRequestFeedback: PullRequestFeedbackClient;
  readonly serviceEndpoints: ServiceEndpointsClient;
  readonly hookSubscriptions: HookSubscriptionsClient;
  readonly workItems: WorkItemsClient;
  /** Requests sent on this connection, retries included (node-api's one-time route look-ups are not counted). */
  requestCount(): number;
  /** Close kept-alive sockets. */
  close(): void;
}

/** Connect to one organization's Azure DevOps with the auth its settings name; probes the credential unless `options.verify` is false. */
export async function connectAzureDevOps(
  organization: OrganizationSettings,
  deps: AzureDevOpsDependencies,
): Promise<AzureDevOpsConnection> {
  const transport = await openAzureDevOpsTransport(organization, deps);
  if (deps.options?.verify !== false) {
    try {
      await transport.verifyConnection();
    } catch (error) {
      transport.close();
      throw error;
    }
  }
  return new TransportConnection(transport);
}

class TransportConnection implements AzureDevOpsConnection {
  private buildsClient: BuildsClient | undefined;
  private projectsClient: ProjectsClient | undefined;
  private gitClient: GitClient | undefined;
  private feedbackClient: PullRequestFeedbackClient | undefined;
  private serviceEndpointsClient: ServiceEndpointsClient | undefined;
  private hookSubscriptionsClient: HookSubscriptionsClient | undefined;
  private workItemsClient: WorkItemsClient | undefined;

  constructor(private readonly transport: AzureDevOpsTransport) {}

  get organization(): string {
    return this.transport.organization;
  }

  get url(): string {
    return this.transport.url;
  }

  get builds(): BuildsClient {
    return (this.buildsClient ??= createBuildsClient(this.transport));
  }

  get projects(): ProjectsClient {
    return (this.projectsClient ??= createProjectsClient(this.transport));
  }

  get git(): GitClient {
    return (this.gitClient ??= createGitClient(this.transport));
  }

  get pullRequestFeedback(): PullRequestFeedbackClient {
    return (this.feedbackClient ??= createPullRequestFeedbackClient(this.transport));
  }

  get serviceEndpoints(): ServiceEndpointsClient {
    return (this.serviceEndpointsClient ??= createServiceEndpointsClient(this.transport));
  }

  get hookSubscriptions(): HookSubscriptionsClient {
    return (this.hookSubscriptionsClient ??= createHookSubscriptionsClient(this.transport));
  }

  get workItems(): WorkItemsClient {
    return (this.workItemsClient ??= createWorkItemsClient(this.transport));
  }

  requestCount(): number {
    return this.transport.requestCount();
  }

  close(): void {
    this.transport.close();
  }
}
