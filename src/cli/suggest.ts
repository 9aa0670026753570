/**
 * "Did you mean …?" for a mistyped command name, the way commander suggests for options and
 * top-level commands (its helper is not exported): optimal-string-alignment distance, at most 3
 * edits, and more than 40 % of the longer word in common; the closest candidates win. Pure.
 */
const MAX_DISTANCE = 3;
const MIN_SIMILARITY = 0.4;

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > MAX_DISTANCE) return Math.max(a.length, b.length);
  // d[i][j]: distance between the first i characters of a and the first j of b.
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  const row0 = d[0] as number[];
  for (let j = 0; j <= b.length; j++) row0[j] = j;
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let j = 1; j <= b.length; j++) {
    for (let i = 1; i <= a.length; i++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The candidates closest to `word`, sorted; empty when none is close enough. */
export function similarWords(word: string, candidates: readonly string[]): string[] {
  let best = MAX_DISTANCE;
  let similar: string[] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate.length <= 1) continue;
    const distance = editDistance(word, candidate);
    const length = Math.max(word.length, candidate.length);
    if ((length - distance) / length <= MIN_SIMILARITY) continue;
    if (distance < best) {
      best = distance;
      similar = [candidate];
    } else if (distance === best) {
      similar.push(candidate);
    }
  }
  return similar.sort((a, b) => a.localeCompare(b));
}

/** `\n(Did you mean X?)`, `\n(Did you mean one of X, Y?)` or '' — commander's wording. */
export function formatSuggestion(similar: readonly string[]): string {
  if (similar.length === 0) return '';
  return similar.length === 1 ? `\n(Did you mean ${similar[0]}?)` : `\n(Did you mean one of ${similar.join(', ')}?)`;
}

export function suggestion(word: string, candidates: readonly string[]): string {
  return formatSuggestion(similarWords(word, candidates));
}
