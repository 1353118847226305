/**
 * Who is signed in, for the whole app: read once from `GET /auth/me` (which also gives
 * the session's CSRF token back after a reload), set by the sign-in page, cleared on sign
 * out or when any request answers 401.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from "react";
import { setCsrfToken, setUnauthorizedHandler } from "../api/client.js";
import { authApi } from "../api/endpoints.js";
import type { Role, WhoAmI } from "../api/types.js";

const RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };

/** Whether the caller has `role` or one above it (admin includes operator, and so on). */
export function hasRole(me: WhoAmI | null | undefined, role: Role): boolean {
  return me?.roles.some((mine) => RANK[mine] >= RANK[role]) ?? false;
}

interface SessionState {
  /** `undefined` while the first check runs; `null` when signed out. */
  readonly me: WhoAmI | null | undefined;
  /** The session ended (401) while the user was working: say so on the sign-in page. */
  readonly expired: boolean;
  /** The user signed out: the sign-in page then has no page to go back to. */
  readonly signedOut: boolean;
  readonly signedIn: (me: WhoAmI) => void;
  readonly signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [me, setMe] = useState<WhoAmI | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
  const [signedOut, setSignedOut] = useState(false);

  const signedIn = useCallback((who: WhoAmI) => {
    setCsrfToken(who.csrfToken);
    setExpired(false);
    setSignedOut(false);
    setMe(who);
  }, []);

  useEffect(() => {
    authApi.me().then(signedIn, () => setMe(null));
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setExpired(true);
      setMe(null);
    });
    return () => setUnauthorizedHandler(undefined);
  }, [signedIn]);

  const signOut = useCallback(async () => {
    try {
      await authApi.logout();
    } finally {
      setCsrfToken(null);
      setExpired(false);
      setSignedOut(true);
      setMe(null);
    }
  }, []);

  return (
    <SessionContext.Provider value={{ me, expired, signedOut, signedIn, signOut }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (state === undefined) throw new Error("useSession outside <SessionProvider>");
  return state;
}

/** The signed-in caller, in pages under the signed-in layout. */
export function useMe(): WhoAmI {
  const { me } = useSession();
  if (me === null || me === undefined) throw new Error("useMe outside a signed-in page");
  return me;
}
