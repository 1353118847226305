/**
 * The one-line description of a whole trigger: the phrase for what it matches, then its
 * zone and any start/end window, e.g. "At 06:00, Monday through Friday, Europe/London".
 */
import { partsOfWall } from "./civil.js";
import { describeFields, describeInterval, describeOnce } from "./describe.js";
import { parseTrigger, type Trigger, type TriggerSpec } from "./trigger.js";
import { Zone } from "./zone.js";

function wallParts(instant: number, zone: Zone) {
  const [year, month, day, hour, minute, second] = partsOfWall(zone.wallAt(instant));
  return { year, month, day, hour, minute, second };
}

function wallText(instant: number, zone: Zone): string {
  const p = wallParts(instant, zone);
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${two(p.hour)}:${two(p.minute)}${p.second === 0 ? "" : `:${two(p.second)}`}`;
  return `${p.year}-${two(p.month)}-${two(p.day)} ${time}`;
}

/**
 * Describes a trigger (or a spec, parsed first) in English.
 * @throws TriggerError when given a spec that is invalid.
 * @example describeTrigger({ expression: "0 0 6 ? * MON-FRI", timeZone: "Europe/London" })
 *   // "At 06:00, Monday through Friday, Europe/London"
 */
export function describeTrigger(input: Trigger | TriggerSpec | string): string {
  const trigger = typeof input === "object" && "nextMs" in input ? input : parseTrigger(input);
  const zone = Zone.of(trigger.timeZone);
  const spec = trigger.spec;
  let phrase: string;
  if (trigger.fields !== undefined) phrase = describeFields(trigger.fields);
  else if (trigger.type === "interval") {
    const anchor = Date.parse(spec.anchor as string);
    phrase = describeInterval(
      spec.every as number,
      spec.unit as NonNullable<TriggerSpec["unit"]>,
      wallParts(anchor, zone),
    );
  } else phrase = describeOnce(wallParts(Date.parse(spec.at as string), zone));
  const parts = [phrase, trigger.timeZone];
  if (trigger.startTime !== undefined) parts.push(`from ${wallText(trigger.startTime, zone)}`);
  if (trigger.endTime !== undefined) parts.push(`until ${wallText(trigger.endTime, zone)}`);
  return parts.join(", ");
}
