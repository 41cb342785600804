/** The public surface of vault/: what other folders may import (docs/architecture.md, "Layout"). */
export { createVault } from './createVault';
export { environmentVariableFor } from './environmentVault';
export { fallbackVariableFor } from './local/localVault';
export { requireSecret } from './managedVault';
export type { ManagedVault } from './managedVault';
export { hookSecretNames } from './port';
export type { Vault } from './port';
export { InvalidSecretNameError, isValidSecretName } from './secretRules';
