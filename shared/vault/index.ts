/** The public surface of vault/: what other folders may import (docs/architecture.md, "Layout"). */
export { createVault } from './createVault';
export { environmentVariableFor } from './environmentVault';
export { fallbackVariableFor } from './local/localVault';
export type { ManagedVault } from './managedVault';
export { requireSecret } from './managedVault';
export type { Vault } from './port';
export { hookSecretNames } from './port';
export { InvalidSecretNameError, isValidSecretName } from './secretRules';
