// Where a product's certification stands, for the workbench: the newest application of each product.
import type { Certification } from '../../api/types'

export type TagType = 'success' | 'warning' | 'danger' | 'info' | 'primary'

const TAGS: Record<string, TagType> = {
  applied: 'warning',
  in_notice: 'primary',
  certified: 'success',
  rejected: 'danger',
  revoked: 'danger',
  expired: 'info',
  none: 'info',
}

/** The newest application of each product (the highest id), by product id. */
export function latestByProduct(certifications: Certification[]): Record<number, Certification> {
  const latest: Record<number, Certification> = {}
  for (const c of certifications) {
    if (!latest[c.product_id] || latest[c.product_id].id < c.id) latest[c.product_id] = c
  }
  return latest
}

export function certificationTag(status: string): TagType {
  return TAGS[status] ?? 'info'
}

/** Whether the product may be applied for now (no application under way), and whether as a renewal. */
export function applicationKind(latest: Certification | undefined): 'apply' | 'renew' | null {
  if (!latest || ['rejected', 'revoked'].includes(latest.status)) return 'apply'
  if (['certified', 'expired'].includes(latest.status)) return 'renew'
  return null
}
