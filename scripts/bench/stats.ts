/** Median; the mean of the middle two for an even count (quick mode has two repetitions). */
export function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v.length ? (v[(v.length - 1) >> 1] + v[v.length >> 1]) / 2 : NaN;
}
