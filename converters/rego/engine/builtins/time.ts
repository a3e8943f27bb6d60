// Time builtins (OPA v1/topdown/time.go): time.parse_ns (Go layouts), time.parse_rfc3339_ns,
// time.parse_duration_ns, time.format, time.date, time.clock, time.weekday, time.add_date, time.diff.
// Instants are nanoseconds since the epoch: bigint internally, a double once returned (exact to the nanosecond
// only within 2^53 ns of the epoch, about 104 days; beyond that to the double's precision, i.e. ~256 ns today). Time zones: "", "UTC", "Local" (the host's) and
// IANA names through Intl. time.now_ns is the evaluator's (it must be fixed per query).
import type { Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { fail, goQuote, int, str, typeErr } from "./util.js";

const NS_PER_SEC = 1_000_000_000n;
const NS_PER_DAY = 86_400n * NS_PER_SEC;
const MIN_NS = -(2n ** 63n);
const MAX_NS = 2n ** 63n - 1n;

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

// ---- calendar ------------------------------------------------------------------------------------------------------

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Days since 1970-01-01 → proleptic Gregorian date (H. Hinnant's civil_from_days). */
function civilFromDays(z0: number): { year: number; month: number; day: number } {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: month <= 2 ? y + 1 : y, month, day };
}

/** Date → days since 1970-01-01 (month and day may be out of range: normalised as Go's time.Date does). */
function daysFromCivil(year: number, month: number, day: number): number {
  // normalise month into [1, 12]
  const m0 = month - 1;
  year += Math.floor(m0 / 12);
  month = (((m0 % 12) + 12) % 12) + 1;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5);
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468 + (day - 1);
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

// ---- zones ---------------------------------------------------------------------------------------------------------

interface Zone {
  name: string;
  /** Offset east of UTC in seconds at the instant (ns since epoch). */
  offsetAt(ns: bigint): number;
  abbreviation(ns: bigint): string;
}

const UTC: Zone = { name: "UTC", offsetAt: () => 0, abbreviation: () => "UTC" };

function fixedZone(name: string, offset: number): Zone {
  return { name, offsetAt: () => offset, abbreviation: () => name };
}

const zoneCache = new Map<string, Zone>();

function intlZone(name: string): Zone {
  let cached = zoneCache.get(name);
  if (cached) return cached;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
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
    throw fail(`unknown time zone ${name}`);
  }
  const abbrev = new Intl.DateTimeFormat("en-US", { timeZone: name, timeZoneName: "short" });
  const offsetAt = (ns: bigint): number => {
    const ms = Number(floorDiv(ns, 1_000_000n));
    const clamped = Math.max(-8.64e15, Math.min(8.64e15, ms));
    const parts: Record<string, string> = {};
    for (const p of fmt.formatToParts(new Date(clamped))) parts[p.type] = p.value;
    let year = Number(parts["year"]);
    if (parts["era"] === "BC" || parts["era"] === "B") year = 1 - year;
    const wall =
      daysFromCivil(year, Number(parts["month"]), Number(parts["day"])) * 86400 +
      Number(parts["hour"]) * 3600 +
      Number(parts["minute"]) * 60 +
      Number(parts["second"]);
    return wall - Math.floor(clamped / 1000);
  };
  cached = {
    name,
    offsetAt,
    abbreviation: (ns) => {
      const ms = Number(floorDiv(ns, 1_000_000n));
      const part = abbrev.formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName")?.value ?? name;
      return part;
    },
  };
  zoneCache.set(name, cached);
  return cached;
}

function loadZone(name: string): Zone {
  if (name === "" || name === "UTC") return UTC;
  if (name === "Local") return intlZone(Intl.DateTimeFormat().resolvedOptions().timeZone);
  return intlZone(name);
}

// ---- instants ------------------------------------------------------------------------------------------------------

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nsec: number;
  weekday: number;
  yday: number;
  offset: number;
}

