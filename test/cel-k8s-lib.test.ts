// Table-driven unit tests of the Kubernetes CEL library implementations, calling the overload `impl`s directly
// (independent of the parser/checker/interpreter).
import { describe, expect, it } from "vitest";
import type { Library } from "../src/cel/registry.js";
import { CelError, CelMap, CelUint, Duration, Optional, Timestamp, type Value } from "../src/cel/values.js";
import {
  authzBindings,
  authzTableDecider,
  k8sLibraries,
  makeAuthorizer,
  mapLibraries,
  parseAuthzTable,
  parseQuantity,
  type AuthzAttributes,
} from "../src/cel/k8s/index.js";
import { celEquals } from "../src/cel/k8s/common.js";

const all: Library[] = [...k8sLibraries, ...mapLibraries];

/** Call overload `id` with already-evaluated arguments. */
function call(id: string, ...args: Value[]): Value {
  for (const lib of all) {
    const ov = lib.overloads.find((o) => o.id === id);
    if (ov) return ov.impl!(...args);
  }
  throw new Error(`no overload ${id}`);
}
function err(id: string, ...args: Value[]): string {
  try {
    call(id, ...args);
  } catch (e) {
    if (e instanceof CelError) return e.message;
    throw e;
  }
  return "<no error>";
}

const q = (s: string): Value => call("string_to_quantity", s);
const ip = (s: string): Value => call("string_to_ip", s);
const cidr = (s: string): Value => call("string_to_cidr", s);
const url = (s: string): Value => call("string_to_url", s);
const sv = (s: string, n = false): Value => call("string_bool_to_semver", s, n);

describe("library declarations", () => {
  it("have unique overload ids, implementations and k8s env versions", () => {
    const ids = new Set<string>();
    for (const lib of all) {
      for (const o of lib.overloads) {
        expect(ids.has(o.id), o.id).toBe(false);
        ids.add(o.id);
        expect(typeof o.impl).toBe("function");
        if (o.member) expect(o.params.length).toBeGreaterThan(0);
      }
    }
    const since = Object.fromEntries(all.map((l) => [l.name, l.since]));
    expect(since).toMatchObject({
      "kubernetes.urls": "1.0",
      "kubernetes.regex": "1.0",
      "kubernetes.lists": "1.0",
      "kubernetes.authz": "1.27",
      "kubernetes.authzSelectors": "1.31",
      "kubernetes.quantity": "1.28",
      "cel.lib.ext.sets": "1.29",
      "kubernetes.net.ip": "1.30",
      "kubernetes.net.cidr": "1.30",
      format: "1.31",
      "kubernetes.Semver": "1.33",
    });
  });
});

describe("lists", () => {
  const d = (s: number): Duration => new Duration(BigInt(s) * 1_000_000_000n);
  it.each<[string, Value[], Value]>([
    ["list_int_is_sorted_bool", [[1n, 2n, 3n]], true],
    ["list_string_is_sorted_bool", [["a", "b", "b", "c"]], true],
    ["list_double_is_sorted_bool", [[2, 1]], false],
    ["list_int_is_sorted_bool", [[]], true],
    ["list_int_is_sorted_bool", [[1n, 1.5, 2n]], true],
    ["list_int_sum_int", [[1n, 3n]], 4n],
    ["list_double_sum_double", [[1, 3]], 4],
    ["list_int_sum_int", [[]], 0n],
    ["list_double_sum_double", [[]], 0],
    ["list_duration_sum_duration", [[d(1), d(60)]], d(61)],
    ["list_uint_sum_uint", [[new CelUint(1n), new CelUint(2n)]], new CelUint(3n)],
    ["list_int_min_int", [[3n, 1n]], 1n],
    ["list_int_max_int", [[1n, 3n]], 3n],
    ["list_string_max_string", [["a", "é", "z"]], "é"],
    ["list_timestamp_min_timestamp", [[new Timestamp(5n), new Timestamp(2n)]], new Timestamp(2n)],
    ["list_a_index_of_int", [[1n, 2n, 2n, 3n], 2n], 1n],
    ["list_a_last_index_of_int", [["a", "b", "b", "c"], "b"], 2n],
    ["list_a_index_of_int", [[1], 1.1], -1n],
    ["list_a_index_of_int", [[1n, 2n], 2], 1n],
    ["list_a_index_of_int", [[], "x"], -1n],
  ])("%s(%s)", (id, args, want) => {
    expect(celEquals(call(id, ...args), want)).toBe(true);
  });
  it.each<[string, Value[], string]>([
    ["list_int_min_int", [[]], "min called on empty list"],
    ["list_int_max_int", [[]], "max called on empty list"],
    ["list_int_sum_int", [[2n ** 62n, 2n ** 62n]], "integer overflow"],
    ["list_int_min_int", [[[1n], [2n]]], "no such overload"],
  ])("%s(%s) errors", (id, args, want) => {
    expect(err(id, ...args)).toBe(want);
  });
});

