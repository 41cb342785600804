import { z } from 'zod';

/**
 * The parts of a SARIF 2.1.0 log Vigil reads (OASIS SARIF 2.1.0, §3.13 sarifLog … §3.49
 * reportingDescriptor), checked strictly where Vigil depends on them and left open elsewhere:
 * tools add their own properties, and a log must not be refused for what Vigil ignores.
 */
const text = z.object({ text: z.string().optional(), markdown: z.string().optional(), id: z.string().optional() }).loose();
const properties = z.record(z.string(), z.unknown());
const line = z.number().int().min(1);

const region = z
  .object({
    startLine: line.optional(),
    startColumn: line.optional(),
    endLine: line.optional(),
    endColumn: line.optional(),
    snippet: z.object({ text: z.string().optional() }).loose().optional(),
  })
  .loose();

const location = z
  .object({
    physicalLocation: z
      .object({
        artifactLocation: z.object({ uri: z.string().optional(), uriBaseId: z.string().optional() }).loose().optional(),
        region: region.optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

const level = z.enum(['none', 'note', 'warning', 'error']);

const result = z
  .object({
    ruleId: z.string().min(1).optional(),
    ruleIndex: z.number().int().min(-1).optional(),
    rule: z
      .object({ id: z.string().optional(), index: z.number().int().min(-1).optional() })
      .loose()
      .optional(),
    level: level.optional(),
    message: text.refine((m) => m.text !== undefined || m.id !== undefined, 'a message needs text or id'),
    locations: z.array(location).optional(),
    partialFingerprints: z.record(z.string(), z.string()).optional(),
    fingerprints: z.record(z.string(), z.string()).optional(),
    properties: properties.optional(),
    kind: z.enum(['pass', 'open', 'informational', 'notApplicable', 'review', 'fail']).optional(),
    suppressions: z.array(z.object({ status: z.string().optional() }).loose()).optional(),
  })
  .loose();

const rule = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    shortDescription: text.optional(),
    fullDescription: text.optional(),
    help: text.optional(),
    helpUri: z.string().optional(),
    defaultConfiguration: z.object({ level: level.optional() }).loose().optional(),
    properties: properties.optional(),
  })
  .loose();

const run = z
  .object({
    tool: z.object({
      driver: z
        .object({
          name: z.string().min(1),
          version: z.string().optional(),
          semanticVersion: z.string().optional(),
          rules: z.array(rule).optional(),
        })
        .loose(),
    }),
    results: z.array(result).optional(),
  })
  .loose();

/** The log with each run's results left unchecked: they are checked one at a time (see validateSarif). */
const shell = z
  .object({
    version: z.literal('2.1.0'),
    $schema: z.string().optional(),
    runs: z.array(run.extend({ results: z.array(z.unknown()).optional() })),
  })
  .loose();

export const SarifLogSchema = z
  .object({
    version: z.literal('2.1.0'),
    $schema: z.string().optional(),
    runs: z.array(run),
  })
  .loose();

export type SarifLog = z.infer<typeof SarifLogSchema>;
export type SarifRun = SarifLog['runs'][number];
export type SarifResult = NonNullable<SarifRun['results']>[number];
export type SarifRule = NonNullable<SarifRun['tool']['driver']['rules']>[number];

export type SarifValidation = { ok: true; log: SarifLog } | { ok: false; path: string; message: string };

/** The log, or the JSON path of its first error (`$.runs[0].results[3].message`) and what is wrong there. */
export function validateSarif(document: unknown): SarifValidation {
  // The same checks as SarifLogSchema, a result at a time: a schema's output is a copy of its input, and a copy of
  // 20,000 results at once doubled the peak memory of a 10 MB upload (bench:sarif). The schema has no defaults or
  // transforms, so the input, once it passes, is the log.
  const shellFailure = checkShell(document);
  if (shellFailure) return shellFailure;
  for (const [runIndex, candidate] of (document as { runs: Array<{ results?: unknown[] }> }).runs.entries()) {
    for (const [resultIndex, item] of (candidate.results ?? []).entries()) {
      const resultFailure = checkResult(item, runIndex, resultIndex);
      if (resultFailure) return resultFailure;
    }
  }
  return { ok: true, log: document as SarifLog };
}

/** The log without its results' contents (each run's `results` an array of anything): its first error, if any. */
export function checkShell(document: unknown): (SarifValidation & { ok: false }) | undefined {
  const parsedShell = shell.safeParse(document);
  return parsedShell.success ? undefined : failure(parsedShell.error.issues[0].path, parsedShell.error.issues[0].message);
}

/** Result `resultIndex` of run `runIndex`: its first error, if any. */
export function checkResult(item: unknown, runIndex: number, resultIndex: number): (SarifValidation & { ok: false }) | undefined {
  const checked = result.safeParse(item);
  if (checked.success) return undefined;
  const issue = checked.error.issues[0];
  return failure(['runs', runIndex, 'results', resultIndex, ...issue.path], issue.message);
}

function failure(path: readonly PropertyKey[], message: string): SarifValidation & { ok: false } {
  return { ok: false, path: jsonPath(path), message };
}

export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) =>
      typeof part === 'number'
        ? `${text}[${part}]`
        : /^[A-Za-z_$][\w$]*$/.test(String(part))
          ? `${text}.${String(part)}`
          : `${text}[${JSON.stringify(String(part))}]`,
    '$',
  );
}
