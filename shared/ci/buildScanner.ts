import type { VigilConfig } from '../config';
import { createScanner, resolveFingerprintKey, type Scanner } from '../scanning';

let scanner: { dataDir: string; value: Scanner } | undefined;

/** One compiled scanner per process: rules compile once, and the fingerprint key is read once. */
export function buildLogScanner(config: VigilConfig): Scanner {
  if (scanner?.dataDir !== config.dataDir) {
    const fingerprintKey = resolveFingerprintKey({ environmentKey: config.environment.VIGIL_FINGERPRINT_KEY, dataDir: config.dataDir });
    scanner = { dataDir: config.dataDir, value: createScanner({ fingerprintKey }) };
  }
  return scanner.value;
}
