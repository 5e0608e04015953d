/** Posts JSON batches to `{base}/$batch` (this service or Microsoft Graph) with the caller's token. */

export interface ItemRequest {
  id: string;
  method: 'GET' | 'POST';
  /** Relative to the base, e.g. `/users/{id}/authentication/phoneMethods`. */
  url: string;
  body?: unknown;
}

export interface ItemAnswer {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: {
    error?: { code?: string; message?: string };
    value?: Array<{ phoneType?: string; phoneNumber?: string }>;
  };
}

/** The batch itself failed: `retryAfterMs` when trying again later may help, else it will not. */
export class BatchFailure extends Error {
  override name = 'BatchFailure';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A header of an item's answer, whatever case the server wrote its name in. */
export function headerOf(answer: ItemAnswer, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.entries(answer.headers ?? {}).find(([key]) => key.toLowerCase() === lower)?.[1];
}

/** Retry-After in milliseconds (seconds or an HTTP date), else undefined. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export class BatchClient {
  private readonly endpoint: string;

  constructor(
    base: string,
    private readonly token: string,
  ) {
    this.endpoint = `${base.replace(/\/+$/, '')}/$batch`;
  }

  /** One batch; its answers by request id. Throws BatchFailure when the batch as a whole is not answered. */
  async send(requests: readonly ItemRequest[]): Promise<Map<string, ItemAnswer>> {
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          requests: requests.map(({ body, ...request }) =>
            body === undefined ? request : { ...request, headers: { 'Content-Type': 'application/json' }, body },
          ),
        }),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (error) {
      throw new BatchFailure(`no answer from ${new URL(this.endpoint).origin} (${(error as Error).name})`, 2000);
    }
    const text = await response.text().catch(() => '');
    if (response.status === 429 || response.status >= 500)
      throw new BatchFailure(
        `the batch was answered ${response.status}`,
        retryAfterMs(response.headers.get('retry-after')) ?? 2000,
      );
    let body: { responses?: ItemAnswer[]; error?: { code?: string } } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // reported below
    }
    if (response.status !== 200 || !Array.isArray(body.responses)) {
      const code = body.error?.code ? ` ${body.error.code}` : '';
      const hint = response.status === 401 ? ' (the token was refused: get a new one)' : '';
      throw new BatchFailure(`the batch was answered ${response.status}${code}${hint}`);
    }
    return new Map(body.responses.map((answer) => [answer.id, answer]));
  }
}
