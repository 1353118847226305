/** Memory checks for streaming code: what a test holds, without timings. */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** A full garbage collection, so that what is left is what is still held. */
export const gc: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/** Bytes held: the heap and the Buffers outside it (a stream's chunks live there). */
export function memoryInUse(): number {
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.external;
}
