import { Controller, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';

/** Console pages under /admin/tokens (being built). */
@ApiExcludeController()
@Controller('admin/tokens')
@UseGuards(AdminAuthGuard)
export class TokensConsoleController {}
