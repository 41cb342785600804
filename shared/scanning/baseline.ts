import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * A baseline is the JSON report of an earlier `vigil scan --format json`: every fingerprint in it
 * is a known secret, and findings with that fingerprint are not reported again (wherever they now
 * appear). A `{"fingerprints": [...]}` list is accepted too.
 */
const fingerprint = z.string().regex(/^[0-9a-f]{64}$/, 'a fingerprint is 64 hex characters');
const reportSchema = z.object({ findings: z.array(z.object({ fingerprint }).passthrough()) }).passthrough();
const listSchema = z.object({ fingerprints: z.array(fingerprint) }).passthrough();

export class BaselineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaselineError';
  }
}

export function parseBaseline(json: unknown, source = 'baseline'): Set<string> {
  const report = reportSchema.safeParse(json);
  if (report.success) return new Set(report.data.findings.map((finding) => finding.fingerprint));
  const list = listSchema.safeParse(json);
  if (list.success) return new Set(list.data.fingerprints);
  throw new BaselineError(
    `${source} is not a Vigil baseline: expected the output of \`vigil scan --format json\` (an object with "findings")`,
  );
}

export async function loadBaseline(file: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BaselineError(`cannot read baseline ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return parseBaseline(JSON.parse(text), file);
  } catch (error) {
    if (error instanceof BaselineError) throw error;
    throw new BaselineError(`baseline ${file} is not valid JSON: ${(error as Error).message}`);
  }
}
