import { registerSecretValue } from '../logging';
import type { Vault } from './port';

/**
 * The local vault's read-only fallback: secret `hooks-azure-devops` is read from
 * `VIGIL_HOOK_SECRET_AZURE_DEVOPS`, any other secret `name` from `VIGIL_SECRET_<NAME>`
 * (upper case, `-` and `.` as `_`).
 */
export function environmentVariableFor(secretName: string): string {
  const hook = /^hooks-(.+)$/.exec(secretName);
  const suffix = (hook ? hook[1] : secretName).toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return hook ? `VIGIL_HOOK_SECRET_${suffix}` : `VIGIL_SECRET_${suffix}`;
}

export function createEnvironmentVault(env: NodeJS.ProcessEnv = process.env): Vault {
  return {
    async getSecret(name) {
      const value = env[environmentVariableFor(name)];
      if (value === undefined || value === '') return undefined;
      registerSecretValue(value);
      return value;
    },
  };
}
