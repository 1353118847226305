/**
 * What the auth API and CLI accept, one TypeBox schema per input. Checking goes through
 * src/validation.ts, except that a message about a password never repeats the value given.
 */
import { type Static, type TSchema, Type } from "typebox";
import { SundialError } from "../errors.js";
import { validate } from "../validation.js";
import { ROLES } from "./auth.js";

/** Names appear in URLs, logs and the CLI: letters, digits and `. _ @ -`, 1 to 64. */
const NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$";
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 1024;

export const UserNameSchema = Type.String({ pattern: NAME_PATTERN });
export const GroupNameSchema = Type.String({ pattern: NAME_PATTERN });
const Password = Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX });
const Roles = Type.Array(Type.Union(ROLES.map((role) => Type.Literal(role))), {
  minItems: 1,
  uniqueItems: true,
});
const JobType = Type.String({ minLength: 1, maxLength: 200 });

export const NewUserSchema = Type.Object(
  {
    name: UserNameSchema,
    /** Left out for an account that only uses API tokens. */
    password: Type.Optional(Password),
    roles: Roles,
  },
  { additionalProperties: false },
);
export type NewUser = Static<typeof NewUserSchema>;

export const UserChangeSchema = Type.Object(
  { roles: Type.Optional(Roles), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type UserChange = Static<typeof UserChangeSchema>;

export const PasswordChangeSchema = Type.Object(
  {
    password: Password,
    /** Required when users change their own password. */
    currentPassword: Type.Optional(Type.String({ maxLength: PASSWORD_MAX })),
  },
  { additionalProperties: false },
);
export type PasswordChange = Static<typeof PasswordChangeSchema>;

export const LoginSchema = Type.Object(
  {
    // Any text: a login with a name no user could have is a failed login, not a bad request.
    name: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({ maxLength: PASSWORD_MAX }),
  },
  { additionalProperties: false },
);
export type Login = Static<typeof LoginSchema>;

export const NewTokenSchema = Type.Object(
  {
    /** What the token is for, e.g. "CI deploys". */
    name: Type.String({ minLength: 1, maxLength: 200 }),
    /** Default 90. */
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    /** The owner, when an admin makes a token for someone else; default the caller. */
    user: Type.Optional(UserNameSchema),
  },
  { additionalProperties: false },
);
export type NewToken = Static<typeof NewTokenSchema>;

export const GroupSchema = Type.Object(
  {
    members: Type.Array(UserNameSchema, { uniqueItems: true, maxItems: 10_000 }),
    /** The job types members may start. */
    jobTypes: Type.Array(JobType, { uniqueItems: true, maxItems: 1000 }),
  },
  { additionalProperties: false },
);
export type GroupInput = Static<typeof GroupSchema>;

export const AuditQuerySchema = Type.Object(
  {
    user: Type.Optional(Type.String({ maxLength: 200 })),
    method: Type.Optional(Type.String({ maxLength: 10 })),
    route: Type.Optional(Type.String({ maxLength: 500 })),
    target: Type.Optional(Type.String({ maxLength: 500 })),
    /** Entries at or after this instant (ms). */
    from: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Entries before this instant (ms). */
    to: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Entries older than this entry id: the next page. */
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Default 100. */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuerySchema>;

const SECRET_FIELDS: Readonly<Record<string, string>> = {
  password: `must be text of ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`,
  currentPassword: `must be text of at most ${PASSWORD_MAX} characters`,
};

/**
 * {@link validate}, except that a password is never echoed in the message (which reaches
 * responses and logs).
 * @throws SundialError `badRequest` naming the field.
 */
export function checkInput<S extends TSchema>(schema: S, value: unknown, prefix = ""): Static<S> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    // validate() would quote the whole value, which may be a password sent the wrong way.
    const field = prefix || "body";
    throw new SundialError("badRequest", `${field}: must be a JSON object`, { field });
  }
  try {
    return validate(schema, value, prefix);
  } catch (error) {
    const field = error instanceof SundialError ? error.field : undefined;
    const bare = field?.slice(prefix === "" ? 0 : prefix.length + 1);
    const rule = bare === undefined ? undefined : SECRET_FIELDS[bare];
    if (rule === undefined || field === undefined) throw error;
    const given = (value as Record<string, unknown>)[bare as string];
    const message =
      given === undefined ? `${field}: is required` : `${field}: ${rule} (the value is not shown)`;
    throw new SundialError("badRequest", message, { field });
  }
}
