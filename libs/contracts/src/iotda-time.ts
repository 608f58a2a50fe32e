// The two time formats of the application API (spec 05 §1.7). Every IoTDA `*_time` field, the `X-Sdk-Date` header
// and push `event_time` use the compact one; device `active_time` and `connection_status_update_time` the other.

const COMPACT = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const compactBySecond = new Map<number, string>();

/** `yyyyMMdd'T'HHmmss'Z'` in UTC, e.g. `20240115T081530Z`. */
export function formatCompactUtc(ms: number): string {
  // A hot path (bench:mqtt): every uplink formats its receive time and re-checks the device's event time, mostly
  // the same few seconds over and over. Recent seconds are kept.
  const second = Math.floor(ms / 1000);
  let text = compactBySecond.get(second);
  if (text === undefined) {
    text = new Date(second * 1000).toISOString().replace(/[-:]|\.\d{3}/g, '');
    if (compactBySecond.size >= 1024) compactBySecond.clear();
    compactBySecond.set(second, text);
  }
  return text;
}

/** Parses `yyyyMMdd'T'HHmmss'Z'` into ms since epoch; undefined unless the text is exactly that and a real date. */
export function parseCompactUtc(value: string): number | undefined {
  const m = COMPACT.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return formatCompactUtc(ms) === value ? ms : undefined;
}

/** `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` in UTC, e.g. `2024-01-15T08:20:00.000Z`. */
export function formatMillisUtc(ms: number): string {
  return new Date(ms).toISOString();
}