function fieldsOf(ns: bigint, zone: Zone): Fields {
  const offset = zone.offsetAt(ns);
  const local = ns + BigInt(offset) * NS_PER_SEC;
  const days = floorDiv(local, NS_PER_DAY);
  const rem = local - days * NS_PER_DAY;
  const { year, month, day } = civilFromDays(Number(days));
  const secs = Number(rem / NS_PER_SEC);
  const weekday = (((Number(days) + 4) % 7) + 7) % 7;
  const yday = Number(days) - daysFromCivil(year, 1, 1) + 1;
  return {
    year,
    month,
    day,
    hour: Math.floor(secs / 3600),
    minute: Math.floor((secs % 3600) / 60),
    second: secs % 60,
    nsec: Number(rem % NS_PER_SEC),
    weekday,
    yday,
    offset,
  };
}

/** Go's time.Date in a zone: wall clock fields (normalised) → instant. */
function instantOf(year: number, month: number, day: number, hour: number, min: number, sec: number, nsec: bigint, zone: Zone): bigint {
  const wall =
    BigInt(daysFromCivil(year, month, day)) * NS_PER_DAY +
    BigInt(hour * 3600 + min * 60 + sec) * NS_PER_SEC +
    nsec;
  let offset = zone.offsetAt(wall);
  let t = wall - BigInt(offset) * NS_PER_SEC;
  const offset2 = zone.offsetAt(t);
  if (offset2 !== offset) {
    offset = offset2;
    t = wall - BigInt(offset) * NS_PER_SEC;
  }
  return t;
}

function safeNs(ns: bigint): number {
  if (ns < MIN_NS || ns > MAX_NS) throw fail("time outside of valid range");
  return Number(ns);
}

/** OPA's tzTime: a number (ns) or [ns, tz, layout?]. */
function tzTime(a: Value): { ns: bigint; zone: Zone; layout: string } {
  let n: Value;
  let zone = UTC;
  let layout = "";
  if (Array.isArray(a)) {
    const arr = a as readonly Value[];
    if (arr.length === 0) throw typeErr(1, a, "either number (ns) or [number (ns), string (tz)]");
    n = arr[0]!;
    if (typeof n !== "number") throw typeErr(1, n, "number");
    if (arr.length > 1) zone = loadZone(str(arr[1]!, 1));
    if (arr.length > 2) layout = str(arr[2]!, 1);
  } else if (typeof a === "number") n = a;
  else throw typeErr(1, a, "either number (ns) or [number (ns), string (tz)]");
  const num = n as number;
  if (!Number.isInteger(num)) throw fail("timestamp too big");
  const ns = BigInt(num);
  if (ns < MIN_NS || ns > MAX_NS) throw fail("timestamp too big");
  return { ns, zone, layout };
}

// ---- Go layouts ----------------------------------------------------------------------------------------------------

const LAYOUTS: Record<string, string> = {
  ANSIC: "Mon Jan _2 15:04:05 2006",
  UnixDate: "Mon Jan _2 15:04:05 MST 2006",
  RubyDate: "Mon Jan 02 15:04:05 -0700 2006",
  RFC822: "02 Jan 06 15:04 MST",
  RFC822Z: "02 Jan 06 15:04 -0700",
  RFC850: "Monday, 02-Jan-06 15:04:05 MST",
  RFC1123: "Mon, 02 Jan 2006 15:04:05 MST",
  RFC1123Z: "Mon, 02 Jan 2006 15:04:05 -0700",
  RFC3339: "2006-01-02T15:04:05Z07:00",
  RFC3339Nano: "2006-01-02T15:04:05.999999999Z07:00",
};

type Chunk = { lit: string } | { std: string; digits?: number };

