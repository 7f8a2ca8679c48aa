import { CatalogRepository } from '@crawlflow/db';
import { notFound } from '@crawlflow/engine';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Page, pageOf } from '../http/pagination';
import {
  SourceView,
  TargetTypeView,
  CrawlTargetView,
  toSourceView,
  toTargetTypeView,
  toCrawlTargetView,
} from './catalog-views';

export interface NewSource {
  name: string;
  base_url: string;
}

export interface NewTargetType {
  code: string;
  name: string;
}

export interface NewTarget {
  source_id: string;
  target_type_id?: string;
  url: string;
  name?: string;
  attributes?: Record<string, unknown>;
}

/** The stand-ins for the target domain: sources, target types and targets. */
@Injectable()
export class CatalogService {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async createSource(input: NewSource): Promise<SourceView> {
    const id = await CatalogRepository.addSource(this.db, { name: input.name, baseUrl: input.base_url });
    return this.getSource(id);
  }

  async getSource(id: string): Promise<SourceView> {
    const source = await CatalogRepository.source(this.db, id);
    if (!source) throw notFound(`source ${id} does not exist`);
    return toSourceView(source);
  }

  async listSources(limit: number, after?: string): Promise<Page<SourceView>> {
    const sources = await CatalogRepository.sources(this.db, { afterId: after, limit: limit + 1 });
    return pageOf(sources.map(toSourceView), limit);
  }

  async createTargetType(input: NewTargetType): Promise<TargetTypeView> {
    const id = await CatalogRepository.addTargetType(this.db, { code: input.code, name: input.name });
    const type = await CatalogRepository.targetType(this.db, id);
    if (!type) throw notFound(`target type ${id} does not exist`);
    return toTargetTypeView(type);
  }

  async listTargetTypes(limit: number, after?: string): Promise<Page<TargetTypeView>> {
    const types = await CatalogRepository.targetTypes(this.db, { afterId: after, limit: limit + 1 });
    return pageOf(types.map(toTargetTypeView), limit);
  }

  async createTarget(input: NewTarget): Promise<CrawlTargetView> {
    await this.getSource(input.source_id);
    if (input.target_type_id && !(await CatalogRepository.targetTypeExists(this.db, input.target_type_id)))
      throw notFound(`target type ${input.target_type_id} does not exist`);
    const id = await CatalogRepository.addTarget(this.db, {
      sourceId: input.source_id,
      targetTypeId: input.target_type_id ?? null,
      url: input.url,
      name: input.name ?? null,
      attributes: input.attributes ?? null,
    });
    return this.getTarget(id);
  }

  async getTarget(id: string): Promise<CrawlTargetView> {
    const target = await CatalogRepository.target(this.db, id);
    if (!target) throw notFound(`target ${id} does not exist`);
    return toCrawlTargetView(target);
  }

  async listTargets(limit: number, after?: string, sourceId?: string): Promise<Page<CrawlTargetView>> {
    const targets = await CatalogRepository.targets(this.db, { afterId: after, limit: limit + 1, sourceId });
    return pageOf(targets.map(toCrawlTargetView), limit);
  }
}
