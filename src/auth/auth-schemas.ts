/**
 * The route schemas of the auth API: what each route answers (the serializer writes only
 * what these name, so each is checked against the type the service returns), and the
 * validator that checks auth input without ever quoting a password back.
 */
import type { FastifySchemaCompiler } from "fastify";
import { type Static, type TObject, type TSchema, Type } from "typebox";
import { Nullable, StringEnum, sameKeys } from "../api/openapi.js";
import { validatorCompiler } from "../api/validator.js";
import {
  type ApiToken,
  type AuditRow,
  type Group,
  type Principal,
  ROLES,
  type User,
} from "./auth.js";
import { checkInput } from "./auth-input.js";

const Instant = (description: string) =>
  Type.Integer({ description: `${description} (ms since 1970-01-01 UTC)` });
const Names = (description: string) => Type.Immutable(Type.Array(Type.String(), { description }));
const Roles = Type.Immutable(Type.Array(StringEnum(ROLES)));

export const UserSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    roles: Roles,
    groups: Names("The names of the user's groups"),
    hasPassword: Type.Boolean({ description: "False for an account that only uses API tokens" }),
    disabled: Type.Boolean(),
    lastLoginAt: Nullable(Instant("The last login")),
    createdAt: Instant("When it was created"),
    updatedAt: Instant("When it was last changed"),
  },
  { description: "A user: never the password or its hash" },
);
sameKeys<Static<typeof UserSchema>, User>(true);

export const GroupSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  members: Names("Member user names, sorted"),
  jobTypes: Names("The job types members may start, sorted"),
  createdAt: Instant("When it was created"),
  updatedAt: Instant("When it was last changed"),
});
sameKeys<Static<typeof GroupSchema>, Group>(true);

export const ApiTokenSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String({ description: "What the token is for" }),
    user: Type.String({ description: "The owner's user name: the token acts as this user" }),
    createdAt: Instant("When it was created"),
    expiresAt: Instant("When it stops working"),
    revokedAt: Nullable(Instant("When it was revoked")),
    lastUsedAt: Nullable(Instant("Its last use, to the minute")),
  },
  { description: "An API token: never its secret" },
);
sameKeys<Static<typeof ApiTokenSchema>, ApiToken>(true);

export const CreatedTokenSchema = Type.Object({
  token: ApiTokenSchema,
  secret: Type.String({ description: "`sundial_…`: shown this once; only its SHA-256 is kept" }),
});

const PrincipalProperties = {
  userId: Type.String(),
  name: Type.String(),
  roles: Roles,
  groups: Names("The names of the user's groups"),
  jobTypes: Names("The job types the user's groups may start"),
  via: StringEnum(["session", "token"] as const),
  tokenId: Nullable(Type.String({ description: "The API token used" })),
};
sameKeys<Static<TObject<typeof PrincipalProperties>>, Principal>(true);

/** What login and `GET /auth/me` answer: the caller, and the CSRF token of a session. */
export const WhoAmISchema = Type.Object({
  ...PrincipalProperties,
  csrfToken: Nullable(
    Type.String({ description: "Send it as `X-CSRF-Token` with changes; null with a token" }),
  ),
  expiresAt: Type.Optional(Instant("When the new session ends (login only)")),
});

export const AuditEntrySchema = Type.Object({
  id: Type.Integer({ description: "Increasing; `before` pages by it" }),
  at: Instant("When it was answered"),
  userId: Nullable(Type.String()),
  userName: Nullable(Type.String()),
  tokenId: Nullable(Type.String()),
  method: Type.String(),
  route: Type.String({ description: "The route's pattern, e.g. `/api/v1/users/:name`" }),
  target: Nullable(Type.String({ description: "The id or name the change was about" })),
  status: Type.Integer({ description: "The HTTP status answered" }),
  ip: Nullable(Type.String({ description: "The client address" })),
});
sameKeys<Static<typeof AuditEntrySchema>, AuditRow>(true);

/** A user or group name in a path: any text, so a name no one could have is a 404, not a 400. */
export const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

/**
 * The auth routes' validator: bodies go through {@link checkInput}, which never repeats a
 * password in its message (that reaches responses and logs); paths and queries as on every
 * other route.
 */
export const authValidatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  if (route.httpPart !== "body") return validatorCompiler(route);
  const { schema } = route;
  return (value: unknown) => {
    try {
      return { value: checkInput(schema, value) };
    } catch (error) {
      return { error: error as Error };
    }
  };
};