/** Go's nextStdChunk, applied to a whole layout. */
function chunks(layout: string): Chunk[] {
  const out: Chunk[] = [];
  let lit = "";
  const push = (std: string, len: number, digits?: number): number => {
    if (lit) out.push({ lit });
    lit = "";
    out.push(digits === undefined ? { std } : { std, digits });
    return len;
  };
  let i = 0;
  while (i < layout.length) {
    const rest = layout.slice(i);
    const c = layout[i]!;
    let n = 0;
    switch (c) {
      case "J":
        if (rest.startsWith("January")) n = push("January", 7);
        else if (rest.startsWith("Jan")) n = push("Jan", 3);
        break;
      case "M":
        if (rest.startsWith("Monday")) n = push("Monday", 6);
        else if (rest.startsWith("Mon")) n = push("Mon", 3);
        else if (rest.startsWith("MST")) n = push("MST", 3);
        break;
      case "0":
        if (/^0[1-6]/.test(rest)) n = push(rest.slice(0, 2), 2);
        else if (rest.startsWith("002")) n = push("002", 3);
        break;
      case "1":
        if (rest.startsWith("15")) n = push("15", 2);
        else n = push("1", 1);
        break;
      case "2":
        if (rest.startsWith("2006")) n = push("2006", 4);
        else n = push("2", 1);
        break;
      case "_":
        if (rest.startsWith("_2")) {
          if (rest.startsWith("_2006")) {
            lit += "_"; // "_2006" is a literal underscore and the long year
            n = push("2006", 5);
          } else n = push("_2", 2);
        } else if (rest.startsWith("__2")) n = push("__2", 3);
        break;
      case "3":
      case "4":
      case "5":
        n = push(c, 1);
        break;
      case "P":
        if (rest.startsWith("PM")) n = push("PM", 2);
        break;
      case "p":
        if (rest.startsWith("pm")) n = push("pm", 2);
        break;
      case "-":
        for (const t of ["-07:00:00", "-070000", "-07:00", "-0700", "-07"]) {
          if (rest.startsWith(t)) {
            n = push(t, t.length);
            break;
          }
        }
        break;
      case "Z":
        for (const t of ["Z07:00:00", "Z070000", "Z07:00", "Z0700", "Z07"]) {
          if (rest.startsWith(t)) {
            n = push(t, t.length);
            break;
          }
        }
        break;
      case ".":
      case ",": {
        const m = /^[.,](0+|9+)/.exec(rest);
        if (m && !/[0-9]/.test(rest[m[0].length] ?? "")) n = push(m[1]![0] === "0" ? ".0" : ".9", m[0].length, m[1]!.length);
        break;
      }
    }
    if (n === 0) {
      lit += c;
      i++;
    } else i += n;
  }
  if (lit) out.push({ lit });
  return out;
}

function pad(n: number, width: number, ch = "0"): string {
  const s = String(Math.abs(n));
  return (n < 0 ? "-" : "") + (s.length < width ? ch.repeat(width - s.length) + s : s);
}

function formatZone(std: string, offset: number): string {
  if (std.startsWith("Z") && offset === 0) return "Z";
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const hh = pad(Math.floor(abs / 3600), 2);
  const mm = pad(Math.floor((abs % 3600) / 60), 2);
  const ss = pad(abs % 60, 2);
  const body = std.slice(1);
  switch (body) {
    case "07":
      return sign + hh;
    case "0700":
      return sign + hh + mm;
    case "07:00":
      return sign + hh + ":" + mm;
    case "070000":
      return sign + hh + mm + ss;
    default:
      return sign + hh + ":" + mm + ":" + ss;
  }
}

function formatTime(ns: bigint, zone: Zone, layout: string): string {
  const f = fieldsOf(ns, zone);
  let out = "";
  for (const c of chunks(layout)) {
    if ("lit" in c) {
      out += c.lit;
      continue;
    }
    switch (c.std) {
      case "January":
        out += MONTHS[f.month - 1];
        break;
      case "Jan":
        out += MONTHS[f.month - 1]!.slice(0, 3);
        break;
      case "Monday":
        out += DAYS[f.weekday];
        break;
      case "Mon":
        out += DAYS[f.weekday]!.slice(0, 3);
        break;
      case "MST":
        out += f.offset === 0 && zone === UTC ? "UTC" : zone.abbreviation(ns);
        break;
      case "01":
        out += pad(f.month, 2);
        break;
      case "1":
        out += String(f.month);
        break;
      case "02":
        out += pad(f.day, 2);
        break;
      case "2":
        out += String(f.day);
        break;
      case "_2":
        out += pad(f.day, 2, " ");
        break;
      case "002":
        out += pad(f.yday, 3);
        break;
      case "__2":
        out += pad(f.yday, 3, " ");
        break;
      case "03":
        out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, 2);
        break;
      case "3":
        out += String(f.hour % 12 === 0 ? 12 : f.hour % 12);
        break;
      case "15":
        out += pad(f.hour, 2);
        break;
      case "04":
        out += pad(f.minute, 2);
        break;
      case "4":
        out += String(f.minute);
        break;
      case "05":
        out += pad(f.second, 2);
        break;
      case "5":
        out += String(f.second);
        break;
      case "06":
        out += pad(((f.year % 100) + 100) % 100, 2);
        break;
      case "2006":
        out += pad(f.year, 4);
        break;
      case "PM":
        out += f.hour >= 12 ? "PM" : "AM";
        break;
      case "pm":
        out += f.hour >= 12 ? "pm" : "am";
        break;
      case ".0":
      case ".9": {
        const digits = pad(f.nsec, 9).slice(0, c.digits);
        if (c.std === ".0") out += "." + digits;
        else {
          const trimmed = digits.replace(/0+$/, "");
          if (trimmed) out += "." + trimmed;
        }
        break;
      }
      default:
        out += formatZone(c.std, f.offset);
    }
  }
  return out;
}

