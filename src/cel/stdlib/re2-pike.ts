// Match offsets for RE2 patterns in linear time: a Pike VM (Go regexp's `machine`, leftmost-first) run over the
// program @bufbuild/re2 compiled. That package only answers yes/no; `find`/`findAll` need where the match is, and
// a backtracking JS RegExp may take exponential time on hostile patterns (`(a+)+$`). Threads are kept in priority
// order (an ALT's `out` before its `arg`, which is how the compiler encodes greedy/lazy and left-first
// alternation); a MATCH cuts the lower-priority threads, and no new thread starts after the first match. Work is
// O(input length × program size).
import type { RE2JS } from "@bufbuild/re2";

type Prog = ReturnType<RE2JS["re2"]>["prog"];

// Inst op codes and EMPTY_* flags of @bufbuild/re2 0.6.1 (Inst.js, Utils.js; the package version is pinned).
const ALT = 1;
const ALT_MATCH = 2;
const CAPTURE = 3;
const EMPTY_WIDTH = 4;
const MATCH = 6;
const NOP = 7;
const RUNE = 8;
const RUNE_ANY_NOT_NL = 11;
const EMPTY_BEGIN_LINE = 0x01;
const EMPTY_END_LINE = 0x02;
const EMPTY_BEGIN_TEXT = 0x04;
const EMPTY_END_TEXT = 0x08;
const EMPTY_WORD_BOUNDARY = 0x10;
const EMPTY_NO_WORD_BOUNDARY = 0x20;

const isWordRune = (r: number): boolean => (r >= 0x61 && r <= 0x7a) || (r >= 0x41 && r <= 0x5a) || (r >= 0x30 && r <= 0x39) || r === 0x5f;

/** The empty-width assertions that hold between runes r1 and r2 (-1: start / end of text). */
function context(r1: number, r2: number): number {
  let op = 0;
  if (r1 < 0) op |= EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE;
  if (r1 === 0x0a) op |= EMPTY_BEGIN_LINE;
  if (r2 < 0) op |= EMPTY_END_TEXT | EMPTY_END_LINE;
  if (r2 === 0x0a) op |= EMPTY_END_LINE;
  return op | (isWordRune(r1) !== isWordRune(r2) ? EMPTY_WORD_BOUNDARY : EMPTY_NO_WORD_BOUNDARY);
}

/** A run queue: leaf threads (rune and match instructions) in priority order, with their start offsets. */
class Queue {
  readonly pc: Int32Array;
  readonly start: Int32Array;
  len = 0;
  /** pc → the epoch in which it entered the queue (sparse-set membership, cleared by bumping the epoch). */
  private readonly mark: Int32Array;
  private epoch = 1;
  constructor(n: number) {
    this.pc = new Int32Array(n);
    this.start = new Int32Array(n);
    this.mark = new Int32Array(n);
  }
  clear(): void {
    this.len = 0;
    this.epoch++;
  }
  /** Enter pc; false when it is already in the queue. */
  enter(pc: number): boolean {
    if (this.mark[pc] === this.epoch) return false;
    this.mark[pc] = this.epoch;
    return true;
  }
}

/** Follow the empty transitions from pc (out before arg) and queue the leaf instructions reached. */
function add(prog: Prog, q: Queue, pc0: number, start: number, ctx: number, stack: number[]): void {
  stack.push(pc0);
  while (stack.length > 0) {
    const pc = stack.pop()!;
    if (pc === 0 || !q.enter(pc)) continue; // pc 0 is the program's FAIL instruction
    const inst = prog.getInst(pc);
    switch (inst.op) {
      case ALT:
      case ALT_MATCH:
        stack.push(inst.arg, inst.out); // out on top: explored first
        break;
      case EMPTY_WIDTH:
        if ((inst.arg & ~ctx) === 0) stack.push(inst.out);
        break;
      case NOP:
      case CAPTURE:
        stack.push(inst.out);
        break;
      case MATCH:
        q.pc[q.len] = pc;
        q.start[q.len++] = start;
        break;
      default:
        if (inst.op >= RUNE && inst.op <= RUNE_ANY_NOT_NL) {
          q.pc[q.len] = pc;
          q.start[q.len++] = start;
        } // FAIL: nothing
    }
  }
}

/**
 * The leftmost-first match of a compiled RE2 program in `s` at or after UTF-16 offset `from` (Go's
 * Regexp.FindStringIndex from there, the text before `from` giving the context of `^` and `\b`): [start, end)
 * offsets, or undefined.
 */
export function pikeFind(re: ReturnType<RE2JS["re2"]>, s: string, from: number): [number, number] | undefined {
  const prog = re.prog;
  const n = prog.numInst();
  let run = new Queue(n);
  let next = new Queue(n);
  const stack: number[] = [];
  const len = s.length;
  const runeAt = (i: number): number => (i < len ? s.codePointAt(i)! : -1);
  let pos = from;
  let r = runeAt(pos);
  let width = r < 0 ? 0 : r > 0xffff ? 2 : 1;
  let ctx = context(pos > 0 ? s.charCodeAt(pos - 1) : -1, r);
  let matched: [number, number] | undefined;
  for (;;) {
    if (run.len === 0 && matched) break;
    if (!matched) add(prog, run, prog.start, pos, ctx, stack);
    const r1 = width === 0 ? -1 : runeAt(pos + width);
    const nextCtx = context(r, r1);
    next.clear();
    for (let j = 0; j < run.len; j++) {
      const inst = prog.getInst(run.pc[j]!);
      if (inst.op === MATCH) {
        matched = [run.start[j]!, pos];
        break; // lower-priority threads are cut
      }
      if (width > 0 && inst.matchRune(r)) add(prog, next, inst.out, run.start[j]!, nextCtx, stack);
    }
    if (width === 0) break;
    pos += width;
    r = r1;
    width = r < 0 ? 0 : r > 0xffff ? 2 : 1;
    ctx = nextCtx;
    [run, next] = [next, run];
    next.clear();
  }
  return matched;
}
