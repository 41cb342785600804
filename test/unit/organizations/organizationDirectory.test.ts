import { describe, expect, it } from 'vitest';
import { OrganizationDirectory } from '../../../shared/organizations/organizationDirectory';
import type { OrganizationSettings } from '../../../shared/organizations/organizationSettings';
import { openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { createEmbeddedStore } from '../../../shared/store/embedded/embeddedStore';
import { ManualClock } from '../../support/manualClock';

function directory(): OrganizationDirectory {
  const clock = new ManualClock();
  return new OrganizationDirectory(
    createEmbeddedStore(openInMemoryDatabase(), clock).container<OrganizationSettings>('organizations'),
    clock,
  );
}

describe('the organization directory', () => {
  it('keeps both of two alert channels added at the same time', async () => {
    const organizations = directory();
    await organizations.add('contoso', { azureDevOps: { url: 'https://dev.azure.com/contoso', auth: { mode: 'managed-identity' } } });
    await Promise.all([
      organizations.addChannel('contoso', { type: 'teams', urlSecret: 'teams-url' }),
      organizations.addChannel('contoso', { type: 'slack', urlSecret: 'slack-url' }),
    ]);
    expect((await organizations.get('contoso')).alertChannels.map((c) => c.type).sort()).toEqual(['slack', 'teams']);
  });

  it('finds an organization whatever the case of its name', async () => {
    const organizations = directory();
    await organizations.add('Contoso', { github: { tokenSecret: 'gh-token' } });
    expect((await organizations.get('CONTOSO')).organization).toBe('contoso');
  });

  it('applies the Issue work item type and no state overrides by default', async () => {
    const organizations = directory();
    const added = await organizations.add('contoso', { github: { tokenSecret: 'gh-token' } });
    expect(added.workItems).toEqual({ workItemType: 'Issue', stateMapping: {} });
  });
});
