import type { UseCaseContext } from '../app';
import type { OrganizationSettings } from '../organizations';
import type { CiProvider } from './providers/ciProvider';
import { loadCiProviders } from './providers/registry';

/** Run `work` with the named provider for one organization, and close the provider afterwards whatever happens. */
export async function withCiProvider<T>(
  name: string,
  organization: OrganizationSettings,
  { services, logger }: Pick<UseCaseContext, 'services' | 'logger'>,
  work: (provider: CiProvider) => Promise<T>,
): Promise<T> {
  const registry = await loadCiProviders(services.config);
  const provider = await registry.create(name, {
    organization,
    vault: services.vault,
    clock: services.clock,
    logger,
    config: services.config,
  });
  try {
    return await work(provider);
  } finally {
    await provider.close?.();
  }
}
