import type { Response } from 'express';

/** Reader pages carry link tokens: never cache them anywhere. */
export function sendPage(res: Response, status: number, body: string): void {
  res.status(status).setHeader('Cache-Control', 'no-store').type('html').send(body);
}
