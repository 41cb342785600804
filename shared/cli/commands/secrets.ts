import type { Command } from 'commander';
import { loadConfig, type VigilConfig } from '../../config';
import { printable } from '../../logging';
import type { ManagedVault } from '../../vault';
import { createVault, fallbackVariableFor, InvalidSecretNameError, isValidSecretName } from '../../vault';
import { readSecretValue, type SecretInput } from '../readSecretValue';
import { exitCodes, UsageError } from '../usageError';

export interface SecretsCommandDependencies {
  /** Defaults to the vault the environment configures: Key Vault with KEY_VAULT_URL, else the local vault. */
  openVault?: (config: VigilConfig) => ManagedVault;
  /** Defaults to process.stdin. */
  input?: SecretInput;
}

/**
 * `vigil secrets set|list|delete` (docs/architecture.md, "The `vigil` command"): operators put tokens in the vault by name, and
 * organization settings refer to those names. Values come in on stdin or a hidden prompt and are
 * never printed, not even in errors.
 */
export function registerSecretsCommand(program: Command, dependencies: SecretsCommandDependencies = {}): void {
  const open = () => {
    const config = loadConfig(process.env);
    return { config, vault: (dependencies.openVault ?? createVault)(config) };
  };

  const secrets = program
    .command('secrets')
    .description('tokens and shared secrets in the vault (Key Vault with KEY_VAULT_URL, else the local encrypted vault)');

  secrets
    .command('set')
    .description('store a secret; the value is read from stdin, or from a hidden prompt on a terminal')
    .argument('<name>', "secret name: 1-127 letters, digits and '-', e.g. ado-pat-contoso")
    .allowExcessArguments(true) // so a value typed after the name gets a clear refusal, not a generic one
    .action(async (name: string, _options: unknown, command: Command) => {
      if (command.args.length > 1) {
        throw new UsageError(
          `secrets set takes only a name: the value is read from stdin or a hidden prompt, never from the command line ` +
            `(a value typed there may now be in your shell history: rotate it)`,
        );
      }
      assertName(name);
      // Configuration first: nobody should type a token only to learn that a setting is wrong.
      const { vault } = open();
      // process.stdin is touched only here: creating it for every `vigil` command would be wasted work.
      const input = dependencies.input ?? process.stdin;
      const value = await readSecretValue(`value for secret '${name}' (input hidden): `, input, process.stderr);
      if (value === '') {
        throw new UsageError(`empty value for secret '${name}': pipe it on stdin, e.g. printf '%s' "$TOKEN" | vigil secrets set ${name}`);
      }
      await vault.setSecret(name, value);
      process.stdout.write(`stored secret '${name}' in ${vault.description}\n`);
    });

  secrets
    .command('list')
    .description('list secret names (never values)')
    .option('--json', 'print {"secrets":[names]}')
    .action(async (options: { json?: boolean }) => {
      const { vault } = open();
      const names = await vault.listSecretNames();
      if (options.json) return void process.stdout.write(`${JSON.stringify({ secrets: names })}\n`);
      if (names.length === 0) return void process.stderr.write(`no secrets in ${vault.description}\n`);
      process.stdout.write(names.map((name) => printable`${name}\n`).join(''));
    });

  secrets
    .command('delete')
    .description('delete a secret')
    .argument('<name>', 'secret name')
    .action(async (name: string) => {
      assertName(name);
      const { config, vault } = open();
      if (await vault.deleteSecret(name)) {
        // Key Vault soft-deletes: the name stays taken until the secret is purged or its retention ends.
        const softDeleted =
          config.vaultBackend === 'key-vault' ? ' (recoverable until purged; the name cannot be set again before that)' : '';
        process.stdout.write(`deleted secret '${name}' from ${vault.description}${softDeleted}\n`);
        return;
      }
      const variable = fallbackVariableFor(name);
      const fromEnvironment = config.vaultBackend === 'local' && Boolean(process.env[variable]);
      process.stderr.write(
        `vigil: no secret '${name}' in ${vault.description}` +
          (fromEnvironment ? ` (its value comes from the environment variable ${variable}: unset it there)` : '') +
          '\n',
      );
      process.exitCode = exitCodes.failure;
    });
}

function assertName(name: string): void {
  if (!isValidSecretName(name)) throw new UsageError(new InvalidSecretNameError(name).message);
}
