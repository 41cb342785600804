/**
 * Splits a SARIF log's bytes, as they arrive in pieces of any size, into its parts: each member of the
 * log and of each run (parsed), and each result of each run (its JSON text, one at a time). So the
 * handler never holds the whole log, its text or its object graph: a 10 MB log of 20,000 results is
 * ≈ 40 MB of objects once parsed, and with the collector's headroom over that live set it cost the host
 * a peak of 300 MB (docs/performance.md, `bench:sarif`).
 *
 * Only the log's frame is walked here — the root object, `runs`, each run object and its `results` —
 * with JSON's grammar checked at each step; every other value is found by its extent (strings and
 * nesting) and handed to JSON.parse whole, which checks the rest. It works on bytes: every byte JSON's
 * structure uses is ASCII, and UTF-8 never puts an ASCII byte inside a multi-byte character, so a
 * piece may end anywhere, even inside a character; text is decoded only once a value is complete.
 */
export type SarifLogPart =
  /** A member of the log other than `runs` (`version`, `$schema`, …). */
  | { kind: 'member'; key: string; value: unknown }
  /** A member of run `run` other than `results` (`tool`, `invocations`, …). */
  | { kind: 'runMember'; run: number; key: string; value: unknown }
  /** Result `index` of run `run`, as its JSON text. */
  | { kind: 'result'; run: number; index: number; text: string }
  /** The end of run `run`'s `results`, with how many there were. */
  | { kind: 'resultsEnd'; run: number; results: number }
  | { kind: 'runEnd'; run: number }
  /** The end of `runs`, with how many there were. */
  | { kind: 'runsEnd'; runs: number };

/**
 * The bytes are not JSON, or not a log this splitter can hand on in parts: its root, `runs`, a run or `results` of
 * the wrong type (`path` names which), or `runs` or a run's `results` given twice (JSON.parse would keep the last,
 * but the first has been handed on by then).
 */
export class SarifLogSyntaxError extends Error {
  override name = 'SarifLogSyntaxError';
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

type ObjectState = 'firstKeyOrEnd' | 'key' | 'colon' | 'value' | 'commaOrEnd';
type ArrayState = 'firstValueOrEnd' | 'value' | 'commaOrEnd';
type Frame =
  | { container: 'log'; state: ObjectState; key: string; sawRuns: boolean }
  | { container: 'runs'; state: ArrayState; next: number }
  | { container: 'run'; state: ObjectState; key: string; run: number; sawResults: boolean }
  | { container: 'results'; state: ArrayState; run: number; completed: number };

/** A value being read to its end: a string, an object or array (by nesting), or a number or literal (to a delimiter). */
interface Capture {
  pieces: Uint8Array[];
  depth: number;
  inString: boolean;
  escaped: boolean;
  scalar: boolean;
  /** Where the value goes once complete. */
  frame: Frame;
}

const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const comma = 0x2c;
const colon = 0x3a;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** The bytes that may begin a JSON value: `"`, `{`, `[`, `-`, a digit, or `t`/`f`/`n` of the literals. */
function beginsValue(byte: number): boolean {
  return (
    byte === quote ||
    byte === openBrace ||
    byte === openBracket ||
    byte === 0x2d ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x74 ||
    byte === 0x66 ||
    byte === 0x6e
  );
}

export class SarifLogSplitter {
  private readonly frames: Frame[] = [];
  private started = false;
  private capture: Capture | undefined;
  /** A key being read, after its opening quote. */
  private key: { pieces: Uint8Array[]; escaped: boolean } | undefined;
  private parts: SarifLogPart[] = [];
  /** Bytes before the current piece, so an error can say where. */
  private offset = 0;

  /** Reads the next piece of the log; returns the parts it completed, in the log's order. */
  write(piece: Uint8Array): SarifLogPart[] {
    let at = 0;
    while (at < piece.length) {
      if (this.capture) at = this.continueCapture(this.capture, piece, at);
      else if (this.key) at = this.continueKey(this.key, piece, at);
      else if (isWhitespace(piece[at])) at++;
      else at = this.structure(piece, at);
    }
    this.offset += piece.length;
    return this.parts.splice(0);
  }

