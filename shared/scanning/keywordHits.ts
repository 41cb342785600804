import type { KeywordAutomaton } from './keywordAutomaton';

/**
 * The first pass over a block of complete lines: the keyword automaton steps once per byte and
 * reports every keyword occurrence. This loop is where a scan spends most of its time, so:
 * - a large block is cut into four lanes at line boundaries (no keyword spans lines), stepped
 *   together: each automaton step waits on the previous step's table read, and four independent
 *   walks overlap those waits;
 * - the stepping functions make no calls and read no properties, so the optimising compiler turns
 *   them into tight loops once and keeps them; they stop only where a keyword ends;
 * - lines are not tracked here at all: the second pass finds the few lines it needs around the
 *   hits with native searches for the newline byte.
 * Returns (keyword index, offset just past the keyword) pairs in increasing offset order.
 */
const laneCount = 4;
const minimumLaneBytes = 16 * 1024;
const maximumHitPairs = 4 * 1024 * 1024;

export function findKeywordHits(automaton: KeywordAutomaton, buffer: Uint8Array, from: number, to: number): number[] {
  const bounds = laneBounds(buffer, from, to);
  const { byteClass, transitions } = automaton;
  const lanes = bounds.length - 1;
  // Positions, then rows, of the lanes; the stepping functions read and write it.
  const state = new Int32Array(laneCount * 2);
  for (let lane = 0; lane < lanes; lane++) state[lane] = bounds[lane];
  const laneHits: number[][] = [];
  for (let lane = 0; lane < lanes; lane++) laneHits.push([]);
  let total = 0;
  const report = (lane: number) => {
    const row = ~state[laneCount + lane];
    state[laneCount + lane] = row;
    if (total < maximumHitPairs) {
      const keywords = automaton.keywordsAt(row);
      for (let k = 0; k < keywords.length; k++) laneHits[lane].push(keywords[k], state[lane] + 1);
      total += keywords.length * 2;
    }
    state[lane]++;
  };

  if (lanes === laneCount) {
    for (;;) {
      const steps = Math.min(bounds[1] - state[0], bounds[2] - state[1], bounds[3] - state[2], bounds[4] - state[3]);
      if (steps <= 0) break;
      if (advanceFourLanes(buffer, transitions, byteClass, state, steps) === steps) continue;
      // Some lane's next state reports; every lane has computed its next state at its position.
      for (let lane = 0; lane < laneCount; lane++) {
        if (state[laneCount + lane] < 0) report(lane);
        else state[lane]++;
      }
    }
  }
  // What is left of each lane (all of it when the block was too small to split).
  for (let lane = 0; lane < lanes; lane++) {
    while (advanceOneLane(buffer, transitions, byteClass, state, lane, bounds[lane + 1])) report(lane);
  }

  if (lanes === 1) return laneHits[0];
  const hits: number[] = [];
  for (const pairs of laneHits) for (let i = 0; i < pairs.length; i++) hits.push(pairs[i]);
  return hits;
}

/**
 * Steps four lanes at most `steps` bytes. Stops where any lane's next state reports: the positions
 * are then at that byte, and the next states (negative for the reporting lanes) are stored as the
 * rows. Returns the number of bytes stepped.
 */
function advanceFourLanes(buffer: Uint8Array, transitions: Int32Array, byteClass: Uint8Array, state: Int32Array, steps: number): number {
  const pA = state[0];
  const pB = state[1];
  const pC = state[2];
  const pD = state[3];
  let rA = state[4];
  let rB = state[5];
  let rC = state[6];
  let rD = state[7];
  let step = 0;
  for (; step < steps; step++) {
    const nA = transitions[rA + byteClass[buffer[pA + step]]];
    const nB = transitions[rB + byteClass[buffer[pB + step]]];
    const nC = transitions[rC + byteClass[buffer[pC + step]]];
    const nD = transitions[rD + byteClass[buffer[pD + step]]];
    rA = nA;
    rB = nB;
    rC = nC;
    rD = nD;
    if ((nA | nB | nC | nD) < 0) break;
  }
  state[0] = pA + step;
  state[1] = pB + step;
  state[2] = pC + step;
  state[3] = pD + step;
  state[4] = rA;
  state[5] = rB;
  state[6] = rC;
  state[7] = rD;
  return step;
}

/** Steps one lane until its next state reports (true: that negative state is stored as its row) or `end`. */
function advanceOneLane(buffer: Uint8Array, transitions: Int32Array, byteClass: Uint8Array, state: Int32Array, lane: number, end: number): boolean {
  let position = state[lane];
  let row = state[laneCount + lane];
  let found = false;
  for (; position < end; position++) {
    const next = transitions[row + byteClass[buffer[position]]];
    row = next;
    if (next < 0) {
      found = true;
      break;
    }
  }
  state[lane] = position;
  state[laneCount + lane] = row;
  return found;
}

/** Lane boundaries at line starts: four lanes, or one when the block is small. */
function laneBounds(buffer: Uint8Array, from: number, to: number): number[] {
  if (to - from < laneCount * minimumLaneBytes) return [from, to];
  const bounds = [from];
  for (let lane = 1; lane < laneCount; lane++) {
    const target = Math.max(from + Math.floor(((to - from) * lane) / laneCount), bounds[bounds.length - 1]);
    const newline = buffer.indexOf(0x0a, target);
    if (newline < 0 || newline + 1 >= to) return [from, to];
    bounds.push(newline + 1);
  }
  bounds.push(to);
  return bounds;
}
