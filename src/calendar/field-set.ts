/**
 * A set of small integers (0-63) held in two 32-bit words.
 *
 * Every time field of every trigger type (seconds, minutes, hours, days of month, months,
 * days of week) is one of these: a parsed trigger stays a few hundred bytes, and "the next
 * allowed value ≥ x" is two bit operations instead of a loop.
 */
export interface FieldSet {
  /** Bits for values 0-31. */
  readonly lo: number;
  /** Bits for values 32-63. */
  readonly hi: number;
}

export const EMPTY_SET: FieldSet = Object.freeze({ lo: 0, hi: 0 });

/** Index of the lowest set bit of a non-zero 32-bit word. */
function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/**
 * The set holding `values`.
 * @example fieldSetOf([0, 15, 30, 45])
 */
export function fieldSetOf(values: Iterable<number>): FieldSet {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0 || v > 63)
      throw new RangeError(`field value ${v} is outside 0-63`);
    if (v < 32) lo |= 1 << v;
    else hi |= 1 << (v - 32);
  }
  return { lo, hi };
}

/** The set of every value from `min` to `max` inclusive. */
export function rangeSet(min: number, max: number): FieldSet {
  const values: number[] = [];
  for (let v = min; v <= max; v++) values.push(v);
  return fieldSetOf(values);
}

export function hasValue(set: FieldSet, value: number): boolean {
  if (value < 0 || value > 63) return false;
  return value < 32 ? (set.lo & (1 << value)) !== 0 : (set.hi & (1 << (value - 32))) !== 0;
}

/** The smallest value ≥ `from` in the set, or -1 when there is none. */
export function nextInSet(set: FieldSet, from: number): number {
  if (from < 32) {
    const word = from <= 0 ? set.lo : set.lo & (-1 << from);
    if (word !== 0) return lowestBit(word);
    if (set.hi !== 0) return 32 + lowestBit(set.hi);
    return -1;
  }
  if (from > 63) return -1;
  const word = set.hi & (-1 << (from - 32));
  return word !== 0 ? 32 + lowestBit(word) : -1;
}

/** The values of the set in ascending order. */
export function valuesOf(set: FieldSet): number[] {
  const out: number[] = [];
  for (let v = nextInSet(set, 0); v >= 0; v = nextInSet(set, v + 1)) out.push(v);
  return out;
}

/** True when the set holds every value from `min` to `max`. */
export function coversRange(set: FieldSet, min: number, max: number): boolean {
  for (let v = min; v <= max; v++) if (!hasValue(set, v)) return false;
  return true;
}

export function isEmptySet(set: FieldSet): boolean {
  return set.lo === 0 && set.hi === 0;
}