  /** The log has no more bytes: returns the last parts, or throws when the JSON is not complete. */
  end(): SarifLogPart[] {
    if (this.capture?.scalar) this.complete(this.capture, Buffer.alloc(0), 0, 0);
    if (!this.started || this.frames.length > 0 || this.capture || this.key) this.fail('the log ends before its JSON does', 0);
    return this.parts.splice(0);
  }

  /** A byte outside any captured value or key: the frame's grammar says what may come. */
  private structure(piece: Uint8Array, at: number): number {
    const byte = piece[at];
    const frame = this.frames.at(-1);
    if (!frame) {
      if (this.started) this.fail('unexpected content after the log', at);
      this.started = true;
      if (byte !== openBrace) this.fail('a SARIF log is a JSON object', at, '$');
      this.frames.push({ container: 'log', state: 'firstKeyOrEnd', key: '', sawRuns: false });
      return at + 1;
    }
    if (frame.container === 'log' || frame.container === 'run') {
      switch (frame.state) {
        case 'firstKeyOrEnd':
        case 'key':
          if (byte === quote) {
            this.key = { pieces: [], escaped: false };
            return at + 1;
          }
          if (byte === closeBrace && frame.state === 'firstKeyOrEnd') return this.close(at);
          return this.fail('expected a member name', at);
        case 'colon':
          if (byte !== colon) this.fail("expected ':' after a member name", at);
          frame.state = 'value';
          return at + 1;
        case 'value':
          frame.state = 'commaOrEnd';
          if (frame.container === 'log' && frame.key === 'runs') {
            if (byte !== openBracket) this.fail('$.runs is not an array', at, '$.runs');
            if (frame.sawRuns) this.fail("'runs' appears twice in the log: send each member once", at, '$.runs');
            frame.sawRuns = true;
            this.frames.push({ container: 'runs', state: 'firstValueOrEnd', next: 0 });
            return at + 1;
          }
          if (frame.container === 'run' && frame.key === 'results') {
            const path = `$.runs[${frame.run}].results`;
            if (byte !== openBracket) this.fail(`${path} is not an array`, at, path);
            if (frame.sawResults) this.fail(`'results' appears twice in run ${frame.run}: send each member once`, at, path);
            frame.sawResults = true;
            this.frames.push({ container: 'results', state: 'firstValueOrEnd', run: frame.run, completed: 0 });
            return at + 1;
          }
          return this.beginCapture(frame, piece, at);
        case 'commaOrEnd':
          if (byte === comma) {
            frame.state = 'key';
            return at + 1;
          }
          if (byte === closeBrace) return this.close(at);
          return this.fail("expected ',' or '}'", at);
      }
    }
    if (frame.state === 'commaOrEnd') {
      if (byte === comma) {
        frame.state = 'value';
        return at + 1;
      }
      if (byte === closeBracket) return this.close(at);
      return this.fail("expected ',' or ']'", at);
    }
    if (byte === closeBracket && frame.state === 'firstValueOrEnd') return this.close(at);
    frame.state = 'commaOrEnd';
    if (frame.container === 'runs') {
      if (byte !== openBrace) this.fail(`$.runs[${frame.next}] is not an object`, at, `$.runs[${frame.next}]`);
      this.frames.push({ container: 'run', state: 'firstKeyOrEnd', key: '', run: frame.next++, sawResults: false });
      return at + 1;
    }
    return this.beginCapture(frame, piece, at);
  }

  private close(at: number): number {
    const frame = this.frames.pop();
    if (frame?.container === 'run') this.parts.push({ kind: 'runEnd', run: frame.run });
    if (frame?.container === 'runs') this.parts.push({ kind: 'runsEnd', runs: frame.next });
    if (frame?.container === 'results') this.parts.push({ kind: 'resultsEnd', run: frame.run, results: frame.completed });
    return at + 1;
  }

