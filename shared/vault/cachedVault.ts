import { type Clock, systemClock } from '../clock';
import type { ManagedVault } from './managedVault';
import { registerVaultValue } from './scrubRegistration';

/**
 * Key Vault is a network call with its own throttling limits, and a webhook or handler reads the
 * same few secrets on every event; a short TTL keeps those reads local while a rotated secret is
 * still picked up within minutes.
 */
export const defaultSecretTtlMs = 5 * 60_000;
/**
 * "Not set" is remembered for less time: it protects the vault from a flood of deliveries for a
 * source that has no secret, yet a secret set afterwards is seen quickly.
 */
export const defaultMissingSecretTtlMs = 30_000;

/**
 * The most names remembered at once. Secret names are built from what deliveries say (an
 * organization's hook secret is looked up before the delivery is authenticated), so without a bound
 * a flood of deliveries naming made-up organizations would grow the cache without end.
 */
export const defaultMaximumCachedNames = 2_000;

export interface VaultCacheOptions {
  clock?: Clock;
  ttlMs?: number;
  missingTtlMs?: number;
  maximumNames?: number;
}

interface CacheEntry {
  value: string | undefined;
  expiresAt: number;
}

/**
 * Caches reads of `inner` for a short time and registers every value it sees (read or written)
 * with the logger, so logs scrub it whichever adapter produced it. Failures are never cached.
 */
export function createCachedVault(inner: ManagedVault, options: VaultCacheOptions = {}): ManagedVault {
  const clock = options.clock ?? systemClock;
  const ttlMs = options.ttlMs ?? defaultSecretTtlMs;
  const missingTtlMs = options.missingTtlMs ?? defaultMissingSecretTtlMs;
  const maximumNames = options.maximumNames ?? defaultMaximumCachedNames;
  const entries = new Map<string, CacheEntry>();
  // Full: the name remembered longest ago goes (a Map iterates in insertion order), in constant time.
  const remember = (key: string, entry: CacheEntry) => {
    entries.delete(key);
    while (entries.size >= maximumNames) entries.delete(entries.keys().next().value as string);
    entries.set(key, entry);
  };
  // One read in flight per name: a burst of events needing the same token makes one vault call.
  const inFlight = new Map<string, Promise<string | undefined>>();
  // Bumped by set and delete, so a read that started before a write cannot cache the old value.
  const generations = new Map<string, number>();

  // Key Vault names are case-insensitive; the local vault follows it.
  const keyOf = (name: string) => name.toLowerCase();
  const generationOf = (key: string) => generations.get(key) ?? 0;
  const invalidate = (key: string) => {
    generations.set(key, generationOf(key) + 1);
    entries.delete(key);
    inFlight.delete(key);
  };

  const read = (key: string, name: string): Promise<string | undefined> => {
    const generation = generationOf(key);
    const pending = inner.getSecret(name).then((value) => {
      if (value !== undefined) registerVaultValue(value);
      if (generationOf(key) === generation) {
        remember(key, { value, expiresAt: clock.now() + (value === undefined ? missingTtlMs : ttlMs) });
      }
      return value;
    });
    const settled = pending.finally(() => {
      if (inFlight.get(key) === settled) inFlight.delete(key);
    });
    inFlight.set(key, settled);
    return settled;
  };

  return {
    description: inner.description,

    async getSecret(name) {
      const key = keyOf(name);
      const cached = entries.get(key);
      if (cached && clock.now() < cached.expiresAt) return cached.value;
      if (cached) entries.delete(key);
      return inFlight.get(key) ?? read(key, name);
    },

    async setSecret(name, value) {
      // Registered before the write: an adapter error quoting the request must already be scrubbed.
      registerVaultValue(value);
      const key = keyOf(name);
      invalidate(key);
      try {
        await inner.setSecret(name, value);
      } finally {
        // Again after the write: a read that started while it was in flight may hold the old value.
        invalidate(key);
      }
      remember(key, { value, expiresAt: clock.now() + ttlMs });
    },

    listSecretNames: () => inner.listSecretNames(),

    async deleteSecret(name) {
      const key = keyOf(name);
      invalidate(key);
      try {
        return await inner.deleteSecret(name);
      } finally {
        // Not cached as missing: the local vault may still answer from its environment fallback.
        invalidate(key);
      }
    },
  };
}
