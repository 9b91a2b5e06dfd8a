/**
 * Waiting with a bound: for the places that must answer (or exit) on time even when what they
 * wait for never settles — a store or network that swallows packets.
 */

/** The outcome of `work`, or undefined once `ms` have passed (the work goes on, unawaited). */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(ms, 0));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
