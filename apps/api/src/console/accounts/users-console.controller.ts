import { Controller, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';

/** Console pages under /admin/users (being built). */
@ApiExcludeController()
@Controller('admin/users')
@UseGuards(AdminAuthGuard)
export class UsersConsoleController {}
