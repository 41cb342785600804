import type { AppServices } from '../app';
import { connectAzureDevOps } from '../devops';
import { ConfigurationError } from '../errors';
import type { Logger } from '../logging';
import type { OrganizationSettings } from '../organizations';
import { azureDevOpsPullRequestHost } from './azureDevOpsPullRequestHost';
import { connectGitHub } from './gitHubConnection';
import { gitHubPullRequestHost } from './gitHubPullRequestHost';
import { connectGitLab } from './gitLabConnection';
import { gitLabPullRequestHost } from './gitLabPullRequestHost';
import { type HostSource, hostSources, type PullRequestHost } from './pullRequestHost';
import { tracedHost } from './tracedHost';

/**
 * The one place a host adapter is chosen: by the event's source, from the organization's settings.
 * Its configuration is checked as it is made — the platform's settings present, the token's vault
 * secret there — so a missing one is a ConfigurationError naming the setting and the command that
 * sets it, before any request is sent (the message is parked with that reason).
 */
export async function openPullRequestHost(
  source: string,
  settings: OrganizationSettings,
  services: AppServices,
  logger: Logger,
): Promise<PullRequestHost> {
  return tracedHost(await openHost(source, settings, services, logger), settings.organization);
}

async function openHost(source: string, settings: OrganizationSettings, services: AppServices, logger: Logger): Promise<PullRequestHost> {
  if (!isHostSource(source)) throw new ConfigurationError(`no code host for source '${source}' (Vigil knows ${hostSources.join(', ')})`);
  const scoped = logger.child({ component: source, organization: settings.organization });
  switch (source) {
    case 'azure-devops': {
      const connection = await connectAzureDevOps(settings, {
        vault: services.vault,
        clock: services.clock,
        options: { logger: scoped, verify: false },
      });
      return azureDevOpsPullRequestHost(connection, scoped);
    }
    case 'github':
      return gitHubPullRequestHost(await connectGitHub(settings, services, scoped));
    case 'gitlab':
      return gitLabPullRequestHost(await connectGitLab(settings, services));
  }
}

export function isHostSource(source: string): source is HostSource {
  return (hostSources as readonly string[]).includes(source);
}
