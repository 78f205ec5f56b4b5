import { SetMetadata } from '@nestjs/common';
import { UserRole } from '@app/database';

export const ROLES_KEY = 'admin:roles';
export const PUBLIC_KEY = 'admin:public';
export const SESSION_ONLY_KEY = 'admin:session-only';

type RoleName = `${UserRole}`;

/**
 * Who may call a handler (or every handler of a controller). Without it AdminAuthGuard applies the default
 * policy: reads (GET/HEAD) for admin, editor and ops; writes for admin and editor; users for admin only.
 */
export const Roles = (...roles: RoleName[]) => SetMetadata(ROLES_KEY, roles);

/** Opts a console route (login page, static asset) out of the /admin and /api/admin authentication net. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/**
 * Only a console session may call this handler: any bearer token (personal or ADMIN_API_TOKEN) gets 403 with
 * `reason`, before the body is validated. For acts a stolen token must not be able to do, like minting tokens.
 */
export const SessionOnly = (reason: string) => SetMetadata(SESSION_ONLY_KEY, reason);
