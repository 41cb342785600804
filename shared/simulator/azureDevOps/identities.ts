import type * as http from 'node:http';
import { type LoopbackExtension, sendJson } from './azureDevOpsServer';

/**
 * People and service identities of the loopback Azure DevOps: who a request is made as (the
 * token's own identity, answered by `connectionData`), and who a test acts as when it plays a
 * person editing a work item or replying on a pull request. Written the way Azure DevOps writes
 * them: an IdentityRef object in REST answers, and `Display Name <unique name>` in work item
 * fields of service-hook payloads.
 */
export interface LoopbackIdentity {
  /** A GUID. */
  id: string;
  displayName: string;
  /** An e-mail address or `domain\account`. */
  uniqueName: string;
}

/** The identity the loopback server's own `connectionData` has always answered with, so the default stays the same. */
export const vigilIdentity: LoopbackIdentity = {
  id: 'aaaaaaaa-0000-4000-8000-000000000001',
  displayName: 'Vigil',
  uniqueName: 'vigil@contoso.example',
};

/** A person for tests to act as. */
export function person(displayName: string, id = personId(displayName)): LoopbackIdentity {
  return { id, displayName, uniqueName: `${displayName.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@contoso.example` };
}

function personId(displayName: string): string {
  const hex = Buffer.from(displayName).toString('hex').padEnd(12, '0').slice(0, 12);
  return `bbbbbbbb-0000-4000-8000-${hex}`;
}

/** The IdentityRef object of REST answers. */
export function identityRef(identity: LoopbackIdentity, orgUrl: string) {
  const descriptor = `aad.${Buffer.from(identity.id).toString('base64url')}`;
  return {
    displayName: identity.displayName,
    url: `${orgUrl}/_apis/Identities/${identity.id}`,
    _links: { avatar: { href: `${orgUrl}/_apis/GraphProfile/MemberAvatars/${descriptor}` } },
    id: identity.id,
    uniqueName: identity.uniqueName,
    imageUrl: `${orgUrl}/_api/_common/identityImage?id=${identity.id}`,
    descriptor,
  };
}

/** How an identity field reads in a service-hook payload's work item fields. */
export function identityText(identity: LoopbackIdentity): string {
  return `${identity.displayName} <${identity.uniqueName}>`;
}

/**
 * `GET _apis/connectionData` answered with the token's identity (Vigil's own, by default), so a
 * test can set the id Vigil must recognise as itself. Put it before other extensions.
 */
export function connectionDataRoutes(identity: LoopbackIdentity = vigilIdentity): LoopbackExtension {
  return {
    handle(request, res: http.ServerResponse) {
      if (request.method !== 'GET' || !/^\/_apis\/connectionData\/?$/i.test(request.route)) return false;
      const user = {
        id: identity.id,
        descriptor: `Microsoft.IdentityModel.Claims.ClaimsIdentity;${identity.uniqueName}`,
        providerDisplayName: identity.displayName,
        isActive: true,
        properties: { Account: { $type: 'System.String', $value: identity.uniqueName } },
        resourceVersion: 2,
        metaTypeId: 0,
      };
      sendJson(res, 200, {
        authenticatedUser: user,
        authorizedUser: user,
        instanceId: 'bbbbbbbb-0000-4000-8000-000000000002',
        deploymentId: 'bbbbbbbb-0000-4000-8000-000000000003',
        deploymentType: 'hosted',
        locationServiceData: { serviceOwner: '00025394-6065-48ca-87d9-7f5672854ef7', defaultAccessMappingMoniker: 'PublicAccessMapping' },
      });
      return true;
    },
  };
}
