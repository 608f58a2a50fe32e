import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { findOne } from '@nidus/persistence-core';
import {
  API_STORE,
  type ApiStore,
  CredentialService,
  instanceTenant,
  newCredential,
} from './credential.service';

/**
 * First start (issue 3): a default project with an admin access key and token, printed once and written to
 * `<data dir>/credentials.json` (mode 0600). NIDUS_DEFAULT_PROJECT_ID, NIDUS_ADMIN_AK/SK and NIDUS_ADMIN_TOKEN
 * set them instead, on every start.
 */
@Injectable()
export class AdminBootstrap implements OnModuleInit {
  constructor(
    @Inject(API_STORE) private readonly store: ApiStore,
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly credentials: CredentialService,
  ) {}

  async onModuleInit(): Promise<void> {
    const { admin, dataDir } = this.runtime.config;
    const file = join(dataDir, 'credentials.json');
    const projectId = await this.defaultProject(admin.projectId);
    const issued: Record<string, string> = {};

    if (admin.accessKey && admin.secretKey) {
      await this.credentials.putAccessKey(admin.accessKey, projectId, admin.secretKey, true);
    } else if (
      (await this.store.accessKeys.count(instanceTenant, { project_id: projectId, admin: true })) === 0
    ) {
      const [accessKey, secretKey] = [newCredential.accessKey(), newCredential.secretKey()];
      Object.assign(issued, { access_key: accessKey, secret_key: secretKey });
      await this.credentials.putAccessKey(accessKey, projectId, secretKey, true);
    }
    if (admin.token) {
      await this.credentials.putToken(admin.token, projectId, true);
    } else if (
      (await this.store.tokens.count(instanceTenant, { project_id: projectId, admin: true })) === 0
    ) {
      const token = newCredential.token();
      issued['token'] = token;
      await this.credentials.putToken(token, projectId, true);
    }

    if (Object.keys(issued).length > 0) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, `${JSON.stringify({ project_id: projectId, ...issued }, null, 2)}\n`, {
        mode: 0o600,
      });
      const lines = Object.entries({ project_id: projectId, ...issued }).map(
        ([k, v]) => `  ${k.padEnd(11)} ${v}`,
      );
      this.runtime.notice(
        `Admin credentials, created now and shown once (also in ${file}, readable only by you):\n${lines.join('\n')}`,
      );
    } else {
      this.runtime.notice(
        `Default project ${projectId}` + (existsSync(file) ? `; its admin credentials are in ${file}` : ''),
      );
    }
    this.runtime.logger.info({ projectId, issued: Object.keys(issued) }, 'default project ready');
  }

  private async defaultProject(wanted: string | undefined): Promise<string> {
    if (wanted !== undefined) {
      if (!(await this.store.projects.get(instanceTenant, wanted))) await this.createProjectRecord(wanted);
      return wanted;
    }
    const found = await findOne(this.store.projects, instanceTenant, { default_project: true });
    if (found) return found.data.project_id;
    const projectId = newCredential.projectId();
    await this.createProjectRecord(projectId);
    return projectId;
  }

  private async createProjectRecord(projectId: string): Promise<void> {
    await this.store.projects.insert(instanceTenant, projectId, {
      project_id: projectId,
      name: 'default',
      default_project: true,
      created_at: this.runtime.clock.now(),
    });
  }
}
