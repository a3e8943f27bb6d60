// Kubernetes named-format library (apiserver pkg/cel/library/format.go, env 1.31): format.named(n) → ?Format,
// format.<name>() → Format, <Format>.validate(s) → ?list<string> with the exact messages of apimachinery's
// validation functions (NameIsDNSLabel, IsQualifiedName, IsValidLabelValue, …) and kube-openapi strfmt checks.
import type { Library, Overload } from "../registry.js";
import { T } from "../types.js";
import { Opaque, Optional, type Value } from "../values.js";
import { KT, TypeNames, asOpaque, asString, global, member, typeIdent } from "./common.js";
import { parseRequestURI } from "./urls.js";

const maxLenError = (n: number): string => `must be no more than ${n} characters`;
const EMPTY_ERROR = "must be non-empty";

/** apimachinery validation.RegexError. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let s = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) s += " or ";
    s += `'${e}', `;
  });
  return `${s}regex used for validation is '${fmt}')`;
}

const dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
const dns1035LabelErrMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const qnameCharFmt = "[A-Za-z0-9]";
const qnameExtCharFmt = "[-A-Za-z0-9_.]";
const qualifiedNameFmt = `(${qnameCharFmt}${qnameExtCharFmt}*)?${qnameCharFmt}`;
const qualifiedNameErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

const re = (fmt: string): RegExp => new RegExp(`^${fmt}$`);
const dns1123LabelRe = re(dns1123LabelFmt);
const dns1123SubdomainRe = re(dns1123SubdomainFmt);
const dns1035LabelRe = re(dns1035LabelFmt);
const qualifiedNameRe = re(qualifiedNameFmt);
const labelValueRe = re(labelValueFmt);

export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!dns1123LabelRe.test(v)) {
    if (dns1123SubdomainRe.test(v)) errs.push("must not contain dots");
    else errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, "my-name", "123-abc"));
  }
  return errs;
}

export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLenError(253));
  if (!dns1123SubdomainRe.test(v)) errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, "example.com"));
  return errs;
}

export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!dns1035LabelRe.test(v)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, "my-name", "abc-123"));
  return errs;
}

export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push(`prefix part ${EMPTY_ERROR}`);
    else {
      const msgs = isDNS1123Subdomain(prefix);
      errs.push(...msgs.map((m) => `prefix part ${m}`));
    }
  } else {
    return [
      `a qualified name ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push(`name part ${EMPTY_ERROR}`);
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!qualifiedNameRe.test(name)) errs.push(`name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")}`);
  return errs;
}

export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!labelValueRe.test(v)) errs.push(regexError(labelValueErrMsg, labelValueFmt, "MyValue", "my_value", "12345"));
  return errs;
}

/** apimachinery api/validation maskTrailingDash (used for the *Prefix formats). */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith("-") ? name.slice(0, -2) + "a" : name;
}

const UUID_RE = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

function isBase64(s: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s.replace(/[\r\n]/g, ""));
}

/** Go time.Parse("2006-01-02", s) validity. */
export function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days;
}

/** kube-openapi strfmt IsDateTime. */
export function isDateTime(str: string): boolean {
  if (str.length < 4) return false;
  const s = str.toLowerCase().split("t");
  if (s.length < 2 || !isDate(s[0]!)) return false;
  const m = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(z|[+-][0-9]{2}:[0-9]{2})$/.exec(s[1]!);
  if (!m) return false;
  return m[1]! <= "23" && m[2]! <= "59" && m[3]! <= "59";
}

export class FormatValue extends Opaque {
  readonly typeName = TypeNames.format;
  constructor(
    readonly name: string,
    readonly validate: (s: string) => string[],
    /** Format.MaxRegexSize: the regex length its validation cost assumes. */
    readonly maxRegexSize: number,
  ) {
    super();
  }
  equals(other: Opaque): boolean {
    return other instanceof FormatValue && other.name === this.name;
  }
}

const F = (name: string, maxRegexSize: number, fn: (s: string) => string[]): FormatValue =>
  new FormatValue(name, fn, maxRegexSize);
/** kube-openapi strfmt UUIDPattern and DateTimePattern lengths, govalidator's URL regex and base64 lengths. */
const UUID_PATTERN_LENGTH = 70;
const DATETIME_PATTERN_LENGTH = 71;
const URL_REGEX_LENGTH = 1103;
const BASE64_REGEX_LENGTH = 84;

/** ConstantFormats of format.go, by the name used in `format.<name>()` / `format.named(name)`. */
export const constantFormats: ReadonlyMap<string, FormatValue> = new Map([
  ["dns1123Label", F("DNS1123Label", 30, isDNS1123Label)],
  ["dns1123Subdomain", F("DNS1123Subdomain", 60, isDNS1123Subdomain)],
  ["dns1035Label", F("DNS1035Label", 30, isDNS1035Label)],
  ["qualifiedName", F("QualifiedName", 60, isQualifiedName)],
  ["dns1123LabelPrefix", F("DNS1123LabelPrefix", 30, (s) => isDNS1123Label(maskTrailingDash(s)))],
  ["dns1123SubdomainPrefix", F("DNS1123SubdomainPrefix", 60, (s) => isDNS1123Subdomain(maskTrailingDash(s)))],
  ["dns1035LabelPrefix", F("DNS1035LabelPrefix", 30, (s) => isDNS1035Label(maskTrailingDash(s)))],
  ["labelValue", F("LabelValue", 40, isValidLabelValue)],
  [
    "uri",
    F("URI", URL_REGEX_LENGTH, (s) => {
      try {
        parseRequestURI(s);
        return [];
      } catch (e) {
        return [e instanceof Error ? e.message : String(e)];
      }
    }),
  ],
  ["uuid", F("uuid", UUID_PATTERN_LENGTH, (s) => (UUID_RE.test(s) ? [] : ["does not match the UUID format"]))],
  ["byte", F("byte", BASE64_REGEX_LENGTH, (s) => (isBase64(s) ? [] : ["invalid base64"]))],
  ["date", F("date", DATETIME_PATTERN_LENGTH, (s) => (isDate(s) ? [] : ["invalid date"]))],
  ["datetime", F("datetime", DATETIME_PATTERN_LENGTH, (s) => (isDateTime(s) ? [] : ["invalid datetime"]))],
]);

export function formatValidate(f: Value, s: Value): Value {
  const res = asOpaque(f, FormatValue).validate(asString(s));
  return res.length === 0 ? Optional.NONE : Optional.of(res);
}

const constantOverloads: Overload[] = [...constantFormats].map(([n, f]) =>
  global(`format.${n}`, `format.${n}`, [], KT.format, () => f),
);

export const formatLibrary: Library = {
  name: "format",
  since: "1.31",
  idents: [typeIdent(TypeNames.format)],
  overloads: [
    member("format-validate", "validate", [KT.format, T.string], T.optional(T.list(T.string)), formatValidate),
    global("format-named", "format.named", [T.string], T.optional(KT.format), (n) => {
      const f = constantFormats.get(asString(n));
      return f ? Optional.of(f) : Optional.NONE;
    }),
    ...constantOverloads,
  ],
};