describe("regex find / findAll (Go FindString / FindAllString)", () => {
  it.each<[string, Value[], Value]>([
    ["string_find_string", ["abc 123", "[0-9]+"], "123"],
    ["string_find_string", ["abc 123", "[0-9]*"], ""],
    ["string_find_string", ["abc 123", "xyz"], ""],
    ["string_find_string", ["ab", "a|ab"], "a"],
    ["string_find_string", ["Hello", "(?i)h(E)l+"], "Hell"],
    ["string_find_string", ["x1.2y", "\\d\\.\\d"], "1.2"],
    ["string_find_string", ["ab:cd", "[[:alpha:]]+\\z"], "cd"],
    ["string_find_all_string", ["123 abc 456", "[0-9]*"], ["123", "", "", "", "", "456"]],
    ["string_find_all_string", ["123 abc 456", "[0-9]+"], ["123", "456"]],
    ["string_find_all_string_int", ["123 abc 456", "[0-9]+", 1n], ["123"]],
    ["string_find_all_string_int", ["123 abc 456", "[0-9]+", 0n], []],
    ["string_find_all_string_int", ["123 abc 456", "[0-9]+", -1n], ["123", "456"]],
    ["string_find_all_string", ["aaa", ""], ["", "", "", ""]],
    ["string_find_all_string", ["héé", "é"], ["é", "é"]],
  ])("%s(%s)", (id, args, want) => {
    expect(call(id, ...args)).toEqual(want);
  });
  it("reports Go's regexp error text", () => {
    expect(err("string_find_string", "x", ")")).toBe("Illegal regex: error parsing regexp: unexpected ): `)`");
    expect(err("string_find_all_string", "x", "(")).toBe("Illegal regex: error parsing regexp: missing closing ): `(`");
  });
});

describe("urls (Go net/url)", () => {
  const u = "https://user:pass@example.com:80/path?query=val#fragment";
  it.each<[string, string, Value]>([
    ["url_get_scheme", "/path", ""],
    ["url_get_scheme", "https://example.com/", "https"],
    ["url_get_host", "https://example.com:80/", "example.com:80"],
    ["url_get_host", "https://[::1]:80/", "[::1]:80"],
    ["url_get_host", "https://[::1]/", "[::1]"],
    ["url_get_host", "/path", ""],
    ["url_get_hostname", "https://127.0.0.1:80/", "127.0.0.1"],
    ["url_get_hostname", "https://[::1]:80/", "::1"],
    ["url_get_port", "https://example.com:80/", "80"],
    ["url_get_port", "https://example.com/", ""],
    ["url_get_escaped_path", "https://example.com/path with spaces/", "/path%20with%20spaces/"],
    ["url_get_escaped_path", "https://example.com", ""],
    ["url_get_escaped_path", "https://example.com/a%2Fb", "/a%2Fb"],
    ["url_get_escaped_path", u, "/path"],
  ])("%s(url(%s))", (id, s, want) => {
    expect(call(id, url(s))).toBe(want);
  });
  it("getQuery groups values per key and decodes '+'/%XX", () => {
    const m = call("url_get_query", url("https://example.com/path?k1=a&k2=b&k2=c&x+y=%41")) as CelMap;
    expect([...m.entries()]).toEqual([
      ["k1", ["a"]],
      ["k2", ["b", "c"]],
      ["x y", ["A"]],
    ]);
    expect((call("url_get_query", url("https://example.com/path?")) as CelMap).size).toBe(0);
  });
  it.each<[string, boolean, string]>([
    [u, true, ""],
    ["/absolute-path", true, ""],
    ["https://a:b:c/", false, 'URL parse error during conversion from string: parse "https://a:b:c/": invalid port ":c" after host'],
    ["../relative-path", false, 'URL parse error during conversion from string: parse "../relative-path": invalid URI for request'],
    ["", false, 'URL parse error during conversion from string: parse "": empty url'],
    ["https://ex%zzample.com/", false, 'URL parse error during conversion from string: parse "https://ex%zzample.com/": invalid URL escape "%zz"'],
  ])("isURL/url(%s)", (s, ok, msg) => {
    expect(call("is_url_string", s)).toBe(ok);
    if (!ok) expect(err("string_to_url", s)).toBe(msg);
  });
  it("URL equality compares the parsed URL", () => {
    expect(celEquals(url("https://a/b"), url("https://a/b"))).toBe(true);
    expect(celEquals(url("https://a/b"), url("https://a/c"))).toBe(false);
  });
});

