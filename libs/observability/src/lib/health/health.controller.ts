import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import { HealthService } from './health.service';
import { ReadinessReport } from './readiness';

/** Minimal response surface, so the controller does not tie itself to one HTTP platform. */
interface StatusResponse {
  status(code: number): unknown;
}

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Answers while the event loop turns: a liveness probe must not depend on the database or broker. */
  @Get('live')
  @Header('Cache-Control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  async ready(@Res({ passthrough: true }) res: StatusResponse): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    if (report.status !== 'ok') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
