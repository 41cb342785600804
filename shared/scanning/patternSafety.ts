/**
 * Guards against regexes that can take more than linear time on hostile input. JavaScript's engine
 * backtracks, so safety comes from the pattern's shape: every quantifier is bounded (no `*`, `+`
 * or `{n,}`), there are no backreferences, and a quantified group may only contain quantifiers
 * whose combined repetition stays small. With those rules the work per starting position is
 * bounded by a constant, so a scan is linear in the line length. Built-in rules are checked by a
 * unit test; custom rules (`--rules FILE`) are checked when loaded.
 */
const maximumBound = 20_000;
const maximumNestedRepetition = 4_096;

export function patternSafetyProblem(source: string): string | undefined {
  // Each open group remembers the largest repetition product found inside it.
  const groupStack: number[] = [1];
  let lastAtomProduct = 1; // repetition product of the atom a following quantifier would apply to
  let i = 0;
  const quantify = (max: number, at: number): string | undefined => {
    if (!Number.isFinite(max)) return `unbounded quantifier at ${at}: use {min,max}`;
    if (max > maximumBound) return `quantifier bound ${max} at ${at} exceeds ${maximumBound}`;
    const product = lastAtomProduct > 1 ? lastAtomProduct * max : max;
    if (lastAtomProduct > 1 && max > 1 && product > maximumNestedRepetition) {
      return `nested repetition ${lastAtomProduct}×${max} at ${at} can backtrack heavily`;
    }
    const top = groupStack.length - 1;
    groupStack[top] = Math.max(groupStack[top], product);
    return undefined;
  };
  while (i < source.length) {
    const char = source[i];
    if (char === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return `backreference at ${i} is not allowed`;
      i += next === 'u' && source[i + 2] === '{' ? source.indexOf('}', i) + 1 - i : 2;
      lastAtomProduct = 1;
      continue;
    }
    if (char === '[') {
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
      lastAtomProduct = 1;
      continue;
    }
    if (char === '(') {
      groupStack.push(1);
      i +=
        source[i + 1] === '?'
          ? source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!'
            ? source.indexOf('>', i) + 1 - i
            : source[i + 2] === '<'
              ? 4
              : 3
          : 1;
      lastAtomProduct = 1;
      continue;
    }
    if (char === ')') {
      lastAtomProduct = groupStack.pop() ?? 1;
      if (groupStack.length === 0) return `unbalanced ')' at ${i}`;
      const top = groupStack.length - 1;
      groupStack[top] = Math.max(groupStack[top], lastAtomProduct);
      i++;
      continue;
    }
    if (char === '*' || char === '+') return `unbounded quantifier '${char}' at ${i}: use {min,max}`;
    if (char === '?') {
      // Optional (max 1) or a lazy modifier: neither adds repetition.
      i++;
      lastAtomProduct = 1;
      continue;
    }
    if (char === '{') {
      const close = source.indexOf('}', i);
      const body = close > i ? source.slice(i + 1, close) : '';
      const bounded = /^(\d+)(?:,(\d+))?$/.exec(body);
      const unbounded = /^\d+,$/.test(body);
      if (unbounded) return `unbounded quantifier '{${body}}' at ${i}: give a maximum`;
      if (bounded) {
        const max = Number(bounded[2] ?? bounded[1]);
        const problem = quantify(max, i);
        if (problem) return problem;
        i = close + 1;
        if (source[i] === '?') i++;
        lastAtomProduct = 1;
        continue;
      }
    }
    lastAtomProduct = 1;
    i++;
  }
  if (groupStack.length !== 1) return 'unbalanced parentheses';
  return undefined;
}
