/**
 * Job ids: UUIDv7 (RFC 9562), so ids sort by creation time as plain strings, index well
 * (new rows land at the end of a B-tree) and still need no coordination between nodes.
 */
import { randomFillSync } from "node:crypto";

/** rand_a's 12 bits count ids made in the same millisecond (RFC 9562 §6.2, method 1). */
const COUNTER_MAX = 0xfff;
/** A new millisecond starts its counter at random below this, leaving room to count up. */
const COUNTER_START_RANGE = 0x800;

let lastMs = -1;
let counter = 0;
/** Random bytes are drawn a pool at a time: one draw per id was a few percent of a busy node. */
const POOL = 10 * 512;
const pool = Buffer.alloc(POOL);
let used = POOL;
let random = pool.subarray(0, 10);

/**
 * A new UUIDv7 for an instant. Ids made by this process are strictly increasing even
 * within one millisecond, or when `now` steps backwards (a clock adjustment): the
 * timestamp then stays at the last one used.
 * @example newJobId(Date.now()) // "01936f4e-8a2b-7c41-9d3e-5f0a1b2c3d4e"
 */
export function newJobId(now: number): string {
  if (used === POOL) {
    randomFillSync(pool);
    used = 0;
  }
  random = pool.subarray(used, used + 10);
  used += 10;
  let ms = Math.max(Math.floor(now), 0);
  if (ms <= lastMs) {
    ms = lastMs;
    counter++;
    if (counter > COUNTER_MAX) {
      // 4,096 ids in one millisecond: borrow the next one rather than repeat or reorder.
      ms = lastMs + 1;
      counter = 0;
    }
  } else {
    counter = (((random[8] as number) << 8) | (random[9] as number)) % COUNTER_START_RANGE;
  }
  lastMs = ms;
  const time = ms.toString(16).padStart(12, "0").slice(-12);
  const randA = counter.toString(16).padStart(3, "0");
  // The variant's two bits (10) lead rand_b.
  const variant = (((random[0] as number) & 0x3f) | 0x80).toString(16);
  const tail = random.subarray(1, 8).toString("hex");
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randA}-${variant}${tail.slice(0, 2)}-${tail.slice(2)}`;
}
