import { Global, Module } from '@nestjs/common';
import { AccountsService } from './accounts.service';
import { ApiTokenRepository } from './api-token.repository';
import { SessionRepository } from './session.repository';
import { TwoFactorRepository } from './two-factor.repository';
import { TwoFactorService } from './two-factor.service';
import { UserRepository } from './user.repository';

/** Global: the admin guard that needs it is instantiated inside every module whose controllers use it. */
@Global()
@Module({
  providers: [
    AccountsService,
    TwoFactorService,
    UserRepository,
    SessionRepository,
    ApiTokenRepository,
    TwoFactorRepository,
  ],
  exports: [AccountsService, TwoFactorService],
})
export class AccountsModule {}
