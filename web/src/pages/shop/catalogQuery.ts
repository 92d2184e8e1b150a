// The catalog's whole state lives in the URL query (so the back button restores it): these turn the
// route's query into filters, filters into the route's query, and filters into the API's query.
import type { LocationQuery } from 'vue-router'

export type Sort = '' | 'relevance' | 'price_fen' | '-price_fen' | '-created_at'
export const SORTS: Sort[] = ['', 'price_fen', '-price_fen', '-created_at']
export const PAGE_SIZE = 12

export interface Filters {
  q: string
  category: string
  origin: string
  certified: boolean
  inStock: boolean
  minPriceFen: number | null
  maxPriceFen: number | null
  sort: Sort
  page: number
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

function whole(value: unknown): number | null {
  const figure = Number(text(value))
  return text(value) !== '' && Number.isSafeInteger(figure) && figure >= 0 ? figure : null
}

export function filtersOf(query: LocationQuery): Filters {
  const sort = text(query.sort) as Sort
  return {
    q: text(query.q).trim(),
    category: text(query.category),
    origin: /^\d{6}$/.test(text(query.origin)) ? text(query.origin) : '',
    certified: query.certified === '1',
    inStock: query.in_stock === '1',
    minPriceFen: whole(query.min),
    maxPriceFen: whole(query.max),
    sort: [...SORTS, 'relevance'].includes(sort) ? sort : '',
    page: Math.max(1, whole(query.page) ?? 1),
  }
}

/** The route's query for `filters`: only what differs from the defaults, so URLs stay short. */
export function queryOf(filters: Filters): Record<string, string> {
  const query: Record<string, string> = {}
  if (filters.q) query.q = filters.q
  if (filters.category) query.category = filters.category
  if (filters.origin) query.origin = filters.origin
  if (filters.certified) query.certified = '1'
  if (filters.inStock) query.in_stock = '1'
  if (filters.minPriceFen !== null) query.min = String(filters.minPriceFen)
  if (filters.maxPriceFen !== null) query.max = String(filters.maxPriceFen)
  if (filters.sort) query.sort = filters.sort
  if (filters.page > 1) query.page = String(filters.page)
  return query
}

/** The API's query string for the filters (GET /products and GET /products/facets take the same). */
export function apiQuery(filters: Filters, paged = true): string {
  const params = new URLSearchParams()
  if (filters.q) params.set('q', filters.q)
  if (filters.category) params.set('category', filters.category)
  if (filters.origin) params.set('origin', filters.origin)
  if (filters.certified) params.set('certified', 'true')
  if (filters.inStock) params.set('in_stock', 'true')
  if (filters.minPriceFen !== null) params.set('min_price_fen', String(filters.minPriceFen))
  // The bands' upper bounds are exclusive, the API's max_price_fen inclusive.
  if (filters.maxPriceFen !== null) params.set('max_price_fen', String(filters.maxPriceFen - 1))
  if (paged) {
    // With a search and no sort chosen, the best matches first.
    const sort = filters.sort || (filters.q ? 'relevance' : '')
    if (sort) params.set('sort', sort)
    params.set('page', String(filters.page))
    params.set('page_size', String(PAGE_SIZE))
  }
  return params.toString()
}

// The catalog page the buyer last looked at, for the product page's way back to it (after signing
// in on the way, the browser's back button would not lead there).
const LAST_CATALOG = 'marketplace.catalog'

export function rememberCatalog(fullPath: string): void {
  sessionStorage.setItem(LAST_CATALOG, fullPath)
}

export function lastCatalog(): string {
  const path = sessionStorage.getItem(LAST_CATALOG)
  return path !== null && path.startsWith('/products') ? path : '/products'
}
