import {
  BadRequestException,
  Injectable,
  NotFoundException,
  Param,
  type PipeTransform,
} from '@nestjs/common';

const MAX_INT4 = 2147483647;

/**
 * The one reading of an `:id` path parameter (API and console): not a whole number is a 400 (as Nest's
 * ParseIntPipe said before), a whole number no row can have (ids are int4, from 1) a 404 without a query.
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^-?\d+$/.test(value)) {
      throw new BadRequestException('Validation failed (numeric string is expected)');
    }
    const id = Number(value);
    if (id < 1 || id > MAX_INT4) throw new NotFoundException(`Id ${value} not found: no record has it`);
    return id;
  }
}

/** The route's `:id`, read by ParseIdPipe. */
export function IdParam(): ParameterDecorator {
  return Param('id', ParseIdPipe);
}
