import { Controller, Get, Header, Res } from '@nestjs/common';
import { MetricsService } from './metrics.service';

/** Minimal response surface, so the controller does not tie itself to one HTTP platform. */
interface ContentTypeResponse {
  setHeader(name: string, value: string): unknown;
}

@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) res: ContentTypeResponse): Promise<string> {
    const { contentType, body } = await this.metrics.render();
    res.setHeader('Content-Type', contentType);
    return body;
  }
}
