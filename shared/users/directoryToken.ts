import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';

/**
 * The credential the directory is called with, one per process.
 *
 * Where the platform publishes a managed identity endpoint (App Service and Azure Functions set
 * IDENTITY_ENDPOINT and IDENTITY_HEADER), the managed identity is used directly: the user-assigned one
 * named by AZURE_CLIENT_ID, or the system-assigned one. Going straight to it (instead of through
 * DefaultAzureCredential's chain) means a deployment can never sign in as something else that happens
 * to be configured, and a failure names the managed identity. Elsewhere (a developer's machine, CI),
 * DefaultAzureCredential finds what is there: environment credentials, the Azure CLI, ...
 */
export function directoryCredential(managedIdentityClientId: string | undefined, env = process.env): TokenCredential {
  if (env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER) {
    return new ManagedIdentityCredential(managedIdentityClientId ? { clientId: managedIdentityClientId } : {});
  }
  return new DefaultAzureCredential(managedIdentityClientId ? { managedIdentityClientId } : {});
}

/** A token is renewed this long before it expires (when the credential suggests no earlier time). */
const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * Access tokens for one scope, held until they are due for renewal and fetched by one call at a time.
 * The credentials cache differently (the managed identity's does, the Azure CLI's spawns `az` every
 * time), so holding the token here keeps a lookup to one HTTP call whatever the credential is.
 * A failed renewal keeps the current token in use while it is still valid.
 */
export class AccessTokens {
  private current?: { token: string; renewAt: number; expiresAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly credential: TokenCredential,
    readonly scope: string,
    /** How long one token request may take (it has its own deadline: concurrent lookups share it). */
    private readonly timeoutMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A token for the scope; the held one, or a new one (one request for all concurrent callers). */
  get(): string | Promise<string> {
    const now = this.clock();
    const current = this.current;
    if (current && now < current.renewAt) return current.token;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    if (current && now < current.expiresAt - 30_000) {
      this.pending.catch(() => undefined); // renewal runs on; this request goes on with the current token
      return current.token;
    }
    return this.pending;
  }

  /** Forgets the held token (the directory refused it). */
  drop(): void {
    this.current = undefined;
  }

  private async fetch(): Promise<string> {
    const fresh = await this.credential.getToken(this.scope, { abortSignal: AbortSignal.timeout(this.timeoutMs) });
    if (!fresh) throw new Error('The credential returned no token.');
    // Renewed five minutes before expiry, or half-way through a token that lives less than ten.
    const lifetime = fresh.expiresOnTimestamp - this.clock();
    const renewAt = Math.min(
      fresh.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY,
      fresh.expiresOnTimestamp - Math.min(RENEW_BEFORE_EXPIRY_MS, lifetime / 2),
    );
    this.current = { token: fresh.token, renewAt, expiresAt: fresh.expiresOnTimestamp };
    return fresh.token;
  }
}
