import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../shared/clock';
import { TransientError } from '../../../shared/errors';
import { scrubSecrets } from '../../../shared/logging/logger';
import { createCachedVault, defaultMissingSecretTtlMs, defaultSecretTtlMs } from '../../../shared/vault/cachedVault';
import type { ManagedVault } from '../../../shared/vault/managedVault';

const token = () => `tok-${randomBytes(18).toString('base64url')}`;

class ManualClock implements Clock {
  constructor(private time = 1_700_000_000_000) {}
  now() {
    return this.time;
  }
  advance(ms: number) {
    this.time += ms;
  }
}

/** An in-memory vault that counts reads; `hold` makes reads wait until released, to interleave operations. */
function countingVault(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  const reads: string[] = [];
  let failNextRead: Error | undefined;
  let held: Array<() => void> | undefined;
  const vault: ManagedVault = {
    description: 'test vault',
    async getSecret(name) {
      reads.push(name);
      const snapshot = values.get(name);
      if (held) await new Promise<void>((resolve) => held!.push(resolve));
      if (failNextRead) {
        const failure = failNextRead;
        failNextRead = undefined;
        throw failure;
      }
      return snapshot;
    },
    async setSecret(name, value) {
      values.set(name, value);
    },
    async listSecretNames() {
      return [...values.keys()].sort();
    },
    async deleteSecret(name) {
      return values.delete(name);
    },
  };
  return {
    vault,
    values,
    reads,
    failNext: (error: Error) => void (failNextRead = error),
    hold: () => void (held = []),
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const resume of waiting) resume();
    },
  };
}

describe('cached vault', () => {
  it('serves repeated reads from memory until the TTL passes', async () => {
    const value = token();
    const inner = countingVault({ 'ado-pat': value });
    const clock = new ManualClock();
    const vault = createCachedVault(inner.vault, { clock });

    expect(await vault.getSecret('ado-pat')).toBe(value);
    clock.advance(defaultSecretTtlMs - 1);
    expect(await vault.getSecret('ADO-PAT')).toBe(value); // same entry: names are case-insensitive
    expect(inner.reads).toHaveLength(1);

    const rotated = token();
    inner.values.set('ado-pat', rotated);
    clock.advance(1);
    expect(await vault.getSecret('ado-pat')).toBe(rotated);
    expect(inner.reads).toHaveLength(2);
  });

  it('remembers "not set" for a shorter time', async () => {
    const inner = countingVault();
    const clock = new ManualClock();
    const vault = createCachedVault(inner.vault, { clock });
    expect(await vault.getSecret('hooks-github')).toBeUndefined();
    expect(await vault.getSecret('hooks-github')).toBeUndefined();
    expect(inner.reads).toHaveLength(1);

    const value = token();
    inner.values.set('hooks-github', value);
    clock.advance(defaultMissingSecretTtlMs);
    expect(await vault.getSecret('hooks-github')).toBe(value);
  });

  it('makes one inner read for concurrent reads of the same name', async () => {
    const value = token();
    const inner = countingVault({ 'ado-pat': value });
    const vault = createCachedVault(inner.vault, { clock: new ManualClock() });
    inner.hold();
    const reads = [vault.getSecret('ado-pat'), vault.getSecret('ado-pat'), vault.getSecret('ado-pat')];
    inner.release();
    expect(await Promise.all(reads)).toEqual([value, value, value]);
    expect(inner.reads).toHaveLength(1);
  });

  it('does not cache failures', async () => {
    const value = token();
    const inner = countingVault({ 'ado-pat': value });
    const vault = createCachedVault(inner.vault, { clock: new ManualClock() });
    inner.failNext(new TransientError('vault unreachable'));
    await expect(vault.getSecret('ado-pat')).rejects.toBeInstanceOf(TransientError);
    expect(await vault.getSecret('ado-pat')).toBe(value);
  });

  it('writes through on set, and a read that was in flight cannot bring the old value back', async () => {
    const old = token();
    const inner = countingVault({ 'ado-pat': old });
    const vault = createCachedVault(inner.vault, { clock: new ManualClock() });

    inner.hold();
    const staleRead = vault.getSecret('ado-pat');
    const newer = token();
    await vault.setSecret('ado-pat', newer);
    inner.release();
    expect(await staleRead).toBe(old); // that caller asked before the write

    const readsBefore = inner.reads.length;
    expect(await vault.getSecret('ado-pat')).toBe(newer);
    expect(inner.reads).toHaveLength(readsBefore); // served by the write-through entry
  });

  it('forgets a deleted secret', async () => {
    const inner = countingVault({ 'ado-pat': token() });
    const vault = createCachedVault(inner.vault, { clock: new ManualClock() });
    await vault.getSecret('ado-pat');
    expect(await vault.deleteSecret('ado-pat')).toBe(true);
    expect(await vault.getSecret('ado-pat')).toBeUndefined();
    expect(inner.reads).toHaveLength(2);
  });

  it('registers every value it reads or writes with the logger, with the encodings tokens leak in', async () => {
    const read = token();
    const written = token();
    const inner = countingVault({ 'ado-pat': read });
    const vault = createCachedVault(inner.vault, { clock: new ManualClock() });
    expect(scrubSecrets(`x ${read} y`)).toBe(`x ${read} y`); // not known before the vault hands it out

    await vault.getSecret('ado-pat');
    await vault.setSecret('github-token', written);
    expect(scrubSecrets(`token=${read}`)).toBe('token=***');
    expect(scrubSecrets(`token=${written}`)).toBe('token=***');
    const basic = Buffer.from(`:${read}`).toString('base64');
    expect(scrubSecrets(`Authorization: Basic ${basic}`)).toBe('Authorization: Basic ***');
  });

  it('remembers a bounded number of names, however many made-up names deliveries ask for', async () => {
    const clock = new ManualClock();
    const { vault, reads } = countingVault({ 'hook-secret-contoso': token() });
    const cached = createCachedVault(vault, { clock, maximumNames: 100 });
    await cached.getSecret('hook-secret-contoso');
    for (let i = 0; i < 1_000; i++) await cached.getSecret(`hook-secret-made-up-${i}`);
    // The oldest name went to make room: reading it again asks the vault; a recent one is still remembered.
    const before = reads.length;
    await cached.getSecret('hook-secret-made-up-999');
    expect(reads.length).toBe(before);
    await cached.getSecret('hook-secret-contoso');
    expect(reads.length).toBe(before + 1);
  });

  it('passes listing through and keeps the inner description', async () => {
    const inner = countingVault({ b: token(), a: token() });
    const vault = createCachedVault(inner.vault);
    expect(vault.description).toBe('test vault');
    expect(await vault.listSecretNames()).toEqual(['a', 'b']);
  });
});
