/** A stored document is the resource as returned plus its partition key. */
export type StoredDocument<Resource> = Resource & { userId: string };

export function toDocument<Resource extends { id: string }>(userId: string, resource: Resource): StoredDocument<Resource> {
  return { ...resource, userId };
}

/** Cosmos system properties and our partition key: never part of a Graph resource. */
const STORAGE_FIELDS = ['userId', '_rid', '_self', '_etag', '_ts', '_attachments'] as const;

export function fromDocument<Resource>(document: Record<string, unknown>): Resource {
  const resource = { ...document };
  for (const field of STORAGE_FIELDS) delete resource[field];
  return resource as Resource;
}
