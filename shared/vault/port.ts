/**
 * Where tokens and shared secrets come from. Secrets are referred to by name everywhere else
 * (organization settings, configuration); only this port ever holds a value.
 */
export interface Vault {
  /** The secret's value, or undefined when it is not set. */
  getSecret(name: string): Promise<string | undefined>;
}

/** The vault secret that holds each webhook source's shared secret (docs/architecture.md, "The local host"). */
export const hookSecretNames = {
  'azure-devops': 'hooks-azure-devops',
  github: 'hooks-github',
  gitlab: 'hooks-gitlab',
} as const;
