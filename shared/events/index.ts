/** The public surface of events/: what other folders may import (docs/architecture.md, "Layout"). */

export { maxSarifBodyBytes } from './ciResults';
export type { DeliveryDocument, DeliveryRecord, RefusedDeliveryHop } from './deliveryLog';
export { countDeliveries, deliveryDocumentId, findDelivery } from './deliveryLog';
export type { EventEnvelope, WebhookSource } from './envelope';
export { EventEnvelopeSchema, webhookSources } from './envelope';
export { organizationHookSecretName } from './hookSecrets';
export { ParkedDeliveryBodySchema } from './parkedDelivery';
export { maxWebhookBodyBytes } from './receiveWebhook';
export { azureDevOpsSource } from './sources/azureDevOps';
export { githubSource } from './sources/github';
export { signGitHubPayload } from './sources/githubSignature';
export { gitlabSource } from './sources/gitlab';
export { handleWebhookRequest } from './webhookFunction';
