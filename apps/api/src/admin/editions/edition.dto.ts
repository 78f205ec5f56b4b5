import type { Inline, LinkSource } from '@app/content';
import { EDITION_SUBJECT_MAX_LENGTH } from '@app/core';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsAddress } from '../../common/is-address';
import { IsInline, IsLinkSources, IsLinkUrl } from './is-inline';

// CR and LF, and the other line breaks a mail client or a browser may honour.
const SINGLE_LINE = /^[^\r\n\u0085\u2028\u2029]*$/;
const SINGLE_LINE_MSG = (field: string): string => `${field} must be a single line (no CR or LF)`;

/** Swagger schema of running text: a string, or runs of strings and links. */
const INLINE_SCHEMA: Record<string, unknown> = {
  oneOf: [
    { type: 'string' },
    {
      type: 'array',
      items: {
        oneOf: [
          { type: 'string' },
          {
            type: 'object',
            properties: {
              text: { type: 'string' },
              href: { type: 'string', format: 'uri' },
              strong: { type: 'boolean', enum: [true] },
              em: { type: 'boolean', enum: [true] },
            },
            required: ['text', 'href'],
          },
          {
            type: 'object',
            properties: {
              text: { type: 'string' },
              strong: { type: 'boolean', enum: [true] },
              em: { type: 'boolean', enum: [true] },
            },
            required: ['text'],
          },
        ],
      },
    },
  ],
  description:
    'Running text: a string, or an array of strings, links {text, href} (href http: or https:, at most 2,000 characters) and emphasised words {text, strong: true, em: true} (a link may carry strong/em too)',
};

export class HighlightDto {
  @ApiProperty({ ...INLINE_SCHEMA, example: 'Russia and China sign a deal' })
  @IsInline({ maxLength: 500, singleLine: true })
  headline!: Inline;

  @ApiProperty({ type: 'array', items: INLINE_SCHEMA })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsInline({ maxLength: 20_000 }, { each: true })
  paragraphs!: Inline[];
}

export class LinkItemDto {
  @ApiProperty(INLINE_SCHEMA)
  @IsInline({ maxLength: 2000 })
  text!: Inline;

  @ApiProperty({
    type: 'array',
    items: {
      oneOf: [
        { type: 'string' },
        {
          type: 'object',
          properties: { name: { type: 'string' }, url: { type: 'string', format: 'uri' } },
          required: ['name', 'url'],
        },
      ],
    },
    example: ['Reuters', { name: 'Global Times', url: 'https://www.globaltimes.cn/' }],
  })
  @IsLinkSources()
  sources!: LinkSource[];
}

export class AttributedItemDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  title!: string;

  @ApiProperty({ example: 'Jane Doe, Some Institute' })
  @IsString()
  @MaxLength(1000)
  attribution!: string;

  @ApiPropertyOptional({ description: 'Where the title links to (http: or https:)', format: 'uri' })
  @IsOptional()
  @IsLinkUrl()
  url?: string;
}

export class MastheadEntryDto {
  @ApiProperty({ example: 'Editor' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  role!: string;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsAddress({ message: 'masthead email must be a valid email address' })
  email?: string;
}

/** The structured edition (the same shape the draft parser produces). */
export class EditionContentDto {
  @ApiProperty({ example: 'The Example Review' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @Matches(SINGLE_LINE, { message: SINGLE_LINE_MSG('publicationName') })
  publicationName!: string;

  @ApiProperty({ example: '2025-04', description: 'Issue month, YYYY-MM' })
  @IsString()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'slug must be a month, YYYY-MM' })
  slug!: string;

  @ApiProperty({ example: 'The Example Review | April 2025', maxLength: EDITION_SUBJECT_MAX_LENGTH })
  @IsString()
  @IsNotEmpty()
  @MaxLength(EDITION_SUBJECT_MAX_LENGTH)
  @Matches(SINGLE_LINE, { message: SINGLE_LINE_MSG('subject') })
  subject!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(5000)
  description!: string;

  @ApiProperty({ example: 'April 2025 Highlights' })
  @IsString()
  @MaxLength(300)
  @Matches(SINGLE_LINE, { message: SINGLE_LINE_MSG('highlightsTitle') })
  highlightsTitle!: string;

  @ApiProperty({ type: [HighlightDto] })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => HighlightDto)
  highlights!: HighlightDto[];

  @ApiProperty({ type: [LinkItemDto] })
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => LinkItemDto)
  links!: LinkItemDto[];

  @ApiProperty({ type: [AttributedItemDto] })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => AttributedItemDto)
  analysis!: AttributedItemDto[];

  @ApiProperty({ type: [AttributedItemDto] })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => AttributedItemDto)
  perspectives!: AttributedItemDto[];

  @ApiProperty({ example: 'The Example Review' })
  @IsString()
  @MaxLength(200)
  mastheadTitle!: string;

  @ApiProperty({ type: [MastheadEntryDto] })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => MastheadEntryDto)
  masthead!: MastheadEntryDto[];
}

// Fields may be left out, but not set to null (IsOptional would let null through to the service: a 500).
export class UpdateEditionDto extends PartialType(EditionContentDto, { skipNullProperties: false }) {}

export class TestSendDto {
  @ApiProperty({ type: [String], example: ['editor@example.org'], description: '1 to 10 addresses' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsAddress({ each: true, message: 'each of to must be a valid email address' })
  @Matches(SINGLE_LINE, { each: true, message: SINGLE_LINE_MSG('to') })
  to!: string[];
}

export class EditionSummaryDto {
  @ApiProperty() id!: number;
  @ApiProperty() slug!: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ enum: ['draft', 'scheduled', 'sending', 'sent'] }) status!: string;
  @ApiProperty({ nullable: true, type: String }) sentAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class EditionViewDto extends EditionSummaryDto {
  @ApiProperty({ type: EditionContentDto }) content!: EditionContentDto;
}

export class DraftImportWarningDto {
  @ApiProperty({ enum: ['images-ignored', 'footnotes-ignored'] }) code!: string;
  @ApiProperty() count!: number;
  @ApiProperty({ example: 'An image was left out: an issue carries no images.' }) message!: string;
}

/** An edition imported from a Word document or HTML: what of the document was left out. */
export class ImportedEditionDto extends EditionViewDto {
  @ApiProperty({ type: [DraftImportWarningDto] }) warnings!: DraftImportWarningDto[];
}

export class ConvertedDraftDto {
  @ApiProperty({ description: 'The document as draft text (docs/draft-format.md), one line per paragraph' })
  draft!: string;

  @ApiProperty({ type: [DraftImportWarningDto] }) warnings!: DraftImportWarningDto[];
}
