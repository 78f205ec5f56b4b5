import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { AdminAuthGuard } from '../../auth/admin-auth.guard';
import { Roles } from '../../auth/roles.decorator';
import { html } from '../../pages/html';
import { consolePage } from '../console.layout';

/** The console's home (/admin): being built into a dashboard. */
@ApiExcludeController()
@Controller('admin')
@UseGuards(AdminAuthGuard)
export class ConsoleHomeController {
  @Get()
  @Roles('admin', 'editor', 'ops')
  home(@Req() req: Request): string {
    return consolePage(req, 'Dashboard', html`<h1>Dashboard</h1>`, { section: 'home' });
  }
}
