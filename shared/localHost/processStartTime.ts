import { readFileSync } from 'node:fs';

/**
 * When process `pid` started, as an opaque string that differs between two processes that had the
 * same pid one after the other: on Linux, field 22 of `/proc/<pid>/stat` (clock ticks after boot).
 * Undefined where it cannot be read (no /proc: macOS, Windows), and callers then trust the pid alone.
 */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 is the command name in parentheses, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTime = fields[19];
  return startTime && /^\d+$/.test(startTime) ? startTime : undefined;
}
