/**
 * `POST /triggers/preview`: checks a trigger as a form is filled in, and shows what it
 * means and when it fires. The calendar is pure, so its routes live here, with the
 * schedules that use it.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, Type } from "typebox";
import { StringEnum } from "../api/openapi.js";
import {
  CALENDAR_ERROR_CODES,
  describeTrigger,
  nextFireTimes,
  parseTrigger,
  type Trigger,
  TriggerError,
  type TriggerSpec,
} from "../calendar/index.js";
import { ScheduleInputSchema } from "./schedule.js";

const DEFAULT_COUNT = 5;
const spec = ScheduleInputSchema.properties;

/** A trigger as a schedule holds it (same fields, same checks), and what to preview. */
const PreviewBody = Type.Object(
  {
    type: spec.type,
    expression: spec.expression,
    every: spec.every,
    unit: spec.unit,
    anchor: spec.anchor,
    at: spec.at,
    timeZone: spec.timeZone,
    startTime: spec.startTime,
    endTime: spec.endTime,
    dst: spec.dst,
    count: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        description: `How many fire times; default ${DEFAULT_COUNT}`,
      }),
    ),
    from: Type.Optional(
      Type.Union([Type.String(), Type.Number()], {
        description: "Fire times after this instant (ISO text or ms); default now",
      }),
    ),
  },
  { additionalProperties: false },
);

/** The body of `POST /triggers/preview`, for typed clients (the web UI). */
export type TriggerPreviewInput = Static<typeof PreviewBody>;

/** What `POST /triggers/preview` answers: a description and fire times, or what is wrong. */
const TriggerPreviewSchema = Type.Union([
  Type.Object(
    {
      valid: Type.Literal(true),
      type: Type.String({ description: "The trigger type, told from the expression if not given" }),
      timeZone: Type.String({ description: "The canonical zone name" }),
      description: Type.String({ description: "The trigger in words" }),
      nextFireTimes: Type.Immutable(
        Type.Array(Type.String({ format: "date-time" }), { description: "ISO UTC instants" }),
      ),
    },
    { description: "A valid trigger" },
  ),
  Type.Object(
    {
      valid: Type.Literal(false),
      code: StringEnum(CALENDAR_ERROR_CODES),
      field: Type.String({ description: "The field at fault, e.g. `day-of-week`" }),
      detail: Type.String({ description: "What is wrong, starting with the field" }),
      allowed: Type.Optional(Type.String({ description: "What the field allows" })),
    },
    { description: "An invalid trigger, for a form to show next to the field" },
  ),
]);
export type TriggerPreview = Static<typeof TriggerPreviewSchema>;

export const triggerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    "/triggers/preview",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Check a trigger, describe it and list its next fire times",
        description:
          'An invalid trigger answers 200 with `{ valid: false, code, field, detail }` (e.g. field `day-of-week`, detail `day-of-week: "8" is out of range 1-7 (SUN-SAT)`), so a form can show it next to the field; a body that is not a trigger at all (an unknown key, a number given as text) is a 400 problem.',
        tags: ["triggers"],
        body: PreviewBody,
        response: { 200: TriggerPreviewSchema },
      },
    },
    async (request): Promise<TriggerPreview> => {
      const { count, from, ...rest } = request.body;
      let trigger: Trigger;
      try {
        trigger = parseTrigger(rest as TriggerSpec);
      } catch (error) {
        if (!(error instanceof TriggerError)) throw error;
        return {
          valid: false,
          code: error.code,
          field: error.field,
          detail: error.message,
          ...(error.allowed === undefined ? {} : { allowed: error.allowed }),
        };
      }
      const fires = nextFireTimes(trigger, {
        count: count ?? DEFAULT_COUNT,
        ...(from === undefined ? {} : { from }),
      });
      return {
        valid: true,
        type: trigger.type,
        timeZone: trigger.timeZone,
        description: describeTrigger(trigger),
        nextFireTimes: fires.map((fire) => fire.toISOString()),
      };
    },
  );
};
