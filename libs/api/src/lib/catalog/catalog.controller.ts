import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { SchemaError } from '@crawlflow/contracts';
import { afterId, parsePageQuery } from '../http/pagination';
import {
  bodyOf,
  httpUrl,
  idParam,
  optionalId,
  optionalObject,
  optionalString,
  queryId,
  requiredId,
  requiredString,
} from '../http/request-fields';
import { CatalogService } from './catalog.service';

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
  @ApiBody({
    schema: {
      type: 'object',
      required: ['name', 'base_url'],
      properties: { name: { type: 'string', maxLength: 100 }, base_url: { type: 'string', format: 'uri' } },
    },
  })
  createSource(@Body() raw: unknown) {
    const body = bodyOf(raw, ['name', 'base_url']);
    return this.catalog.createSource({
      name: requiredString(body, 'name', 'body', 100),
      base_url: httpUrl(requiredString(body, 'base_url', 'body', 1000), 'body.base_url'),
    });
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
  @ApiBody({
    schema: {
      type: 'object',
      required: ['code', 'name'],
      properties: { code: { type: 'string', maxLength: 50 }, name: { type: 'string', maxLength: 100 } },
    },
  })
  createTargetType(@Body() raw: unknown) {
    const body = bodyOf(raw, ['code', 'name']);
    const code = requiredString(body, 'code', 'body', 50);
    if (!/^[A-Za-z0-9_.-]+$/.test(code))
      throw new SchemaError('body.code', 'letters, digits, _, . and - only');
    return this.catalog.createTargetType({ code, name: requiredString(body, 'name', 'body', 100) });
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
  @ApiBody({
    schema: {
      type: 'object',
      required: ['source_id', 'url'],
      properties: {
        source_id: { type: 'string' },
        target_type_id: { type: 'string' },
        url: { type: 'string', format: 'uri' },
        name: { type: 'string', maxLength: 255 },
        attributes: { type: 'object' },
      },
    },
  })
  createTarget(@Body() raw: unknown) {
    const body = bodyOf(raw, ['source_id', 'target_type_id', 'url', 'name', 'attributes']);
    return this.catalog.createTarget({
      source_id: requiredId(body, 'source_id', 'body'),
      target_type_id: optionalId(body, 'target_type_id', 'body'),
      url: httpUrl(requiredString(body, 'url', 'body', 1000), 'body.url'),
      name: optionalString(body, 'name', 'body', 255),
      attributes: optionalObject(body, 'attributes', 'body'),
    });
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
