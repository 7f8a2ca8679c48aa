import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApiError } from './api-error';
import { toErrorBody } from './api-exception.filter';
import { ApiTokenGuard } from './api-token.guard';

export const DOCS_PATH = 'api/docs';

interface ExpressLike {
  use(handler: (req: DocsRequest, res: DocsResponse, next: () => void) => void): unknown;
}
interface DocsRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
}
interface DocsResponse {
  status(code: number): DocsResponse;
  json(body: unknown): unknown;
}

/**
 * Serves the OpenAPI document generated from the controllers at `/api/docs` (UI) and
 * `/api/docs-json`. The apps are booted by the shared bootstrap, which knows nothing of Swagger, so
 * the documents are mounted from inside the module: SwaggerModule needs only these parts of the
 * application. It runs in onModuleInit — after Nest registered its routes, before its 404 handler —
 * and the documents sit behind the same bearer token as the rest of `/api`.
 */
@Injectable()
export class OpenApiService implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(ModulesContainer) private readonly modules: ModulesContainer,
    @Inject(ApplicationConfig) private readonly appConfig: ApplicationConfig,
    @Inject(ApiTokenGuard) private readonly guard: ApiTokenGuard,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter || adapter.getType() !== 'express') return;
    const instance = adapter.getInstance<ExpressLike>();
    // Not mounted at the path: express matches mounts by segment, and `/api/docs-json` is a sibling.
    instance.use((req, res, next) => {
      if (!req.path.startsWith(`/${DOCS_PATH}`) || this.guard.allows(req.headers.authorization))
        return next();
      const body = toErrorBody(
        new ApiError(401, 'missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)'),
      );
      res.status(401).json(body);
    });
    const modules = this.modules;
    const app = {
      container: { getModules: () => modules, isGlobalModule: () => false },
      config: this.appConfig,
      getHttpAdapter: () => adapter,
      useStaticAssets: (path: string, options: unknown) =>
        (adapter as unknown as { useStaticAssets(path: string, options: unknown): void }).useStaticAssets(
          path,
          options,
        ),
    };
    const config = new DocumentBuilder()
      .setTitle('crawlflow control plane')
      .setDescription(
        'Workflows, jobs, sources and targets of the crawlflow platform. Errors: {statusCode, error, message, path?}.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build();
    // The scanner reads only container, config and the HTTP adapter of the application it is given.
    const application = app as unknown as Parameters<typeof SwaggerModule.createDocument>[0];
    SwaggerModule.setup(DOCS_PATH, application, () => SwaggerModule.createDocument(application, config));
  }
}
