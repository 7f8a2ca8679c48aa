import { Inject, Injectable } from '@nestjs/common';
import { notFound } from '@crawlflow/engine';
import { DataSource } from 'typeorm';
import { Page, pageOf } from '../http/pagination';
import { normalise, Row } from '../http/rows';

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

  async createSource(input: NewSource): Promise<Row> {
    const result: { insertId: number } = await this.db.query(
      'INSERT INTO crawl_sources (name, base_url) VALUES (?, ?)',
      [input.name, input.base_url],
    );
    return this.getSource(String(result.insertId));
  }

  async getSource(id: string): Promise<Row> {
    const [row] = (await this.db.query('SELECT * FROM crawl_sources WHERE id = ?', [id])) as Row[];
    if (!row) throw notFound(`source ${id} does not exist`);
    return normalise(row);
  }

  async listSources(limit: number, after?: string): Promise<Page<Row>> {
    return this.page('crawl_sources', limit, after);
  }

  async createTargetType(input: NewTargetType): Promise<Row> {
    const result: { insertId: number } = await this.db.query(
      'INSERT INTO target_types (code, name) VALUES (?, ?)',
      [input.code, input.name],
    );
    const [row] = (await this.db.query('SELECT * FROM target_types WHERE id = ?', [
      result.insertId,
    ])) as Row[];
    return normalise(row);
  }

  async listTargetTypes(limit: number, after?: string): Promise<Page<Row>> {
    return this.page('target_types', limit, after);
  }

  async createTarget(input: NewTarget): Promise<Row> {
    await this.getSource(input.source_id);
    if (input.target_type_id) {
      const [type] = (await this.db.query('SELECT id FROM target_types WHERE id = ?', [
        input.target_type_id,
      ])) as Row[];
      if (!type) throw notFound(`target type ${input.target_type_id} does not exist`);
    }
    const result: { insertId: number } = await this.db.query(
      'INSERT INTO crawl_targets (source_id, target_type_id, url, name, attributes) VALUES (?, ?, ?, ?, ?)',
      [
        input.source_id,
        input.target_type_id ?? null,
        input.url,
        input.name ?? null,
        input.attributes ? JSON.stringify(input.attributes) : null,
      ],
    );
    return this.getTarget(String(result.insertId));
  }

  async getTarget(id: string): Promise<Row> {
    const [row] = (await this.db.query('SELECT * FROM crawl_targets WHERE id = ?', [id])) as Row[];
    if (!row) throw notFound(`target ${id} does not exist`);
    return normalise(row, ['attributes']);
  }

  async listTargets(limit: number, after?: string, sourceId?: string): Promise<Page<Row>> {
    return this.page('crawl_targets', limit, after, sourceId ? { source_id: sourceId } : {}, ['attributes']);
  }

  private async page(
    table: 'crawl_sources' | 'target_types' | 'crawl_targets',
    limit: number,
    after: string | undefined,
    filters: Record<string, string> = {},
    jsonColumns: readonly string[] = [],
  ): Promise<Page<Row>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (after !== undefined) {
      where.push('id > ?');
      params.push(after);
    }
    for (const [column, value] of Object.entries(filters)) {
      where.push(`${column} = ?`);
      params.push(value);
    }
    const rows = (await this.db.query(
      `SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`,
      [...params, limit + 1],
    )) as Row[];
    return pageOf(
      rows.map((row) => normalise(row, jsonColumns)),
      limit,
    );
  }
}
