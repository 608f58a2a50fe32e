import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HealthRegistry } from './health-registry';

/** `/health/live` and `/health/ready` of a service (or, on the embedded API port, of the whole process). */
@Controller('health')
export class HealthController {
  constructor(@Inject(HealthRegistry) private readonly registry: HealthRegistry) {}

  @Get('live')
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  @Get('ready')
  async ready() {
    const report = await this.registry.ready();
    if (report.status === 'down') throw new ServiceUnavailableException(report); // 503 with the report as body
    return report;
  }
}
