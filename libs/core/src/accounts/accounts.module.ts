import { Global, Module } from '@nestjs/common';
import { AccountsService } from './accounts.service';

/** Global: the admin guard that needs it is instantiated inside every module whose controllers use it. */
@Global()
@Module({
  providers: [AccountsService],
  exports: [AccountsService],
})
export class AccountsModule {}
