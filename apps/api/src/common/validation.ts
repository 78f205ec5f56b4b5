import { ValidationPipe, type ValidationPipeOptions } from '@nestjs/common';

/** How every DTO is checked: the API's bodies and queries, and the console's query strings and forms. */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  stopAtFirstError: false,
};

export function validationPipe(): ValidationPipe {
  return new ValidationPipe(VALIDATION_OPTIONS);
}
