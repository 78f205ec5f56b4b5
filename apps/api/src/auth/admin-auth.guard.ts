import { AppConfig } from '@app/config';
import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer ADMIN_API_TOKEN for the admin API (until accounts replace it as the only way in).
 * Compared as SHA-256 digests so the comparison is constant-time whatever the lengths.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(config: AppConfig) {
    const t = config.env.ADMIN_API_TOKEN;
    this.expected = t ? createHash('sha256').update(t).digest() : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m || !this.expected) throw new UnauthorizedException('A valid bearer token is required');
    const given = createHash('sha256').update(m[1]!).digest();
    if (!timingSafeEqual(given, this.expected)) throw new UnauthorizedException('A valid bearer token is required');
    return true;
  }
}
