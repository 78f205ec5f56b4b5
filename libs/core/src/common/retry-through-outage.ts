/**
 * Retries a database write through an outage (200 ms, 500 ms, 1 s, then one try every 2 s) for up to
 * `budgetMs`, then lets the error through. For writes that record something already done outside the
 * database (a message handed to SMTP): losing such a write would mean doing it again. `onRetry` hears about
 * failures from the third on (a blip is not news).
 */
export async function retryThroughOutage<T>(
  write: () => Promise<T>,
  budgetMs: number,
  onRetry?: (err: unknown, elapsedMs: number) => void,
): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      const delay = [200, 500, 1000][attempt] ?? 2000;
      const elapsed = Date.now() - started;
      if (elapsed + delay > budgetMs) throw err;
      if (attempt >= 2) onRetry?.(err, elapsed);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
