import type { SourcePage } from './payment-source.port';

/**
 * Lists a cursor-paged collection ahead of its writer: the next pages are fetched (paced by the
 * connection's limiter) while earlier ones are written, up to `ahead` pages buffered, and the
 * writer takes everything that has arrived (up to `max` pages) in one go — so under a rate limit
 * the allowance is not left idle during writes, and without one the writes come in larger,
 * cheaper transactions. A fetch error surfaces at the writer's next take; pages it had not
 * written yet are simply fetched again after a resume (the cursor is saved per written batch).
 */
export function readAhead(
  fetch: (next: string | null) => Promise<SourcePage>,
  first: string | null,
  ahead: number,
): (max: number) => Promise<SourcePage[] | null> {
  const buffered: SourcePage[] = [];
  let done = false;
  let error: Error | null = null;
  let wake: (() => void) | null = null;
  let space: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  void (async () => {
    let next = first;
    try {
      do {
        while (buffered.length >= ahead) await new Promise<void>((r) => (space = r));
        const page = await fetch(next);
        buffered.push(page);
        next = page.next;
        notify();
      } while (next);
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
    }
    done = true;
    notify();
  })();
  return async (max) => {
    while (!buffered.length && !done && !error) await new Promise<void>((r) => (wake = r));
    if (error) throw error;
    if (!buffered.length) return null;
    const taken = buffered.splice(0, max);
    const s = space;
    space = null;
    s?.();
    return taken;
  };
}
