/**
 * The keyword prefilter: an Aho–Corasick automaton compiled to a dense DFA over byte classes, so one
 * pass over the input finds every keyword at once (ASCII case-insensitively). Rule regexes only run
 * on lines where one of their keywords occurred; this is what keeps the engine fast on large logs.
 *
 * Layout, chosen for the hot loop in keywordHits.ts:
 * - `byteClass[b]` maps a byte to a small alphabet (bytes that occur in no keyword share class 0,
 *   so a newline always leads back to the start state: no keyword spans lines);
 * - `transitions[row + class]` is the next state's row, where a state's row is `state * classCount`,
 *   so stepping costs two array reads and no multiplication. A negative entry `~row` means keywords
 *   end in the next state (`keywordsAt(row)` lists them), so the hot loop tests one sign bit.
 */
export class KeywordAutomaton {
  readonly byteClass: Uint8Array;
  readonly classCount: number;
  readonly transitions: Int32Array;
  readonly keywords: readonly string[];
  private readonly outputsByState: readonly (readonly number[])[];

  constructor(keywords: readonly string[]) {
    if (keywords.length === 0) throw new Error('a keyword automaton needs at least one keyword');
    this.keywords = keywords;
    const folded = keywords.map((keyword) => Buffer.from(keyword.toLowerCase(), 'latin1'));
    for (const [index, bytes] of folded.entries()) {
      if (bytes.length === 0) throw new Error(`keyword ${index} is empty`);
    }

    // Byte classes: every distinct (lowercased) byte used by a keyword gets a class; upper-case ASCII
    // letters share their lower-case class, which is what makes matching case-insensitive.
    const byteClass = new Uint8Array(256);
    let classCount = 1;
    for (const bytes of folded) {
      for (const byte of bytes) {
        if (byteClass[byte] === 0) byteClass[byte] = classCount++;
      }
    }
    for (const bytes of folded) {
      if (bytes.includes(0x0a)) throw new Error('keywords cannot contain a newline');
    }
    if (classCount > 255) throw new Error('too many distinct keyword characters for the automaton');
    for (let upper = 0x41; upper <= 0x5a; upper++) byteClass[upper] = byteClass[upper + 0x20];
    this.byteClass = byteClass;
    this.classCount = classCount;

    // Trie.
    const children: Map<number, number>[] = [new Map()];
    const outputs: number[][] = [[]];
    for (const [keywordIndex, bytes] of folded.entries()) {
      let state = 0;
      for (const byte of bytes) {
        const cls = byteClass[byte];
        let next = children[state].get(cls);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          outputs.push([]);
          children[state].set(cls, next);
        }
        state = next;
      }
      outputs[state].push(keywordIndex);
    }

    // Failure links by breadth-first search, folded into a full transition table (a DFA).
    const stateCount = children.length;
    const transitions = new Int32Array(stateCount * classCount);
    const failure = new Int32Array(stateCount);
    const queue: number[] = [];
    for (let cls = 0; cls < classCount; cls++) {
      const next = children[0].get(cls);
      if (next !== undefined) {
        transitions[cls] = next * classCount;
        failure[next] = 0;
        queue.push(next);
      } else {
        transitions[cls] = 0;
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head];
      const row = state * classCount;
      const failRow = failure[state] * classCount;
      // A state also emits everything its failure state emits (a keyword that is a suffix of another).
      for (const inherited of outputs[failure[state]]) {
        if (!outputs[state].includes(inherited)) outputs[state].push(inherited);
      }
      for (let cls = 0; cls < classCount; cls++) {
        const next = children[state].get(cls);
        if (next !== undefined) {
          failure[next] = transitions[failRow + cls] / classCount;
          transitions[row + cls] = next * classCount;
          queue.push(next);
        } else {
          transitions[row + cls] = transitions[failRow + cls];
        }
      }
    }

    // States renumbered in breadth-first order: the shallow states, where the automaton spends most
    // of its steps, then sit together in the first rows of the table (fewer cache and TLB misses).
    const order = [0, ...queue];
    const renumbered = new Int32Array(stateCount);
    for (let index = 0; index < order.length; index++) renumbered[order[index]] = index;
    const table = new Int32Array(stateCount * classCount);
    const outputsInOrder: number[][] = [];
    for (let index = 0; index < order.length; index++) {
      const oldRow = order[index] * classCount;
      for (let cls = 0; cls < classCount; cls++) {
        const next = renumbered[transitions[oldRow + cls] / classCount];
        table[index * classCount + cls] = outputs[order[next]].length > 0 ? ~(next * classCount) : next * classCount;
      }
      outputsInOrder.push(outputs[order[index]]);
    }
    this.transitions = table;
    this.outputsByState = outputsInOrder;
  }

  /** Keyword indexes that end in the state whose row is given (reached through a negative transition). */
  keywordsAt(row: number): readonly number[] {
    return this.outputsByState[row / this.classCount];
  }

  /**
   * Every keyword occurrence in `text` (read as latin1: one char per byte), as pairs of
   * keyword index and the offset just past its last character. Used on short derived texts
   * (a decoded payload, a line with colour codes removed); the stream path inlines this loop.
   */
  findAll(text: string, onHit: (keywordIndex: number, end: number) => void): void {
    const { byteClass, transitions } = this;
    let row = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      row = transitions[row + (code < 256 ? byteClass[code] : 0)];
      if (row < 0) {
        row = ~row;
        for (const keyword of this.keywordsAt(row)) onHit(keyword, i + 1);
      }
    }
  }
}
