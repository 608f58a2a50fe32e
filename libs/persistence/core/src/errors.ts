/** Base of the errors every document store adapter throws for the same conditions. */
export class DocumentStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class DuplicateKeyError extends DocumentStoreError {
  constructor(
    readonly collection: string,
    readonly key: string,
  ) {
    super(`${collection}: duplicate ${key}`);
  }
}

export class VersionConflictError extends DocumentStoreError {
  constructor(
    readonly collection: string,
    readonly id: string,
    readonly expectedVersion: number,
  ) {
    super(`${collection}/${id}: version ${expectedVersion} is no longer current`);
  }
}

export class DocumentNotFoundError extends DocumentStoreError {
  constructor(
    readonly collection: string,
    readonly id: string,
  ) {
    super(`${collection}/${id}: not found`);
  }
}

/** A call the port does not accept (bad name, tenant, path, page size, missing unique field). */
export class InvalidDocumentRequestError extends DocumentStoreError {}
