/** A resource space as stored (`registry_apps`, keyed by `app_id`, tenant = project). */
export interface StoredApp {
  readonly app_id: string;
  readonly app_name: string;
  readonly default_app: boolean;
  /** ms since epoch. */
  readonly created_at: number;
}
