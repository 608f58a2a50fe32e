import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ZodValidationPipe, markerPagingOf } from '@nidus/platform-iotda-http';
import { type AddPushCertificate, addPushCertificateSchema } from './push-certificate.dto';
import { PushCertificatesService } from './push-certificates.service';

/** Push CA certificates (spec 03 §6.5.1; the path of spec 03's API table). */
@Controller('v5/iot/:project_id/push-certificates')
export class PushCertificatesController {
  constructor(private readonly certificates: PushCertificatesService) {}

  @Post()
  create(
    @Param('project_id') project: string,
    @Body(new ZodValidationPipe(addPushCertificateSchema)) body: AddPushCertificate,
  ) {
    return this.certificates.create(project, body);
  }

  @Get()
  list(@Param('project_id') project: string, @Query() raw: Record<string, unknown>) {
    return this.certificates.list(project, markerPagingOf(raw));
  }

  @Get(':cert_id')
  show(@Param('project_id') project: string, @Param('cert_id') certId: string) {
    return this.certificates.show(project, certId);
  }

  @Delete(':cert_id')
  @HttpCode(204)
  async delete(@Param('project_id') project: string, @Param('cert_id') certId: string): Promise<void> {
    await this.certificates.delete(project, certId);
  }
}
