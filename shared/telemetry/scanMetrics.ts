import { telemetry } from './port';

export type ScanKind = 'build-log' | 'repository' | 'push' | 'pull-request';

/** `vigil.scan.bytes` and `vigil.scan.throughput` for one finished scan (a scan that took no measurable time has no throughput). */
export function recordScan(kind: ScanKind, bytes: number, durationMs: number): void {
  const current = telemetry();
  if (!current.enabled) return;
  current.count('vigil.scan.bytes', bytes, { kind });
  if (bytes > 0 && durationMs > 0) current.record('vigil.scan.throughput', bytes / 1_000_000 / (durationMs / 1000), { kind });
}
