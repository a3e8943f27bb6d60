// Timestamps and durations as cel-go handles them: RFC 3339 parsing, Go time.ParseDuration syntax, Go
// RFC3339Nano / seconds formatting, civil-date accessors in UTC, fixed offsets ("+05:30") or IANA zones (Intl).
import { CelError, Duration, Timestamp } from "../values.js";
import { INT64_MAX, INT64_MIN, MAX_UNIX_SECONDS, MIN_UNIX_SECONDS, checkTimestamp, floorDiv } from "./ops.js";

const NS = 1_000_000_000n;

// ------------------------------------------------------------ civil calendar (proleptic Gregorian)

/** Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// ------------------------------------------------------------ parsing

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parse an RFC 3339 timestamp as Go's time.Parse(time.RFC3339, s) and check CEL's range. */
export function parseTimestamp(s: string): Timestamp {
  const m = RFC3339.exec(s);
  const bad = (): CelError =>
    new CelError(`parsing time ${JSON.stringify(s)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(s)} as "2006"`);
  if (!m) throw bad();
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12) throw new CelError(`parsing time ${JSON.stringify(s)}: month out of range`);
  const dim = mo === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[mo - 1]!;
  if (d < 1 || d > dim) throw new CelError(`parsing time ${JSON.stringify(s)}: day out of range`);
  if (h > 23) throw new CelError(`parsing time ${JSON.stringify(s)}: hour out of range`);
  if (mi > 59) throw new CelError(`parsing time ${JSON.stringify(s)}: minute out of range`);
  if (se > 59) throw new CelError(`parsing time ${JSON.stringify(s)}: second out of range`);
  let frac = 0n;
  if (m[7]) frac = BigInt((m[7].slice(1) + "000000000").slice(0, 9));
  let off = 0;
  if (m[9]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) throw new CelError(`parsing time ${JSON.stringify(s)}: time zone offset out of range`);
    off = (m[9] === "-" ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const secs = BigInt(daysFromCivil(y, mo, d)) * 86400n + BigInt(h * 3600 + mi * 60 + se - off);
  return checkTimestamp(secs * NS + frac);
}

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  "\u00b5s": 1000n,
  "\u03bcs": 1000n,
  ms: 1_000_000n,
  s: NS,
  m: 60n * NS,
  h: 3600n * NS,
};

/** Go's time.ParseDuration, with its error texts. */
export function parseDuration(orig: string): Duration {
  const invalid = (): CelError => new CelError(`time: invalid duration ${JSON.stringify(orig)}`);
  let s = orig;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return new Duration(0n);
  if (s === "") throw invalid();
  let total = 0n;
  while (s !== "") {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const intPart = num[1] ?? "";
    const fracPart = num[2];
    if (intPart === "" && (fracPart === undefined || fracPart === "")) throw invalid();
    s = s.slice(num[0].length);
    const unitM = /^[^0-9.]+/.exec(s);
    if (!unitM) throw new CelError(`time: missing unit in duration ${JSON.stringify(orig)}`);
    const unitName = unitM[0];
    const unit = UNITS[unitName];
    if (unit === undefined) throw new CelError(`time: unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(orig)}`);
    s = s.slice(unitName.length);
    let v = BigInt(intPart === "" ? "0" : intPart) * unit;
    if (fracPart) v += (BigInt(fracPart) * unit) / 10n ** BigInt(fracPart.length);
    total += v;
    if (total > INT64_MAX + (neg ? 1n : 0n)) throw invalid();
  }
  return new Duration(neg ? -total : total);
}

// ------------------------------------------------------------ formatting

const pad = (n: number | bigint, w: number): string => String(n).padStart(w, "0");

/** Go's t.UTC().Format(time.RFC3339Nano). */
export function formatTimestamp(t: Timestamp): string {
  const secs = floorDiv(t.ns, NS);
  const nanos = Number(t.ns - secs * NS);
  const days = Number(floorDiv(secs, 86400n));
  const sod = Number(secs - BigInt(days) * 86400n);
  const { y, m, d } = civilFromDays(days);
  let out = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(Math.floor(sod / 3600), 2)}:${pad(Math.floor(sod / 60) % 60, 2)}:${pad(sod % 60, 2)}`;
  if (nanos) out += "." + pad(nanos, 9).replace(/0+$/, "");
  return out + "Z";
}

/** cel-go: strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s". */
export function formatDuration(d: Duration): string {
  const secs = Number(d.ns / NS) + Number(d.ns % NS) / 1e9;
  return formatFloatF(secs) + "s";
}

/** Go strconv.FormatFloat(x, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatFloatF(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  const neg = x < 0 || Object.is(x, -0);
  const [mant, expS] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const exp = Number(expS);
  let out: string;
  if (exp >= digits.length - 1) out = digits + "0".repeat(exp - digits.length + 1);
  else if (exp >= 0) out = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  else out = "0." + "0".repeat(-exp - 1) + digits;
  return (neg ? "-" : "") + out;
}

// ------------------------------------------------------------ accessors

/** Local civil fields of a timestamp in a zone. */
export interface Civil {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  weekday: number; // 0 = Sunday
  yday: number; // 0-based
}

const dtfCache = new Map<string, Intl.DateTimeFormat>();

function zoneOffsetSeconds(zone: string, unixSeconds: bigint): number {
  if (zone === "" || zone === "UTC") return 0;
  const ind = zone.indexOf(":");
  if (ind >= 0) {
    const hr = Number.parseInt(zone.slice(0, ind), 10);
    const min = Number.parseInt(zone.slice(ind + 1), 10);
    if (Number.isNaN(hr) || Number.isNaN(min)) throw new CelError(`strconv.Atoi: parsing ${JSON.stringify(zone)}: invalid syntax`);
    const offset = zone[0] === "-" ? hr * 60 - min : hr * 60 + min;
    return offset * 60;
  }
  let dtf = dtfCache.get(zone);
  if (!dtf) {
    try {
      dtf = new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
        era: "short",
      });
    } catch {
      throw new CelError(`unknown time zone ${zone}`);
    }
    dtfCache.set(zone, dtf);
  }
  // Intl works on JS dates (±8.64e15 ms): the CEL timestamp range fits.
  const ms = Number(unixSeconds) * 1000;
  const parts = dtf.formatToParts(new Date(ms));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? "0");
  let year = get("year");
  if (parts.find((p) => p.type === "era")?.value === "BC") year = 1 - year;
  const local = daysFromCivil(year, get("month"), get("day")) * 86400 + get("hour") * 3600 + get("minute") * 60 + get("second");
  return local - Number(unixSeconds);
}

export function civil(t: Timestamp, zone?: string): Civil {
  const secs = floorDiv(t.ns, NS);
  const nanos = Number(t.ns - secs * NS);
  const local = secs + BigInt(zone === undefined ? 0 : zoneOffsetSeconds(zone, secs));
  const days = Number(floorDiv(local, 86400n));
  const sod = Number(local - BigInt(days) * 86400n);
  const { y, m, d } = civilFromDays(days);
  return {
    year: y,
    month: m,
    day: d,
    hour: Math.floor(sod / 3600),
    minute: Math.floor(sod / 60) % 60,
    second: sod % 60,
    nanos,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(y, 1, 1),
  };
}

export function timestampFromSeconds(s: bigint): Timestamp {
  if (s < MIN_UNIX_SECONDS || s > MAX_UNIX_SECONDS) throw new CelError("timestamp overflow");
  return new Timestamp(s * NS);
}

export function durationInRange(ns: bigint): boolean {
  return ns >= INT64_MIN && ns <= INT64_MAX;
}
