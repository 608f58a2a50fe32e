// The two time formats of the application API (spec 05 §1.7). Every IoTDA `*_time` field, the `X-Sdk-Date` header
// and push `event_time` use the compact one; device `active_time` and `connection_status_update_time` the other.

const COMPACT = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const compactBySecond = new Map<number, string>();
const parsedCompact = new Map<string, number>();

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
  let ms = parsedCompact.get(value); // devices report the same recent seconds over and over
  if (ms !== undefined) return ms;
  const m = COMPACT.exec(value);
  if (!m) return undefined;
  ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (formatCompactUtc(ms) !== value) return undefined;
  if (parsedCompact.size >= 1024) parsedCompact.clear();
  parsedCompact.set(value, ms);
  return ms;
}

const maxFourDigitYearMs = Date.UTC(10000, 0);
let isoSecond = Number.NaN;
let isoPrefix = '';

/** `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` in UTC, e.g. `2024-01-15T08:20:00.000Z` (as `Date#toISOString`, years 0–9999). */
export function formatMillisUtc(ms: number): string {
  if (!(ms >= 0 && ms < maxFourDigitYearMs)) return new Date(ms).toISOString();
  // Every bus event has one (its CloudEvents time): the second is formatted once, the milliseconds appended.
  const whole = Math.floor(ms);
  const second = Math.floor(whole / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return `${isoPrefix}${String(whole - second * 1000).padStart(3, '0')}Z`;
}
