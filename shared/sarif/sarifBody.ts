import { checkResult, checkShell, type SarifValidation, validateSarif } from './sarifLog';
import { type SarifLogPart, SarifLogSplitter, SarifLogSyntaxError } from './sarifLogSplitter';
import { setMember } from './streamedSarifLog';

/** What the intake needs of a posted log: whether it is one, and if so how many results and the first run's tool. */
export type SarifBodyCheck =
  | { ok: true; results: number; firstTool: string | undefined }
  | (SarifValidation & { ok: false })
  | { ok: false; notJson: true };

/**
 * Checks a posted SARIF log as `validateSarif` checks its parsed document, with the same answer and the same JSON
 * path for the first error, but a result at a time: the log's text and its 20,000 parsed results are never held at
 * once, so the intake's memory does not grow with the log (docs/performance.md, `bench:sarif`). Only the log's frame
 * (its members, each run's members, the `results` arrays emptied) is kept to be checked against the schema.
 *
 * A body the splitter cannot read in parts (not JSON, or a root, `runs` or run of another type) is checked whole,
 * the way it always was, so its answer is the same as before. A log that is valid but gives `runs` or a run's
 * `results` twice is refused: the handler reads stored logs in parts, and would not know which one counts.
 */
export function checkSarifBody(body: Uint8Array): SarifBodyCheck {
  try {
    return checkInParts(body);
  } catch (error) {
    if (!(error instanceof SarifLogSyntaxError || error instanceof SyntaxError)) throw error;
    const whole = checkWhole(body);
    if (!whole.ok) return whole;
    return { ok: false, path: (error as SarifLogSyntaxError).path ?? '$', message: error.message };
  }
}

function checkInParts(body: Uint8Array): SarifBodyCheck {
  const splitter = new SarifLogSplitter();
  const log: Record<string, unknown> = {};
  const runs: Array<Record<string, unknown>> = [];
  let results = 0;
  let firstFailure: (SarifValidation & { ok: false }) | undefined;
  const runAt = (index: number) => {
    runs[index] ??= {};
    return runs[index];
  };
  const take = (part: SarifLogPart) => {
    switch (part.kind) {
      case 'member':
        setMember(log, part.key, part.value);
        break;
      case 'runMember':
        setMember(runAt(part.run), part.key, part.value);
        break;
      case 'result': {
        // Parsed even after an error is found: a body that is not JSON further on is a 400, as it always was.
        const item: unknown = JSON.parse(part.text);
        results++;
        firstFailure ??= checkResult(item, part.run, part.index);
        break;
      }
      case 'resultsEnd':
        // The schema checks the frame with each `results` an array of anything: the results are checked above.
        setMember(runAt(part.run), 'results', []);
        break;
      case 'runEnd':
        runAt(part.run);
        break;
      case 'runsEnd':
        setMember(log, 'runs', runs);
        break;
    }
  };
  for (const part of splitter.write(body)) take(part);
  for (const part of splitter.end()) take(part);
  const shellFailure = checkShell(log);
  if (shellFailure) return shellFailure;
  if (firstFailure) return firstFailure;
  return { ok: true, results, firstTool: firstToolOf(log) };
}

function checkWhole(body: Uint8Array): SarifBodyCheck {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return { ok: false, notJson: true };
  }
  const validation = validateSarif(document);
  if (!validation.ok) return validation;
  const results = validation.log.runs.reduce((sum, run) => sum + (run.results?.length ?? 0), 0);
  return { ok: true, results, firstTool: validation.log.runs[0]?.tool.driver.name };
}

function firstToolOf(log: Record<string, unknown>): string | undefined {
  const [first] = log.runs as Array<{ tool: { driver: { name: string } } }>;
  return first?.tool.driver.name;
}
