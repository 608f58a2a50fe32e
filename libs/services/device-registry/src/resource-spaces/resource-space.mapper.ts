import { formatCompactUtc } from '@nidus/contracts';
import type { ApplicationDto } from './resource-space.dto';
import type { StoredApp } from './resource-space.schema';

export function toApplicationDto(app: StoredApp): ApplicationDto {
  return {
    app_id: app.app_id,
    app_name: app.app_name,
    create_time: formatCompactUtc(app.created_at),
    default_app: app.default_app,
  };
}
