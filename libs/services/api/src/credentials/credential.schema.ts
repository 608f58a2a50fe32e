/** A project (tenant) as stored (`api_projects`, keyed by project id, tenant `instance`). */
export interface StoredProject {
  readonly project_id: string;
  readonly name: string;
  /** The project created on first start, which the admin credentials belong to. */
  readonly default_project: boolean;
  /** ms since epoch. */
  readonly created_at: number;
}

/** An access key (`api_access_keys`, keyed by AK, tenant `instance`). */
export interface StoredAccessKey {
  readonly project_id: string;
  /** The SK, sealed with the deployment's SecretBox: the signature check needs it in plain text. */
  readonly secret: string;
  /** May create projects. */
  readonly admin: boolean;
  readonly created_at: number;
}

/** A token (`api_tokens`, keyed by SHA-256 of the token: the token itself is never stored). */
export interface StoredToken {
  readonly project_id: string;
  readonly admin: boolean;
  readonly created_at: number;
}

/** Who a request is from, once authenticated. */
export interface Principal {
  readonly projectId: string;
  readonly admin: boolean;
}

/** What a person is given once, when a project (or the default one) is created. */
export interface IssuedCredentials {
  readonly project_id: string;
  readonly access_key: string;
  readonly secret_key: string;
  readonly token: string;
}
