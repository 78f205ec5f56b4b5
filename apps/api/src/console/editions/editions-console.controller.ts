import { Controller, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';

/** Console pages under /admin/editions (being built). */
@ApiExcludeController()
@Controller('admin/editions')
@UseGuards(AdminAuthGuard)
export class EditionsConsoleController {}
