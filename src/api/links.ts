/** A soft link: a path stored as a string, resolved when followed. */
export class SoftLink {
  readonly kind = 'soft' as const;
  constructor(readonly path: string) {}
}

/** An external link: an object path in another file. */
export class ExternalLink {
  readonly kind = 'external' as const;
  constructor(
    readonly filename: string,
    readonly path: string,
  ) {}
}

/** A hard link to an object header address. */
export class HardLink {
  readonly kind = 'hard' as const;
  constructor(readonly address: number) {}
}

/** A user-defined link class h5kit reports but cannot follow. */
export class UserDefinedLink {
  readonly kind = 'user-defined' as const;
  constructor(
    readonly linkType: number,
    readonly data: Uint8Array,
  ) {}
}

export type AnyLink = SoftLink | ExternalLink | HardLink | UserDefinedLink;