function stdName(c: Chunk): string {
  if ("lit" in c) return c.lit;
  if (c.std === ".0") return "." + "0".repeat(c.digits ?? 0);
  if (c.std === ".9") return "." + "9".repeat(c.digits ?? 0);
  return c.std;
}

/** Go's time.Parse (the common layout elements). */
function parseTime(layout: string, value: string): bigint {
  const parseErr = (rest: string, elem: string, msg = ""): never => {
    if (msg) throw fail(`parsing time ${goQuote(value)}${msg}`);
    throw fail(`parsing time ${goQuote(value)} as ${goQuote(layout)}: cannot parse ${goQuote(rest)} as ${goQuote(elem)}`);
  };
  let year = 1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nsec = 0n;
  let pm: boolean | undefined;
  let zoneOffset: number | undefined;
  let zoneName: string | undefined;
  let rest = value;
  const list = chunks(layout);
  const num = (min: number, max: number, elem: string): number => {
    const m = new RegExp(`^[0-9]{${min},${max}}`).exec(rest);
    if (!m) parseErr(rest, elem);
    rest = rest.slice(m![0].length);
    return Number(m![0]);
  };
  const fraction = (): void => {
    const m = /^[.,]([0-9]+)/.exec(rest);
    if (!m) return;
    nsec = BigInt((m[1]! + "000000000").slice(0, 9));
    rest = rest.slice(m[0].length);
  };
  for (let k = 0; k < list.length; k++) {
    const c = list[k]!;
    if ("lit" in c) {
      if (!rest.startsWith(c.lit)) parseErr(rest, c.lit);
      rest = rest.slice(c.lit.length);
      continue;
    }
    const elem = stdName(c);
    const before = rest;
    switch (c.std) {
      case "2006": {
        const m = /^[0-9]{4}/.exec(rest);
        if (!m) parseErr(rest, elem);
        year = Number(m![0]);
        rest = rest.slice(4);
        break;
      }
      case "06": {
        const y = num(2, 2, elem);
        year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case "January":
      case "Jan": {
        const idx = MONTHS.findIndex((name) => {
          const n = c.std === "Jan" ? name.slice(0, 3) : name;
          return rest.toLowerCase().startsWith(n.toLowerCase());
        });
        if (idx < 0) parseErr(rest, elem);
        rest = rest.slice(c.std === "Jan" ? 3 : MONTHS[idx]!.length);
        month = idx + 1;
        break;
      }
      case "Monday":
      case "Mon": {
        const idx = DAYS.findIndex((name) => {
          const n = c.std === "Mon" ? name.slice(0, 3) : name;
          return rest.toLowerCase().startsWith(n.toLowerCase());
        });
        if (idx < 0) parseErr(rest, elem);
        rest = rest.slice(c.std === "Mon" ? 3 : DAYS[idx]!.length);
        break;
      }
      case "01":
      case "1":
        month = num(c.std === "01" ? 2 : 1, 2, elem);
        if (month < 1 || month > 12) parseErr(before, elem, ": month out of range");
        break;
      case "02":
      case "2":
      case "_2":
        if (c.std === "_2" && rest.startsWith(" ")) rest = rest.slice(1);
        day = num(c.std === "02" ? 2 : 1, 2, elem);
        break;
      case "002":
      case "__2":
        num(c.std === "002" ? 3 : 1, 3, elem);
        break;
      case "15":
        hour = num(2, 2, elem);
        if (hour > 23) parseErr(before, elem, ": hour out of range");
        break;
      case "03":
      case "3":
        hour = num(c.std === "03" ? 2 : 1, 2, elem);
        if (hour > 12) parseErr(before, elem, ": hour out of range");
        break;
      case "04":
      case "4":
        minute = num(c.std === "04" ? 2 : 1, 2, elem);
        if (minute > 59) parseErr(before, elem, ": minute out of range");
        break;
      case "05":
      case "5": {
        second = num(c.std === "05" ? 2 : 1, 2, elem);
        if (second > 59) parseErr(before, elem, ": second out of range");
        const next = list[k + 1];
        if (!(next && "std" in next && (next.std === ".0" || next.std === ".9"))) fraction();
        break;
      }
      case "PM":
      case "pm": {
        const ampm = rest.slice(0, 2).toUpperCase();
        if (ampm !== "AM" && ampm !== "PM") parseErr(rest, elem);
        pm = ampm === "PM";
        rest = rest.slice(2);
        break;
      }
      case ".0": {
        const m = new RegExp(`^[.,][0-9]{${c.digits}}`).exec(rest);
        if (!m) parseErr(rest, elem);
        nsec = BigInt((m![0].slice(1) + "000000000").slice(0, 9));
        rest = rest.slice(m![0].length);
        break;
      }
      case ".9":
        fraction();
        break;
      case "MST": {
        const m = /^[A-Z]{3,5}|^GMT[+-][0-9]{1,2}/.exec(rest);
        if (!m) parseErr(rest, elem);
        zoneName = m![0];
        rest = rest.slice(zoneName.length);
        break;
      }
      default: {
        // numeric zone
        if (c.std.startsWith("Z") && rest.startsWith("Z")) {
          rest = rest.slice(1);
          zoneOffset = 0;
          zoneName = "UTC";
          break;
        }
        const body = c.std.slice(1);
        const pattern = body.replace(/0/g, "[0-9]").replace(/7/g, "[0-9]");
        const m = new RegExp(`^[+-]${pattern}`).exec(rest);
        if (!m) parseErr(rest, elem);
        const digits = m![0].slice(1).replace(/:/g, "");
        const hh = Number(digits.slice(0, 2));
        const mm = Number(digits.slice(2, 4) || "0");
        const ss = Number(digits.slice(4, 6) || "0");
        if (hh > 24 || mm > 60 || ss > 60) parseErr(before, elem, ": time zone offset out of range");
        zoneOffset = (m![0][0] === "-" ? -1 : 1) * (hh * 3600 + mm * 60 + ss);
        rest = rest.slice(m![0].length);
      }
    }
  }
  if (rest !== "") throw fail(`parsing time ${goQuote(value)}: extra text: ${goQuote(rest)}`);
  if (pm !== undefined) {
    if (pm && hour < 12) hour += 12;
    else if (!pm && hour === 12) hour = 0;
  }
  const dim = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  if (day < 1 || day > dim) throw fail(`parsing time ${goQuote(value)}: day out of range`);
  let zone: Zone = UTC;
  if (zoneOffset !== undefined) zone = fixedZone(zoneName ?? "", zoneOffset);
  else if (zoneName !== undefined && zoneName !== "UTC") zone = fixedZone(zoneName, 0);
  return instantOf(year, month, day, hour, minute, second, nsec, zone);
}

/** Go's time.Parse(time.RFC3339, …), which is strict about the shape. */
function parseRFC3339(value: string): bigint {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})$/.exec(value);
  if (!m) return parseTime(LAYOUTS["RFC3339"]!, value);
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  const bad = (what: string): never => {
    throw fail(`parsing time ${goQuote(value)}: ${what} out of range`);
  };
  if (fields[1] < 1 || fields[1] > 12) bad("month");
  const dim = [31, isLeap(fields[0]) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][fields[1] - 1]!;
  if (fields[2] < 1 || fields[2] > dim) bad("day");
  if (fields[3] > 23) bad("hour");
  if (fields[4] > 59) bad("minute");
  if (fields[5] > 59) bad("second");
  const nsec = frac ? BigInt((frac + "000000000").slice(0, 9)) : 0n;
  let offset = 0;
  if (tz !== "Z") {
    const hh = Number(tz!.slice(1, 3));
    const mm = Number(tz!.slice(4, 6));
    if (hh > 23 || mm > 59) throw fail(`parsing time ${goQuote(value)}: time zone offset hour out of range`);
    offset = (tz![0] === "-" ? -1 : 1) * (hh * 3600 + mm * 60);
  }
  return instantOf(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], nsec, fixedZone("", offset));
}