describe("quantity (apimachinery resource.Quantity)", () => {
  it.each<[string, string, string]>([
    ["12Mi", "12582912", "i"],
    ["1.5Gi", "1610612736", "d"],
    ["50.703k", "50703", "i"],
    ["0.2G", "200000000", "i"],
    ["1e3", "1000", "i"],
    ["1.0", "1", "i"],
    ["100m", "0.1", "i"],
    ["-5n", "-0.000000005", "i"],
    ["0.0000000001", "0.000000001", "d"],
    ["Mi", "0", "i"],
    ["9999999999999999999999999999999999999G", "9999999999999999999999999999999999999000000000", "d"],
    ["10Ei", "9223372036854775807", "d"],
  ])("parses %s", (s, exact, form) => {
    const v = parseQuantity(s);
    expect(v.toString()).toBe(exact);
    expect(v.form).toBe(form);
  });
  it.each<[string, string]>([
    ["10Mo", "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ["Three", "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ["", "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ["10Mm", "unable to parse quantity's suffix"],
    ["200K", "unable to parse quantity's suffix"],
    [".5i", "unable to parse quantity's suffix"],
  ])("rejects %s", (s, msg) => {
    expect(err("string_to_quantity", s)).toBe(msg);
    expect(call("quantity_is_quantity", s)).toBe(false);
  });
  it.each<[string, Value[], Value]>([
    ["quantity_compare_to", [q("200M"), q("0.2G")], 0n],
    ["quantity_compare_to", [q("50M"), q("50Mi")], -1n],
    ["quantity_is_greater_than", [q("150Mi"), q("100Mi")], true],
    ["quantity_is_less_than", [q("100M"), q("50M")], false],
    ["quantity_get_int", [q("50k")], 50000n],
    ["quantity_get_int", [call("quantity_sub", call("quantity_add_int", q("50k"), 20n), q("100k"))], -49980n],
    ["quantity_is_integer", [q("50000000G")], true],
    ["quantity_is_integer", [q("9999999999999999999999999999999999999G")], false],
    ["quantity_is_integer", [q("1.5")], false],
    ["quantity_is_integer", [q("1.0")], false],
    ["quantity_is_integer", [q("1.5Gi")], false],
    ["quantity_get_float", [q("50.703k")], 50703],
    ["quantity_get_float", [q("100m")], 0.1],
    ["quantity_get_sign", [q("-1")], -1n],
    ["quantity_get_sign", [q("0")], 0n],
  ])("%s", (id, args, want) => {
    expect(call(id, ...args)).toEqual(want);
  });
  it("asInteger errors when not representable", () => {
    expect(err("quantity_get_int", q("9999999999999999999999999999999999999G"))).toBe("cannot convert value to integer");
  });
  it("== is semantic (Quantity.Equal)", () => {
    expect(celEquals(q("200M"), q("0.2G"))).toBe(true);
    expect(celEquals(call("quantity_add", q("50k"), q("20")), q("50.02k"))).toBe(true);
    expect(celEquals(call("quantity_sub_int", q("50k"), 20n), q("49980"))).toBe(true);
    expect(celEquals(q("200M"), q("0.3G"))).toBe(false);
  });
});

describe("sets", () => {
  it.each<[string, Value, Value, boolean]>([
    ["list_sets_contains_list", [1n, 2n, 3n, 4n], [2n, 3n], true],
    ["list_sets_contains_list", [1n], [1, new CelUint(1n)], true],
    ["list_sets_contains_list", [1n], ["1", 1n], false],
    ["list_sets_contains_list", [], [], true],
    ["list_sets_contains_list", [[1n], [2n, 3n]], [[2n, 3]], true],
    ["list_sets_equivalent_list", [1n, 2n, 3n], [new CelUint(3n), 2, 1n], true],
    ["list_sets_equivalent_list", [1n, 2n], [new CelUint(2n), 2n, 2], false],
    ["list_sets_intersects_list", [1n], [1, 2n], true],
    ["list_sets_intersects_list", [], [], false],
  ])("%s(%s, %s)", (id, a, b, want) => {
    expect(call(id, a, b)).toBe(want);
  });
});

describe("ip / cidr (Go net/netip)", () => {
  it.each<[string, string]>([
    ["192.168.0.1.0", 'IP Address "192.168.0.1.0" parse error during conversion from string: ParseAddr("192.168.0.1.0"): IPv4 address too long'],
    [
      "2001:db8:::68",
      'IP Address "2001:db8:::68" parse error during conversion from string: ParseAddr("2001:db8:::68"): each colon-separated field must have at least one digit (at ":68")',
    ],
    ["127.0.0.256", 'IP Address "127.0.0.256" parse error during conversion from string: ParseAddr("127.0.0.256"): IPv4 field has value >255'],
    ["01.2.3.4", 'IP Address "01.2.3.4" parse error during conversion from string: ParseAddr("01.2.3.4"): IPv4 field has octet with leading zero'],
    ["fe80::1%eth0", 'IP address "fe80::1%eth0" with zone value is not allowed'],
    ["::ffff:1.2.3.4", 'IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed'],
    ["abc", 'IP Address "abc" parse error during conversion from string: ParseAddr("abc"): unable to parse IP'],
  ])("ip(%s) error", (s, msg) => {
    expect(err("string_to_ip", s)).toBe(msg);
    expect(call("is_ip", s)).toBe(false);
  });
  it.each<[string, string, Value]>([
    ["ip_family", "192.168.0.1", 4n],
    ["ip_family", "2001:db8::68", 6n],
    ["ip_is_unspecified", "::", true],
    ["ip_is_loopback", "127.0.0.1", true],
    ["ip_is_loopback", "::1", true],
    ["ip_is_link_local_multicast", "224.0.0.1", true],
    ["ip_is_link_local_multicast", "224.0.1.1", false],
    ["ip_is_link_local_multicast", "ff02::1", true],
    ["ip_is_link_local_unicast", "169.254.169.254", true],
    ["ip_is_link_local_unicast", "fe80::1", true],
    ["ip_is_link_local_unicast", "fd80::1", false],
    ["ip_is_global_unicast", "192.168.0.1", true],
    ["ip_is_global_unicast", "255.255.255.255", false],
    ["ip_is_global_unicast", "ff00::1", false],
    ["ip_to_string", "2001:DB8:0:0:0::abcd", "2001:db8::abcd"],
    ["ip_to_string", "2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"],
    ["ip_to_string", "1:0:0:2:0:0:0:3", "1:0:0:2::3"],
  ])("%s(ip(%s))", (id, s, want) => {
    expect(call(id, ip(s))).toEqual(want);
  });
  it.each<[string, boolean]>([
    ["127.0.0.1", true],
    ["2001:db8::abcd", true],
    ["2001:DB8::ABCD", false],
    ["2001:db8::0:0:0:abcd", false],
  ])("ip.isCanonical(%s)", (s, want) => {
    expect(call("ip_is_canonical", s)).toBe(want);
  });
  it.each<[string, Value[], Value]>([
    ["cidr_contains_ip_ip", [cidr("192.168.0.0/24"), ip("192.168.0.1")], true],
    ["cidr_contains_ip_string", [cidr("192.168.0.0/24"), "192.168.1.1"], false],
    ["cidr_contains_ip_ip", [cidr("::/0"), ip("1.2.3.4")], false],
    ["cidr_contains_cidr", [cidr("192.168.0.0/24"), cidr("192.168.0.1/32")], true],
    ["cidr_contains_cidr", [cidr("192.168.0.0/24"), cidr("192.168.0.0/23")], false],
    ["cidr_contains_cidr_string", [cidr("2001:db8::/32"), "2001:db8::/33"], true],
    ["cidr_prefix_length", [cidr("::1/128")], 128n],
    ["cidr_to_string", [cidr("192.168.0.1/24")], "192.168.0.1/24"],
    ["cidr_to_string", [call("cidr_masked", cidr("2001:db8:1::/32"))], "2001:db8::/32"],
    ["ip_to_string", [call("cidr_ip", cidr("192.168.0.1/24"))], "192.168.0.1"],
  ])("%s", (id, args, want) => {
    expect(call(id, ...args)).toEqual(want);
  });
  it("cidr errors and equality", () => {
    expect(err("string_to_cidr", "192.168.0.0/")).toBe(
      'network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix("192.168.0.0/"): bad bits after slash: ""',
    );
    expect(err("string_to_cidr", "192.168.0.0/33")).toContain("prefix length out of range");
    expect(call("is_cidr", "::1/129")).toBe(false);
    expect(err("cidr_contains_ip_string", cidr("10.0.0.0/8"), "x")).toBe("no such overload");
    expect(celEquals(cidr("192.168.0.1/24"), call("cidr_masked", cidr("192.168.0.1/24")))).toBe(false);
    expect(celEquals(cidr("192.168.0.0/24"), call("cidr_masked", cidr("192.168.0.0/24")))).toBe(true);
  });
});

describe("format", () => {
  const validate = (name: string, s: string): Value => call("format-validate", call(`format.${name}`), s);
  it.each<[string, string, string[] | undefined]>([
    ["dns1123Label", "my-label-name", undefined],
    [
      "dns1123Label",
      "contains a space",
      [
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    ["dns1123Label", "a.b", ["must not contain dots"]],
    ["dns1123Label", "a".repeat(64), ["must be no more than 63 characters"]],
    ["dns1123SubdomainPrefix", "mysubdomain.prefix.-", undefined],
    ["dns1035LabelPrefix", "my-label-prefix-", undefined],
    ["qualifiedName", "apiextensions.k8s.io/v1beta1", undefined],
    ["qualifiedName", "/x", ["prefix part must be non-empty"]],
    ["labelValue", "", undefined],
    ["uri", "http://example.com", undefined],
    ["uri", "example", ['parse "example": invalid URI for request']],
    ["uuid", "123e4567-e89b-12d3-a456-426614174000", undefined],
    ["uuid", "nope", ["does not match the UUID format"]],
    ["byte", "aGVsbG8=", undefined],
    ["byte", "aGVsbG8", ["invalid base64"]],
    ["date", "2020-02-29", undefined],
    ["date", "2021-02-29", ["invalid date"]],
    ["datetime", "2021-01-01T00:00:00Z", undefined],
    ["datetime", "2020-01-32T00:00:00Z", ["invalid datetime"]],
  ])("format.%s().validate(%s)", (name, s, want) => {
    const got = validate(name, s) as Optional;
    expect(got).toBeInstanceOf(Optional);
    expect(got.hasValue() ? got.value : undefined).toEqual(want);
  });
  it("format.named", () => {
    expect((call("format-named", "unknown") as Optional).hasValue()).toBe(false);
    expect(celEquals((call("format-named", "uri") as Optional).value!, call("format.uri"))).toBe(true);
  });
});

describe("semver (blang/semver v4)", () => {
  it.each<[string, boolean, boolean]>([
    ["1.2.3-beta.1+build.1", false, true],
    ["", false, false],
    ["v1.0.0", false, false],
    ["01.01.01", false, false],
    ["1.1", false, false],
    ["v1.0.0", true, true],
    ["01.01.01", true, true],
    ["1", true, true],
    [" 1.0.0", true, false],
    ["1.0.0 ", true, false],
  ])("isSemver(%s, %s)", (s, n, want) => {
    expect(call("is_semver_string_bool", s, n)).toBe(want);
  });
  it("errors with blang texts", () => {
    expect(err("string_to_semver", "v1.0")).toBe("No Major.Minor.Patch elements found");
    expect(err("string_to_semver", "1.0.x")).toBe('Invalid character(s) found in patch number "x"');
    expect(err("string_to_semver", "1.01.0")).toBe('Minor number must not contain leading zeroes "01"');
  });
  it.each<[string, string, bigint]>([
    ["1.2.3", "1.2.3", 0n],
    ["1.0.0", "1.2.3", -1n],
    ["1.0.0-alpha", "1.0.0", -1n],
    ["1.0.0-alpha.1", "1.0.0-alpha.beta", -1n],
    ["1.0.0-2", "1.0.0-10", -1n],
    ["1.0.0+b1", "1.0.0+b2", 0n],
  ])("compareTo(%s, %s)", (a, b, want) => {
    expect(call("semver_compare_to", sv(a), sv(b))).toBe(want);
  });
  it("accessors and normalized equality", () => {
    expect(call("semver_major", sv("1.2.3"))).toBe(1n);
    expect(call("semver_patch", sv("1.2.3"))).toBe(3n);
    expect(celEquals(sv("v01.01", true), sv("1.1.0"))).toBe(true);
  });
});

describe("jsonpatch", () => {
  it("escapeKey escapes ~ then /", () => {
    expect(call("string_jsonpatch_escapeKey_string", "k8s.io/my~label")).toBe("k8s.io~1my~0label");
  });
});

describe("authz", () => {
  const table = parseAuthzTable([
    { verb: "get", path: "/healthz" },
    { user: "alice", verb: "create", apiGroup: "apps", resource: "deployments", namespace: "*", reason: "table" },
    { group: "system:serviceaccounts:default", verb: "*", resource: "endpoints" },
  ]);
  const decide = authzTableDecider(table);
  const alice = makeAuthorizer(decide, { username: "alice", groups: [] });
  const check = (rc: Value, verb: string): Value => call("resourcecheck_check", rc, verb);
  it("resource checks", () => {
    const rc = call("groupcheck_resource", call("authorizer_group", alice, "apps"), "deployments");
    const d = check(call("resourcecheck_namespace", rc, "test"), "create");
    expect(call("decision_allowed", d)).toBe(true);
    expect(call("decision_reason", d)).toBe("table");
    expect(call("decision_errored", d)).toBe(false);
    expect(call("decision_allowed", check(rc, "delete"))).toBe(false);
  });
  it("path checks and argument validation", () => {
    expect(call("decision_allowed", call("pathcheck_check", call("authorizer_path", alice, "/healthz"), "get"))).toBe(true);
    expect(err("authorizer_path", alice, "  ")).toBe("path must not be empty");
    expect(err("groupcheck_resource", call("authorizer_group", alice, ""), "")).toBe("resource must not be empty");
    expect(err("authorizer_serviceaccount", alice, "not@a#valid!namespace", "validname")).toBe("Invalid service account namespace");
    expect(err("authorizer_serviceaccount", alice, "default", "invalid@*name")).toBe("Invalid service account name");
  });
  it("serviceAccount switches the user; selectors reach the attributes", () => {
    const seen: AuthzAttributes[] = [];
    const a = makeAuthorizer((x) => (seen.push(x), decide(x)), { username: "bob", groups: [] });
    const sa = call("authorizer_serviceaccount", a, "default", "builder");
    const rc = call("groupcheck_resource", call("authorizer_group", sa, ""), "endpoints");
    expect(call("decision_allowed", check(call("authorizer_fieldselector", rc, "spec.nodeName=n1"), "list"))).toBe(true);
    expect(seen[0]).toMatchObject({
      user: { username: "system:serviceaccount:default:builder", groups: ["system:serviceaccounts", "system:serviceaccounts:default"] },
      resourceRequest: true,
      version: "*",
      fieldSelector: "spec.nodeName=n1",
    });
  });
  it("errors and requestResource", () => {
    const b = authzBindings(() => ({ decision: "noopinion", error: "boom" }), { username: "u", groups: [] }, {
      group: "",
      resource: "endpoints",
      subresource: "status",
      namespace: "default",
      name: "e1",
    });
    const d = check(b["authorizer.requestResource"]!, "update");
    expect(call("decision_errored", d)).toBe(true);
    expect(call("decision_error", d)).toBe("boom");
    expect(call("decision_allowed", d)).toBe(false);
  });
  it("parseAuthzTable validates entries", () => {
    expect(() => parseAuthzTable([{ resource: "pods" }])).toThrow(/verb is required/);
    expect(() => parseAuthzTable([{ verb: "get", bogus: 1 }])).toThrow(/unknown field/);
    expect(parseAuthzTable({ rules: [{ verb: "get" }] })).toEqual([{ verb: "get" }]);
  });
});

describe("type identifiers", () => {
  it("declares net.IP, net.CIDR, kubernetes.Quantity … as type values", () => {
    const names = all.flatMap((l) => (l.idents ?? []).map((i) => i.name));
    expect(names).toEqual(expect.arrayContaining(["net.IP", "net.CIDR", "kubernetes.Quantity", "kubernetes.URL", "kubernetes.Semver"]));
  });
  it("map-only library is separate", () => {
    expect(k8sLibraries.some((l) => l.name === "kubernetes.jsonpatch")).toBe(false);
    expect(mapLibraries.map((l) => l.name)).toEqual(["kubernetes.jsonpatch"]);
  });
});

describe("values compare like cel-go", () => {
  it("celEquals handles maps with heterogeneous numeric keys/values", () => {
    const a = CelMap.fromEntries([["a", 1n]]);
    const b = CelMap.fromEntries([["a", 1]]);
    expect(celEquals(a, b)).toBe(true);
  });
});