  private beginCapture(frame: Frame, piece: Uint8Array, at: number): number {
    const byte = piece[at];
    if (!beginsValue(byte)) this.fail('expected a value', at);
    const container = byte === openBrace || byte === openBracket;
    const capture: Capture = {
      pieces: [],
      depth: container ? 1 : 0,
      inString: byte === quote,
      escaped: false,
      scalar: !container && byte !== quote,
      frame,
    };
    this.capture = capture;
    // The first byte is taken: the scan goes on from the next one, with `start` still at this one.
    return this.continueCapture(capture, piece, at + 1, at);
  }

  /** Reads the captured value on to its end in this piece, or keeps this piece's share of it for the next. */
  private continueCapture(capture: Capture, piece: Uint8Array, from: number, start = from): number {
    let { depth, inString, escaped } = capture;
    for (let at = from; at < piece.length; at++) {
      const byte = piece[at];
      if (capture.scalar) {
        if (byte === comma || byte === closeBrace || byte === closeBracket || isWhitespace(byte)) {
          this.complete(capture, piece, start, at);
          return at;
        }
      } else if (inString) {
        if (escaped) escaped = false;
        else if (byte === backslash) escaped = true;
        else if (byte === quote) {
          inString = false;
          if (depth === 0) {
            this.complete(capture, piece, start, at + 1);
            return at + 1;
          }
        }
      } else if (byte === quote) inString = true;
      else if (byte === openBrace || byte === openBracket) depth++;
      else if (byte === closeBrace || byte === closeBracket) {
        depth--;
        if (depth === 0) {
          this.complete(capture, piece, start, at + 1);
          return at + 1;
        }
      }
    }
    // The value goes on in the next piece. The piece may be reused by its producer: keep a copy of this share.
    capture.pieces.push(Uint8Array.prototype.slice.call(piece, start));
    Object.assign(capture, { depth, inString, escaped });
    return piece.length;
  }

  private complete(capture: Capture, piece: Uint8Array, start: number, end: number): void {
    this.capture = undefined;
    const last = piece.subarray(start, end);
    const bytes = capture.pieces.length === 0 ? last : Buffer.concat([...capture.pieces, last]);
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const frame = capture.frame;
    if (frame.container === 'results') {
      this.parts.push({ kind: 'result', run: frame.run, index: frame.completed++, text });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.fail(`${error instanceof Error ? error.message : String(error)}`, start);
    }
    if (frame.container === 'log') this.parts.push({ kind: 'member', key: frame.key, value });
    else if (frame.container === 'run') this.parts.push({ kind: 'runMember', run: frame.run, key: frame.key, value });
  }

  private continueKey(key: { pieces: Uint8Array[]; escaped: boolean }, piece: Uint8Array, from: number): number {
    let escaped = key.escaped;
    for (let at = from; at < piece.length; at++) {
      const byte = piece[at];
      if (escaped) escaped = false;
      else if (byte === backslash) escaped = true;
      else if (byte === quote) {
        this.key = undefined;
        const bytes = Buffer.concat([...key.pieces, piece.subarray(from, at)]);
        const frame = this.frames.at(-1);
        if (frame?.container === 'log' || frame?.container === 'run') {
          try {
            frame.key = JSON.parse(`"${bytes.toString('utf8')}"`) as string;
          } catch {
            this.fail('a member name is not a JSON string', at);
          }
          frame.state = 'colon';
        }
        return at + 1;
      }
    }
    key.pieces.push(Uint8Array.prototype.slice.call(piece, from));
    key.escaped = escaped;
    return piece.length;
  }

  private fail(message: string, at: number, path?: string): never {
    throw new SarifLogSyntaxError(`${message} (at byte ${this.offset + at})`, path);
  }
}
