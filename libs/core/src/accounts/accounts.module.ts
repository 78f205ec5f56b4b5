import { Global, Module } from '@nestjs/common';
import { AccountsService } from './accounts.service';
import { ApiTokenRepository } from './api-token.repository';
import { SessionRepository } from './session.repository';
import { UserRepository } from './user.repository';

/** Global: the admin guard that needs it is instantiated inside every module whose controllers use it. */
@Global()
@Module({
  providers: [AccountsService, UserRepository, SessionRepository, ApiTokenRepository],
  exports: [AccountsService],
})
export class AccountsModule {}
