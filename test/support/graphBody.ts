/**
 * What a test reads from a JSON answer of this service: the union of the fields of every answer (an
 * entity, a collection page, an error). A field a test reads is typed as it is when present; the test's
 * own assertions are what prove that it is present.
 */
export interface GraphEntity {
  id: string;
  '@odata.context': string;
  '@odata.type': string;
  // microsoft.graph.itemPhone
  number: string;
  type: string;
  displayName: string;
  allowedAudiences: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  createdBy: IdentitySetBody;
  lastModifiedBy: IdentitySetBody;
  source: { type: string[] };
  inference: unknown;
  // microsoft.graph.phoneAuthenticationMethod
  phoneNumber: string;
  phoneType: string;
  smsSignInState: string;
}

interface IdentitySetBody {
  user?: { id?: string | null; displayName?: string | null } | null;
  application?: { id?: string | null; displayName?: string | null } | null;
}

interface GraphErrorDetail {
  code: string;
  message: string;
  target: string;
}

interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    details: GraphErrorDetail[];
    innerError: Record<string, string>;
  };
}

interface GraphCollectionBody {
  value: GraphEntity[];
  '@odata.nextLink': string;
  '@odata.count'?: number;
}

/** Any answer body of the service, read by a test. */
export type GraphBody = GraphEntity & GraphCollectionBody & GraphErrorBody;

/**
 * Parses an answer's JSON text as a body a test reads; a missing or empty body (a 204) is passed on as
 * it is, so a test can assert that it is empty.
 */
export function parseGraphBody(text: string | undefined): GraphBody {
  const parsed: unknown = text === undefined || text === '' ? text : JSON.parse(text);
  return parsed as GraphBody;
}

/** One structured log line of the service, parsed. */
export function parseLogLine(line: string): Record<string, unknown> {
  return JSON.parse(line) as Record<string, unknown>;
}