// ---- durations -----------------------------------------------------------------------------------------------------

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  "µs": 1000n,
  "μs": 1000n,
  ms: 1_000_000n,
  s: NS_PER_SEC,
  m: 60n * NS_PER_SEC,
  h: 3600n * NS_PER_SEC,
};

/** Go's time.ParseDuration. */
function parseDuration(s: string): number {
  const orig = s;
  const invalid = (): never => {
    throw fail(`time: invalid duration ${goQuote(orig)}`);
  };
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") invalid();
  let total = 0n;
  while (s !== "") {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
    const whole = m[1]!;
    const frac = m[2];
    if (whole === "" && (frac === undefined || frac === "")) invalid();
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s)![0];
    if (u === "") throw fail(`time: missing unit in duration ${goQuote(orig)}`);
    const unit = UNIT_NS[u];
    if (unit === undefined) throw fail(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    s = s.slice(u.length);
    let v = BigInt(whole || "0") * unit;
    if (frac) {
      const scale = 10n ** BigInt(frac.length);
      v += (BigInt(frac) * unit) / scale;
    }
    total += v;
    if (total > 2n ** 63n - 1n + (neg ? 1n : 0n)) invalid();
  }
  return Number(neg ? -total : total);
}

// ---- diff ----------------------------------------------------------------------------------------------------------

