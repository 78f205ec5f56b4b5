import { Controller, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';

/** Console pages under /admin/subscribers (being built). */
@ApiExcludeController()
@Controller('admin/subscribers')
@UseGuards(AdminAuthGuard)
export class SubscribersConsoleController {}
