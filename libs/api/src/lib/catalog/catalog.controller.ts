import { fieldTable } from '@crawlflow/contracts';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiBodyOf, parseBody } from '../http/field-table';
import { afterId, parsePageQuery } from '../http/pagination';
import { idParam, queryId } from '../http/request-fields';
import { CatalogService } from './catalog.service';

export const SOURCE_FIELDS = fieldTable({
  name: { type: 'string', required: true, maxLength: 100 },
  base_url: { type: 'string', required: true, maxLength: 1000, format: 'uri' },
});

export const TARGET_TYPE_FIELDS = fieldTable({
  code: {
    type: 'string',
    required: true,
    maxLength: 50,
    pattern: '^[A-Za-z0-9_.-]+$',
    patternProblem: 'letters, digits, _, . and - only',
  },
  name: { type: 'string', required: true, maxLength: 100 },
});

export const TARGET_FIELDS = fieldTable({
  source_id: { type: 'id', required: true },
  target_type_id: { type: 'id' },
  url: { type: 'string', required: true, maxLength: 1000, format: 'uri' },
  name: { type: 'string', maxLength: 255 },
  attributes: { type: 'object' },
});

const PAGE_QUERIES = [
  ApiQuery({ name: 'limit', required: false, description: '1..500, default 50' }),
  ApiQuery({ name: 'cursor', required: false, description: 'next_cursor of the previous page' }),
];

function pageQueries(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const decorate of PAGE_QUERIES) decorate(target, key, descriptor);
  };
}

@ApiTags('catalog')
@ApiBearerAuth()
@Controller('api')
export class CatalogController {
  constructor(@Inject(CatalogService) private readonly catalog: CatalogService) {}

  @Post('sources')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a crawl source (a site with its base URL)' })
  @ApiBodyOf(SOURCE_FIELDS)
  createSource(@Body() raw: unknown) {
    return this.catalog.createSource(parseBody(SOURCE_FIELDS, raw));
  }

  @Get('sources')
  @pageQueries()
  @ApiOperation({ summary: 'List sources' })
  listSources(@Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query);
    return this.catalog.listSources(page.limit, afterId(page));
  }

  @Get('sources/:id')
  @ApiOperation({ summary: 'One source' })
  getSource(@Param('id') id: string) {
    return this.catalog.getSource(idParam(id));
  }

  @Post('target-types')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a target type' })
  @ApiBodyOf(TARGET_TYPE_FIELDS)
  createTargetType(@Body() raw: unknown) {
    return this.catalog.createTargetType(parseBody(TARGET_TYPE_FIELDS, raw));
  }

  @Get('target-types')
  @pageQueries()
  @ApiOperation({ summary: 'List target types' })
  listTargetTypes(@Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query);
    return this.catalog.listTargetTypes(page.limit, afterId(page));
  }

  @Post('targets')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a target (a URL of a source, of a target type)' })
  @ApiBodyOf(TARGET_FIELDS)
  createTarget(@Body() raw: unknown) {
    return this.catalog.createTarget(parseBody(TARGET_FIELDS, raw));
  }

  @Get('targets')
  @pageQueries()
  @ApiQuery({ name: 'source_id', required: false })
  @ApiOperation({ summary: 'List targets' })
  listTargets(@Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query);
    return this.catalog.listTargets(page.limit, afterId(page), queryId(query, 'source_id'));
  }

  @Get('targets/:id')
  @ApiOperation({ summary: 'One target' })
  getTarget(@Param('id') id: string) {
    return this.catalog.getTarget(idParam(id));
  }
}
