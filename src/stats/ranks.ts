/** Ranks with ties given their average rank (R's rank(ties.method = "average")), 1-based. */
export function averageRanks(values: ArrayLike<number>): number[] {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Sizes of the groups of equal values (groups of one included), as R's table() of the values. */
export function tieGroupSizes(values: ArrayLike<number>): number[] {
  const sorted = Array.from(values).sort((a, b) => a - b);
  const sizes: number[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[i]) j++;
    sizes.push(j - i + 1);
    i = j + 1;
  }
  return sizes;
}

export function hasTies(values: ArrayLike<number>): boolean {
  return tieGroupSizes(values).some((size) => size > 1);
}
