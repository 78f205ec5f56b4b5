import { Controller, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';

/** Console pages under /admin/campaigns (being built). */
@ApiExcludeController()
@Controller('admin/campaigns')
@UseGuards(AdminAuthGuard)
export class CampaignsConsoleController {}
