import type { Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Streams a subscriber CSV export as a dated attachment. pipeline waits for the client to drain each chunk
 * and stops the producer (and its queries) if the client goes away.
 */
export async function sendSubscribersCsv(res: Response, rows: AsyncIterable<string>): Promise<void> {
  const day = new Date().toISOString().slice(0, 10);
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="subscribers-${day}.csv"`);
  res.setHeader('Cache-Control', 'no-store');
  await pipeline(Readable.from(rows), res);
}
