import type { BodyField, FieldTable } from '@crawlflow/contracts';
import { SCHEDULE_FIELDS } from '@crawlflow/scheduling';
import { SOURCE_FIELDS, TARGET_FIELDS, TARGET_TYPE_FIELDS } from '../catalog/catalog.controller';
import { MAPPING_FIELDS, PARALLELISM_FIELDS, POOL_FIELDS } from '../controls/controls.controller';
import { JOB_BODIES } from '../jobs/job-request';
import { SCHEDULE_CHANGE_FIELDS } from '../schedules/schedules.controller';
import { useApiHarness } from '../testing/api-harness';
import { WORKFLOW_CHANGE_FIELDS, WORKFLOW_FIELDS } from '../workflows/workflows.controller';

/** Every route that reads a body, with the table its handler validates it with. */
const BODIES: Array<[string, FieldTable]> = [
  ['POST /api/sources', SOURCE_FIELDS],
  ['POST /api/target-types', TARGET_TYPE_FIELDS],
  ['POST /api/targets', TARGET_FIELDS],
  ['POST /api/workflows', WORKFLOW_FIELDS],
  ['PUT /api/workflows/{id}', WORKFLOW_CHANGE_FIELDS],
  ['POST /api/workflows/{id}/jobs', JOB_BODIES.url],
  ['POST /api/jobs', JOB_BODIES.id],
  ['PUT /api/workflows/{id}/parallelism', PARALLELISM_FIELDS],
  ['PUT /api/resource-pools/{name}', POOL_FIELDS],
  ['POST /api/target-workflow-mappings', MAPPING_FIELDS],
  ['POST /api/schedules', SCHEDULE_FIELDS],
  ['PATCH /api/schedules/{id}', SCHEDULE_CHANGE_FIELDS],
];

interface Schema {
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  [keyword: string]: unknown;
}

/** What the document must say of a field: its limits, values and default, read off the table. */
function promised(spec: BodyField): Record<string, unknown> {
  const { type } = spec;
  return {
    type: type === 'id' || type === 'enum' ? 'string' : type,
    default: 'default' in spec ? spec.default : undefined,
    minimum: 'minimum' in spec ? spec.minimum : undefined,
    maximum: 'maximum' in spec ? spec.maximum : undefined,
    maxLength: 'maxLength' in spec ? spec.maxLength : undefined,
    enum: 'values' in spec ? [...spec.values] : undefined,
    nullable: spec.nullable || undefined,
  };
}

function documented(schema: Schema): Record<string, unknown> {
  return {
    type: schema.type,
    default: schema.default,
    minimum: schema.minimum,
    maximum: schema.maximum,
    maxLength: schema.maxLength,
    enum: schema.enum,
    nullable: schema.nullable,
  };
}

function expectSchemaOf(where: string, schema: Schema | undefined, table: FieldTable): void {
  const required = Object.keys(table).filter((name) => table[name].required);
  expect([where, Object.keys(schema?.properties ?? {})]).toEqual([where, Object.keys(table)]);
  expect([where, [...(schema?.required ?? [])].sort()]).toEqual([where, required.sort()]);
  for (const [name, spec] of Object.entries(table)) {
    const property = schema?.properties?.[name] ?? {};
    expect([`${where} ${name}`, documented(property)]).toEqual([`${where} ${name}`, promised(spec)]);
    if (spec.type === 'array') expectSchemaOf(`${where} ${name}[]`, property.items, spec.items);
  }
}

describe('the OpenAPI document of request bodies', () => {
  const api = useApiHarness('openapi-int-spec');

  it('describes every body with its field table: fields, required, defaults and limits', async () => {
    const docs = await api().call('GET', '/api/docs-json');
    expect(docs.status).toBe(200);
    const withBody: string[] = [];
    for (const [template, operations] of Object.entries<Record<string, Schema>>(docs.body.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (operation.requestBody) withBody.push(`${method.toUpperCase()} ${template}`);
      }
    }
    expect(withBody.sort()).toEqual(BODIES.map(([route]) => route).sort());
    for (const [route, table] of BODIES) {
      const [method, template] = route.split(' ');
      const operation = docs.body.paths[template][method.toLowerCase()];
      expectSchemaOf(route, operation.requestBody.content['application/json'].schema, table);
    }
  });
});
