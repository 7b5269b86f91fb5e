/** A figure as the bench reports it: the median of several runs, with the spread that came with it. */
export interface Figure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export function figureOf(samples: readonly number[]): Figure {
  if (samples.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples: [] };
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, samples };
}

/**
 * a / b for two figures measured at different times: the median of the ratio is the ratio of the medians,
 * and its range is the widest the two spreads allow (a.min / b.max .. a.max / b.min).
 */
export function ratioOf(a: Figure, b: Figure): Figure {
  return { median: a.median / b.median, min: a.min / b.max, max: a.max / b.min, samples: [] };
}

/** The nearest-rank percentile (q in 0..100) of raw samples; NaN when there are none. */
export function percentileOf(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((q / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}
