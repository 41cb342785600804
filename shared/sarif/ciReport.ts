import { readFile } from 'node:fs/promises';
import type { RiskSeverity } from '../risks';
import { CiContextSchema, ciContextFields } from './ciContext';
import { type ContextField, contextHints, detectCiContext, type PartialContext } from './ciEnvironment';
import { postResults } from './postResults';
import { sarifFindings } from './sarifFindings';
import { validateSarif } from './sarifLog';

/**
 * `vigil ci report FILE.sarif|-` (docs/ci-results.md): read the log, work out the CI context from the
 * runner's environment and the flags, post it to Vigil with retries, and say whether the results
 * fail the `--fail-on` threshold. Exit codes: 0 uploaded and nothing at or above the threshold;
 * 1 uploaded with results at or above it, or not delivered after the retries; 2 a usage or
 * configuration error (no context, no URL or token, not a SARIF log, refused by Vigil).
 */
export const failOnLevels = ['critical', 'high', 'medium', 'low', 'none'] as const;
export type FailOn = (typeof failOnLevels)[number];

export interface CiReportOptions {
  input: string;
  flags: PartialContext;
  url?: string;
  failOn: FailOn;
  retries: number;
  json: boolean;
}

export interface CiReportIo {
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadableStream;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** A usage or configuration error: the CLI prints it on one line and exits 2. */
export class CiReportUsageError extends Error {}

const maxBytes = 10 * 1024 * 1024;
const rank: Record<RiskSeverity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

export async function ciReport(options: CiReportOptions, io: CiReportIo): Promise<number> {
  const body = await readInput(options.input, io.stdin);
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    throw new CiReportUsageError(`${label(options.input)} is not JSON (expected a SARIF 2.1.0 log)`);
  }
  const validation = validateSarif(document);
  if (!validation.ok)
    throw new CiReportUsageError(`${label(options.input)} is not a SARIF 2.1.0 log: ${validation.path}: ${validation.message}`);

  const detected = detectCiContext(io.env);
  const context: PartialContext = { ...detected.context };
  for (const [field, value] of Object.entries(options.flags) as Array<[ContextField, string | undefined]>)
    if (value) context[field] = value;
  context.tool ??= validation.log.runs[0]?.tool.driver.name;
  const missing: ContextField[] = (['source', 'organization', 'repository', 'commit'] as const).filter((field) => !context[field]);
  if (context.source === 'azure-devops' && !context.project) missing.push('project');
  if (missing.length > 0) {
    const where = detected.ci
      ? `the ${detected.ci} environment does not say`
      : 'no CI environment found (Azure Pipelines, GitHub Actions, GitLab CI, Jenkins), and nothing says';
    throw new CiReportUsageError(
      `no CI context: ${where} ${missing.join(', ')}; set ${missing.map((field) => `${field} (${contextHints[field]})`).join('; ')}`,
    );
  }
  const parsed = CiContextSchema.safeParse(context);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CiReportUsageError(`CI context ${issue.path.map(String).join('.')}: ${issue.message}`);
  }
  const base = options.url ?? io.env.VIGIL_URL;
  if (!base) throw new CiReportUsageError('no Vigil address: set VIGIL_URL or --url (e.g. https://vigil-func.azurewebsites.net)');
  const token = io.env.VIGIL_CI_TOKEN;
  if (!token) {
    throw new CiReportUsageError(
      `no CI token: set VIGIL_CI_TOKEN from a secret variable (its value is the vault secret 'ci-token-${parsed.data.organization}')`,
    );
  }

  const query = new URLSearchParams();
  for (const field of ciContextFields) if (context[field]) query.set(field, String(context[field]));
  let endpoint: URL;
  try {
    // The function app's address, with or without its `/api` route prefix.
    const root = base.replace(/\/+$/, '');
    endpoint = new URL(`${root}${/\/api$/i.test(root) ? '' : '/api'}/hooks/ci?${query}`);
  } catch {
    throw new CiReportUsageError(`--url '${base}' is not a URL`);
  }
  const answer = await postResults({
    url: endpoint.toString(),
    token,
    body,
    retries: options.retries,
    sleep: io.sleep,
    onRetry: (attempt, waitMs, why) =>
      io.stderr(`vigil: ${why}; trying again in ${Math.ceil(waitMs / 1000)} s (retry ${attempt} of ${options.retries})\n`),
  });
  if (answer.status >= 400 && answer.status < 500) {
    throw new CiReportUsageError(
      `Vigil refused the results (HTTP ${answer.status}): ${String(answer.body.message ?? answer.body.text ?? '')}`,
    );
  }
  if (answer.status !== 202) {
    io.stderr(`vigil: could not deliver the results after ${answer.attempts} attempt(s) (HTTP ${answer.status})\n`);
    return 1;
  }

  const findings = [...sarifFindings(validation.log)];
  const threshold = options.failOn === 'none' ? Number.POSITIVE_INFINITY : rank[options.failOn];
  const failing = findings.filter((finding) => rank[finding.severity] >= threshold).length;
  if (options.json) {
    io.stdout(
      `${JSON.stringify({ id: answer.body.id, results: findings.length, tool: parsed.data.tool, failOn: options.failOn, failing })}\n`,
    );
  } else {
    io.stdout(`uploaded ${findings.length} result(s) from ${parsed.data.tool} to Vigil (${String(answer.body.id)})\n`);
    if (failing > 0) io.stdout(`${failing} result(s) at or above ${options.failOn}: failing (--fail-on ${options.failOn})\n`);
  }
  return failing > 0 ? 1 : 0;
}

async function readInput(input: string, stdin: NodeJS.ReadableStream): Promise<Buffer> {
  if (input === '-') {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const part of stdin) {
      const chunk = typeof part === 'string' ? Buffer.from(part) : (part as Buffer);
      size += chunk.length;
      if (size > maxBytes) throw new CiReportUsageError('standard input exceeds 10 MB, the most Vigil takes in one SARIF log');
      parts.push(chunk);
    }
    return Buffer.concat(parts);
  }
  let body: Buffer;
  try {
    body = await readFile(input);
  } catch (error) {
    throw new CiReportUsageError(`cannot read '${input}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (body.length > maxBytes) throw new CiReportUsageError(`'${input}' exceeds 10 MB, the most Vigil takes in one SARIF log`);
  return body;
}

function label(input: string): string {
  return input === '-' ? 'standard input' : `'${input}'`;
}
