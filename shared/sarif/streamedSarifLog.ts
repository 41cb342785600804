import type { SarifResult, SarifRun } from './sarifLog';
import { type SarifLogPart, SarifLogSplitter, SarifLogSyntaxError } from './sarifLogSplitter';

export interface StreamedSarifResult {
  /** The run's members read so far, `tool` always among them (a result waits for its run's tool). Never its `results`. */
  run: SarifRun;
  result: SarifResult;
}

/**
 * A stored SARIF log read a result at a time (sarifLogSplitter.ts). The intake checked the whole log
 * against the schema before storing it, so its parts are trusted here as the types say; what is checked
 * is what would make the handler wrong rather than merely fail: the version, and that a run names its tool.
 *
 * A result is handed on as soon as its run's `tool` has been read; tools write `tool` first, and a log
 * that puts its results first has them held (as text) until the run's tool comes.
 */
export class StreamedSarifLog {
  /** `runs[0].tool.driver.name`, once read: known before the first result is handed on. */
  firstTool: string | undefined;
  private version: unknown;
  private sawRuns = false;

  constructor(private readonly bytes: AsyncIterable<Uint8Array>) {}

  async *results(): AsyncGenerator<StreamedSarifResult> {
    const splitter = new SarifLogSplitter();
    let current: { index: number; run: Record<string, unknown>; waiting: string[] } | undefined;
    const take = function* (this: StreamedSarifLog, part: SarifLogPart): Generator<StreamedSarifResult> {
      if (part.kind === 'member') {
        if (part.key === 'version') this.checkVersion((this.version = part.value));
        return;
      }
      if (part.kind === 'runsEnd') {
        this.sawRuns = true;
        return;
      }
      if (part.kind === 'resultsEnd') return;
      if (current?.index !== part.run) current = { index: part.run, run: {}, waiting: [] };
      const { run, waiting } = current;
      if (part.kind === 'runMember') {
        setMember(run, part.key, part.value);
        if (part.key !== 'tool') return;
        const name = toolNameOf(part.value);
        if (name === undefined) throw new SarifLogSyntaxError(`$.runs[${part.run}].tool names no driver`);
        if (part.run === 0) this.firstTool = name;
        for (const text of waiting.splice(0)) yield { run: run as SarifRun, result: JSON.parse(text) as SarifResult };
      } else if (part.kind === 'result') {
        if ('tool' in run) yield { run: run as SarifRun, result: JSON.parse(part.text) as SarifResult };
        else waiting.push(part.text);
      } else if (part.kind === 'runEnd' && !('tool' in run)) {
        throw new SarifLogSyntaxError(`$.runs[${part.run}] has no tool`);
      }
    };
    for await (const piece of this.bytes) {
      for (const part of splitter.write(piece)) yield* take.call(this, part);
    }
    for (const part of splitter.end()) yield* take.call(this, part);
    this.checkVersion(this.version);
    if (!this.sawRuns) throw new SarifLogSyntaxError('$.runs is missing');
  }

  private checkVersion(version: unknown): void {
    if (version !== '2.1.0') throw new SarifLogSyntaxError(`$.version is ${JSON.stringify(version) ?? 'missing'}, not "2.1.0"`);
  }
}

function toolNameOf(tool: unknown): string | undefined {
  const driver = typeof tool === 'object' && tool !== null ? (tool as { driver?: unknown }).driver : undefined;
  const name = typeof driver === 'object' && driver !== null ? (driver as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** As JSON.parse sets a member: an own property even when it is named `__proto__`, the last of the same name winning. */
export function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
