export interface AdaptiveRates {
  /** Growth when a job changed nothing: interval × (1 + incRate). */
  incRate: number;
  /** Shrink when a job changed items: interval × (1 − decRate). */
  decRate: number;
  minSeconds: number;
  maxSeconds: number;
}

export const DEFAULT_ADAPTIVE_RATES: AdaptiveRates = {
  incRate: 0.4,
  decRate: 0.2,
  minSeconds: 60,
  maxSeconds: 365 * 86_400,
};

/** The interval a DYNAMIC schedule starts with unless the input names one. */
export const DEFAULT_INTERVAL_SECONDS = 3600;

export function clampInterval(
  seconds: number,
  rates: Pick<AdaptiveRates, 'minSeconds' | 'maxSeconds'>,
): number {
  return Math.min(rates.maxSeconds, Math.max(rates.minSeconds, Math.round(seconds)));
}

/**
 * Nutch's AdaptiveFetchSchedule, reduced to what a job tells us: a job that changed items means the
 * source moves faster than we look (shrink by decRate); one that changed nothing means we look too
 * often (grow by incRate). Whole seconds, clamped to [minSeconds, maxSeconds].
 */
export function adaptInterval(currentSeconds: number, changed: boolean, rates: AdaptiveRates): number {
  const next = changed ? currentSeconds * (1 - rates.decRate) : currentSeconds * (1 + rates.incRate);
  return clampInterval(next, rates);
}
