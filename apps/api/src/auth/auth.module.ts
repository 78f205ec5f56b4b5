import { AccountsModule } from '@app/core/accounts';
import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminAuthGuard, AdminSurfaceGuard } from './admin-auth.guard';
import { ConsoleAuthController } from './console-auth.controller';
import { ConsoleSessions } from './console-sessions';
import { LoginThrottle } from './login-throttle';
import { RequestAuthenticator } from './request-authenticator';
import { TokensController } from './tokens.controller';
import { TwoFactorLoginController } from './two-factor-login.controller';
import { UsersController } from './users.controller';

/**
 * Accounts over HTTP: the admin guard (also installed globally for /api/admin and /admin), users and tokens
 * API, console sign-in. Global so `@UseGuards(AdminAuthGuard)` resolves its dependencies in any module.
 */
@Global()
@Module({
  imports: [AccountsModule],
  controllers: [ConsoleAuthController, TwoFactorLoginController, UsersController, TokensController],
  providers: [
    RequestAuthenticator,
    LoginThrottle,
    ConsoleSessions,
    AdminAuthGuard,
    { provide: APP_GUARD, useClass: AdminSurfaceGuard },
  ],
  exports: [RequestAuthenticator, AdminAuthGuard, AccountsModule],
})
export class AuthModule {}
