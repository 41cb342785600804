import type { DecodedText } from './decodedText';

/**
 * Base64 (and base64url) runs in a line, decoded when the result is mostly printable text. Secrets
 * that Azure Pipelines' `***` masking misses are often base64 of something else: a `user:PAT` pair,
 * a JSON config, a JWT. Every character of the decoded text maps to the start of its run.
 */
const base64Run = /[A-Za-z0-9+/_-]{16,8192}={0,2}/g;

export interface Base64Run {
  start: number;
  end: number;
}

export function findBase64Runs(text: string): Base64Run[] {
  const runs: Base64Run[] = [];
  base64Run.lastIndex = 0;
  for (let match = base64Run.exec(text); match !== null; match = base64Run.exec(text)) {
    runs.push({ start: match.index, end: match.index + match[0].length });
  }
  return runs;
}

export function decodeBase64Run(text: string, run: Base64Run): DecodedText | undefined {
  const encoded = text.slice(run.start, run.end);
  const hasStandard = /[+/]/.test(encoded);
  const hasUrlSafe = /[-_]/.test(encoded);
  if (hasStandard && hasUrlSafe) return undefined;
  if (/^[0-9a-fA-F]+$/.test(encoded)) return undefined; // hex digests decode to noise
  const bytes = Buffer.from(encoded, hasUrlSafe ? 'base64url' : 'base64');
  if (bytes.length < 8 || !isMostlyPrintable(bytes)) return undefined;
  const start = run.start;
  return { text: bytes.toString('latin1'), encoding: 'base64', sourceIndex: () => start };
}

function isMostlyPrintable(bytes: Uint8Array): boolean {
  let printable = 0;
  for (const byte of bytes) {
    if ((byte >= 0x20 && byte < 0x7f) || byte === 0x09 || byte === 0x0a || byte === 0x0d) printable++;
  }
  return printable / bytes.length >= 0.85;
}