function diff(a: Value, b: Value): number[] {
  const t1 = tzTime(a);
  const t2 = tzTime(b);
  let x = t1.ns;
  let y = t2.ns;
  const zone = t1.zone;
  if (x > y) [x, y] = [y, x];
  const f1 = fieldsOf(x, zone);
  const f2 = fieldsOf(y, zone);
  let year = f2.year - f1.year;
  let month = f2.month - f1.month;
  let day = f2.day - f1.day;
  let hour = f2.hour - f1.hour;
  let min = f2.minute - f1.minute;
  let sec = f2.second - f1.second;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    // days in f1's month: Date(y1, M1, 32) normalised
    const d32 = civilFromDays(daysFromCivil(f1.year, f1.month, 32)).day;
    day += 32 - d32;
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
}

export const TIME: BuiltinDef[] = [
  [
    "time.parse_ns",
    2,
    ([l, v]) => {
      let layout = str(l!, 1);
      const value = str(v!, 2);
      layout = LAYOUTS[layout] ?? layout;
      return safeNs(layout === LAYOUTS["RFC3339"] ? parseRFC3339(value) : parseTime(layout, value));
    },
  ],
  ["time.parse_rfc3339_ns", 1, ([v]) => safeNs(parseRFC3339(str(v!, 1)))],
  ["time.parse_duration_ns", 1, ([v]) => parseDuration(str(v!, 1))],
  [
    "time.format",
    1,
    ([x]) => {
      const t = tzTime(x!);
      const layout = t.layout === "" ? LAYOUTS["RFC3339Nano"]! : (LAYOUTS[t.layout] ?? t.layout);
      return formatTime(t.ns, t.zone, layout);
    },
  ],
  [
    "time.date",
    1,
    ([x]) => {
      const t = tzTime(x!);
      const f = fieldsOf(t.ns, t.zone);
      return [f.year, f.month, f.day];
    },
  ],
  [
    "time.clock",
    1,
    ([x]) => {
      const t = tzTime(x!);
      const f = fieldsOf(t.ns, t.zone);
      return [f.hour, f.minute, f.second];
    },
  ],
  [
    "time.weekday",
    1,
    ([x]) => {
      const t = tzTime(x!);
      return DAYS[fieldsOf(t.ns, t.zone).weekday]!;
    },
  ],
  [
    "time.add_date",
    4,
    ([x, y, m, d]) => {
      const t = tzTime(x!);
      const years = int(y!, 2);
      const months = int(m!, 3);
      const days = int(d!, 4);
      const f = fieldsOf(t.ns, t.zone);
      return safeNs(instantOf(f.year + years, f.month + months, f.day + days, f.hour, f.minute, f.second, BigInt(f.nsec), t.zone));
    },
  ],
  ["time.diff", 2, ([a, b]) => diff(a!, b!)],
];
