import { H5UnsupportedError } from '../errors.js';
import type { FileContext } from '../format/file-context.js';
import type { AttributeMessage } from '../format/messages/attribute.js';
import type { AttributeInfo, LinkInfo } from '../format/messages/info.js';
import type { LinkMessage } from '../format/messages/link.js';

/**
 * Dense storage of links and attributes (spec IV.A.2.c / IV.A.2.v): messages
 * kept in a fractal heap and indexed by v2 B-trees. Order is applied by the
 * caller.
 */
export function denseLinks(_ctx: FileContext, _info: LinkInfo): LinkMessage[] {
  throw new H5UnsupportedError('dense link storage is not supported yet');
}

export function denseAttributes(_ctx: FileContext, _info: AttributeInfo): AttributeMessage[] {
  throw new H5UnsupportedError('dense attribute storage is not supported yet');
}
