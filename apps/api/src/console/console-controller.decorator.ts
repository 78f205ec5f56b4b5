import { applyDecorators, Controller, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { ConsoleExceptionFilter } from './console-exception.filter';

/**
 * A controller of console pages under /admin: HTML for people (left out of the OpenAPI document), behind
 * AdminAuthGuard (session cookie + CSRF, or a bearer token), its errors drawn by ConsoleExceptionFilter.
 */
export function ConsoleController(path: string): ClassDecorator {
  return applyDecorators(
    ApiExcludeController(),
    Controller(path),
    UseGuards(AdminAuthGuard),
    UseFilters(ConsoleExceptionFilter),
  );
}
