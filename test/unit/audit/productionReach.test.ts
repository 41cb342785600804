import { describe, expect, it } from 'vitest';
import { parseAuditedEndpoint } from '../../../shared/audit/auditedEndpoint';
import { mentionsProduction, productionReach } from '../../../shared/audit/productionReach';
import { azureRmEndpoint, genericEndpoint } from '../../support/azureDevOps/serviceConnectionRoutes';

const id = 'a1b2c3d4-0000-4000-8000-000000000001';
const rgScope = '/subscriptions/1272a66f-e2e8-4e88-ab43-487409186c3f/resourcegroups/rg-web';

describe('what counts as reaching production', () => {
  it.each([
    ['prod', true],
    ['contoso-prod-deploy', true],
    ['ContosoProd', true],
    ['PRD_westeurope', true],
    ['Production subscription', true],
    ['pre-prod', true],
    ['web-deploy', false],
    ['product-catalog', false],
    ['preprod', false],
    ['reproduce', false],
  ])('the word in %j is production: %s', (value, expected) => {
    expect(mentionsProduction(value)).toBe(expected);
  });

  it.each([
    {
      why: 'name mentions prod',
      endpoint: azureRmEndpoint({ id, name: 'web-prod', scheme: 'WorkloadIdentityFederation', scopeLevel: 'Subscription', scope: rgScope }),
    },
    {
      why: 'subscription name mentions prod',
      endpoint: azureRmEndpoint({
        id,
        name: 'web',
        scheme: 'WorkloadIdentityFederation',
        scopeLevel: 'Subscription',
        scope: rgScope,
        subscriptionName: 'Contoso Production',
      }),
    },
    {
      why: 'resource group scope mentions prod',
      endpoint: azureRmEndpoint({
        id,
        name: 'web',
        scheme: 'WorkloadIdentityFederation',
        scopeLevel: 'Subscription',
        scope: `${rgScope}-prod`,
      }),
    },
    {
      why: 'subscription-wide Azure scope',
      endpoint: azureRmEndpoint({ id, name: 'web', scheme: 'WorkloadIdentityFederation', scopeLevel: 'Subscription' }),
    },
    {
      why: 'management-group-wide Azure scope',
      endpoint: azureRmEndpoint({ id, name: 'web', scheme: 'WorkloadIdentityFederation', scopeLevel: 'ManagementGroup' }),
    },
  ])('a connection reaches production when its $why', ({ why, endpoint }) => {
    expect(productionReach(parseAuditedEndpoint(endpoint))).toBe(why);
  });

  it('a resource-group connection with neutral names, or a generic one, does not', () => {
    expect(
      productionReach(
        parseAuditedEndpoint(
          azureRmEndpoint({ id, name: 'web', scheme: 'WorkloadIdentityFederation', scopeLevel: 'Subscription', scope: rgScope }),
        ),
      ),
    ).toBeUndefined();
    expect(productionReach(parseAuditedEndpoint(genericEndpoint({ id, name: 'artifacts' })))).toBeUndefined();
  });
});
